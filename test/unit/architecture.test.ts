/**
 * The invariants ARCHITECTURE.md writes down about who may import whom, checked on
 * the sources: a rule that is only written down drifts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)|^\s*import\s+'([^']+)'/gm)) {
    found.push((m[1] ?? m[2] ?? m[3])!);
  }
  return found;
}

/** Where a relative specifier lands, relative to the repository root. */
function target(file: string, specifier: string): string {
  return path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier));
}

describe('architecture invariants', () => {
  it('finds the sources it checks', () => {
    assert.ok(sources('server/src/core').length > 20);
  });

  it('core/ never imports LSP, the server, the CLI or the VS Code API', () => {
    const offending: string[] = [];
    for (const file of sources('server/src/core')) {
      for (const spec of importsOf(file)) {
        const lsp = spec.startsWith('vscode-languageserver') || spec === 'vscode' || spec.startsWith('vscode-languageclient');
        const outside = spec.startsWith('.') && !target(file, spec).startsWith(path.join('server', 'src', 'core'));
        if (lsp || outside) offending.push(`${file}: ${spec}`);
      }
    }
    assert.deepEqual(offending, []);
  });

  it('the CLI never imports LSP or the language server', () => {
    const offending: string[] = [];
    for (const file of sources('server/src/cli')) {
      for (const spec of importsOf(file)) {
        const lsp = spec.startsWith('vscode-languageserver');
        const server = spec.startsWith('.') && /^server\/src\/(lsp|handlers|session|server)/.test(target(file, spec).split(path.sep).join('/'));
        if (lsp || server) offending.push(`${file}: ${spec}`);
      }
    }
    assert.deepEqual(offending, []);
  });

  it('the client imports nothing from the server but the protocol, the token seal and the list of codes', () => {
    const allowed = new Set(['server/src/protocol.ts', 'server/src/tokenSeal.ts', 'server/src/core/codes.ts']);
    const offending: string[] = [];
    for (const file of sources('client/src')) {
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const to = target(file, spec).split(path.sep).join('/').replace(/\.js$/, '.ts');
        if (!to.startsWith('client/') && !allowed.has(to)) offending.push(`${file}: ${spec}`);
      }
    }
    assert.deepEqual(offending, []);
  });

  it('no function in the server or the client is longer than 150 lines', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'function-lengths.mjs'), 'server/src', 'client/src'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });

  it('the import checker sees imports of every form', () => {
    const probe = importsOf('test/unit/architecture.test.ts');
    assert.ok(probe.includes('node:test') && probe.includes('node:fs'));
  });
});
