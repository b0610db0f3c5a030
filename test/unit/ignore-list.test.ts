/** The client's "Ignore X in this workspace": which list it writes, and where. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addToIgnoreList } from '../../client/src/ignoreList.js';

describe('addToIgnoreList', () => {
  it('adds to the workspace list when a folder is open', () => {
    assert.deepEqual(addToIgnoreList({ workspaceValue: ['six'], globalValue: ['pepy'] }, true, 'aiocpa'), { scope: 'workspace', value: ['six', 'aiocpa'] });
    assert.deepEqual(addToIgnoreList(undefined, true, 'aiocpa'), { scope: 'workspace', value: ['aiocpa'] });
  });

  it("starts the workspace's first list from the user's, which it would otherwise hide (VS Code does not merge arrays)", () => {
    assert.deepEqual(addToIgnoreList({ globalValue: ['pepy'] }, true, 'aiocpa'), { scope: 'workspace', value: ['pepy', 'aiocpa'] });
    assert.equal(addToIgnoreList({ globalValue: ['aiocpa'] }, true, 'aiocpa'), undefined, 'ignored already');
  });

  it('adds to the user list, keeping what it holds, when no folder is open', () => {
    assert.deepEqual(addToIgnoreList({ globalValue: ['pepy', 'six'] }, false, 'aiocpa'), { scope: 'global', value: ['pepy', 'six', 'aiocpa'] });
  });

  it('writes nothing when the name is there already', () => {
    assert.equal(addToIgnoreList({ workspaceValue: ['aiocpa'] }, true, 'aiocpa'), undefined);
    assert.equal(addToIgnoreList({ globalValue: ['aiocpa'] }, false, 'aiocpa'), undefined);
  });

  it('keeps only the strings of a hand-edited setting', () => {
    assert.deepEqual(addToIgnoreList({ workspaceValue: ['six', 3, null] }, true, 'aiocpa'), { scope: 'workspace', value: ['six', 'aiocpa'] });
    assert.deepEqual(addToIgnoreList({ workspaceValue: 'six' }, true, 'aiocpa'), { scope: 'workspace', value: ['aiocpa'] });
  });
});
