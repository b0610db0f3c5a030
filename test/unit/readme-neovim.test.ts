/** README's Neovim setup attaches the server to every kind of file it reads, so that a user who copies it misses none. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileKind } from '../../server/src/core/analyze.js';
import { ROOT } from '../../scripts/generate.js';

/** One example of each file name the server reads, by what it is. */
const EXAMPLES = [
  'requirements.txt',
  'requirements-dev.in',
  'constraints.txt',
  'pyproject.toml',
  'uv.lock',
  'tool.py.lock',
  'poetry.lock',
  'pdm.lock',
  'pylock.toml',
  'pylock.dev.toml',
  'Pipfile',
  'Pipfile.lock',
  'tool.py',
];

/** A Vim autocmd file pattern without a slash, as Neovim matches it against a file's name. */
function vimPattern(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

describe("README's Neovim setup", () => {
  it('attaches every kind of file the server reads', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const neovim = readme.slice(readme.indexOf('**Neovim.**'));
    const list = /pattern = \{([^}]*)\}/.exec(neovim)?.[1];
    assert.ok(list, 'no autocmd pattern list in the Neovim section');
    const patterns = [...list.matchAll(/'([^']+)'/g)].map((m) => vimPattern(m[1]!));
    for (const name of EXAMPLES) {
      assert.ok(fileKind(`/project/${name}`), `${name} is not a file the server reads`);
      assert.ok(
        patterns.some((p) => p.test(name)),
        `${name}: not attached by the README's patterns`,
      );
    }
  });
});
