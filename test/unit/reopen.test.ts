/**
 * A document closed and opened again with the same text is not parsed again, and a lock joined
 * again to manifests whose texts did not change keeps its view: a lock of megabytes is not read
 * twice for a tab closed and reopened. Any change (of the text, or of a manifest) gives a new one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { parseDocument } from '../../server/src/core/analyze.js';
import { joinLock } from '../../server/src/core/lockJoin.js';
import { OpenDocuments } from '../../server/src/session/documents.js';

const LOCK = `version = 1
revision = 3

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "six" }]

[[package]]
name = "six"
version = "1.16.0"
source = { registry = "https://pypi.org/simple" }
`;
const PYPROJECT = '[project]\nname = "app"\nversion = "0.1.0"\ndependencies = ["six"]\n';

describe('a document reopened with the same text', () => {
  const uri = 'file:///work/app/uv.lock';
  const doc = (text: string, version = 1) => TextDocument.create(uri, 'toml', version, text);

  it('keeps the parse of the text it was closed with, and only that text', () => {
    const documents = new OpenDocuments();
    const first = doc(LOCK);
    const parsed = documents.parse(first)!.parsed;
    documents.closed(first);
    documents.opened(uri);
    assert.equal(documents.parse(doc(LOCK))!.parsed, parsed, 'the same text: the same parse');
    documents.closed(doc(LOCK));
    documents.opened(uri);
    const other = documents.parse(doc(LOCK.replace('1.16.0', '1.17.0')))!.parsed;
    assert.notEqual(other, parsed, 'another text: parsed again');
    assert.equal(other.dependencies.find((d) => d.name === 'six')?.pinnedVersion, '1.17.0');
  });

  it('is taken once: a second reopen after a change parses again', () => {
    const documents = new OpenDocuments();
    const parsed = documents.parse(doc(LOCK))!.parsed;
    documents.closed(doc(LOCK));
    documents.opened(uri);
    const reopened = documents.parse(doc(LOCK))!;
    assert.equal(reopened.parsed, parsed);
    // Edited while open, then closed without saving and opened from disk: the disk's text is parsed anew.
    documents.parse(doc(LOCK + '\n', 2));
    documents.closed(doc(LOCK + '\n', 2));
    documents.opened(uri);
    assert.notEqual(documents.parse(doc(LOCK))!.parsed, parsed);
  });

  it('keeps the parses of the last four closed documents only', () => {
    const documents = new OpenDocuments();
    const uris = [1, 2, 3, 4, 5].map((i) => `file:///work/p${i}/uv.lock`);
    const parses = uris.map((u) => {
      const d = TextDocument.create(u, 'toml', 1, LOCK);
      const parsed = documents.parse(d)!.parsed;
      documents.closed(d);
      return parsed;
    });
    const reopen = (u: string) => {
      documents.opened(u);
      return documents.parse(TextDocument.create(u, 'toml', 1, LOCK))!.parsed;
    };
    assert.notEqual(reopen(uris[0]!), parses[0], 'the oldest was let go');
    assert.equal(reopen(uris[4]!), parses[4]);
  });
});

describe('a lock joined again', () => {
  const file = '/work/app/uv.lock';

  it('keeps its view while the manifests read the same, and builds a new one when one changed', async () => {
    let manifest = PYPROJECT;
    let reads = 0;
    const read = (p: string) => {
      reads++;
      return Promise.resolve(p === '/work/app/pyproject.toml' ? manifest : undefined);
    };
    const parsed = parseDocument('lock', LOCK, {}, file);
    await joinLock(file, parsed, read);
    const view = parsed.lock;
    assert.ok(view);
    assert.deepEqual(view.manifests, ['/work/app/pyproject.toml']);
    const before = reads;
    await joinLock(file, parsed, read);
    assert.equal(parsed.lock, view, 'nothing changed: the same view');
    assert.ok(reads > before, 'the manifests are read again each time: only their parse is spared');
    manifest = '# a comment above\n' + PYPROJECT;
    await joinLock(file, parsed, read);
    assert.notEqual(parsed.lock, view, 'a manifest changed: a new view');
    const six = [...parsed.lock.declared.values()][0];
    assert.equal(six?.range.start.line, 4, 'declared where the manifest now says it');
  });
});
