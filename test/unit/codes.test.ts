/**
 * The one list of diagnostic codes (server/src/core/codes.ts) and everything read from it or
 * written from it: package.json's severity setting and README's table (regenerated in memory
 * and compared: run `npm run generate` after changing the list), the CLI's SARIF rules, the
 * settings' defaults, and the VS Code client's lists.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ALL_CODES, CODE_INFO, CODES, DEFAULT_SEVERITY, FINDING_CODES, isDiagnosticCode } from '../../server/src/core/codes.js';
import { resolveSettings } from '../../server/src/core/settings.js';
import { RULES } from '../../server/src/cli/rules.js';
import { codesTable, generatePackageJson, generateReadme, README_END, README_START, ROOT } from '../../scripts/generate.js';

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface SeverityProperty {
  type: string;
  enum: string[];
  enumDescriptions: string[];
  markdownDescription: string;
}

function severitySetting(manifest: string): { properties: Record<string, SeverityProperty>; additionalProperties: unknown } {
  const parsed = JSON.parse(manifest) as { contributes: { configuration: { properties: Record<string, unknown> } } };
  return parsed.contributes.configuration.properties['pypiStatus.severity'] as { properties: Record<string, SeverityProperty>; additionalProperties: unknown };
}

describe('the list of diagnostic codes', () => {
  it('describes every code: unique id and SARIF name, label, when, short and full descriptions, help URI, tags', () => {
    assert.equal(new Set(ALL_CODES).size, CODES.length, 'ids are unique');
    assert.equal(new Set(CODES.map((c) => c.sarifName)).size, CODES.length, 'SARIF names are unique');
    for (const c of CODES) {
      assert.match(c.id, /^[a-z]+(-[a-z]+)*$/, `${c.id}: id`);
      assert.match(c.sarifName, /^([A-Z][a-z]+)+$/, `${c.id}: SARIF name in PascalCase`);
      for (const field of ['label', 'when', 'short', 'full'] as const) {
        assert.ok(c[field].trim().length > 0 && !c[field].includes('\n'), `${c.id}: ${field} is one non-empty line`);
      }
      assert.ok(!/\.$/.test(c.short), `${c.id}: the short description ends without a full stop (one is added where needed)`);
      assert.match(c.helpUri, /^https:\/\/[^\s]+$/, `${c.id}: help URI`);
      assert.ok(c.tags.length > 0, `${c.id}: tags`);
      assert.ok(['error', 'warning', 'information', 'hint'].includes(c.severity), `${c.id}: severity`);
    }
  });

  it('lists findings about projects before problems of files, and FINDING_CODES are exactly the findings in that order', () => {
    const kinds = CODES.map((c) => c.kind);
    assert.deepEqual(
      kinds,
      [...kinds].sort((a, b) => (a === b ? 0 : a === 'finding' ? -1 : 1)),
    );
    assert.deepEqual(
      FINDING_CODES,
      CODES.filter((c) => c.kind === 'finding').map((c) => c.id),
    );
    assert.ok(FINDING_CODES.length > 0 && FINDING_CODES.length < CODES.length);
  });

  it('is what the CLI describes in SARIF, in the same order', () => {
    assert.deepEqual(Object.keys(RULES), [...ALL_CODES]);
    for (const c of CODES) {
      assert.deepEqual(RULES[c.id], { name: c.sarifName, short: c.short, full: c.full, helpUri: c.helpUri, tags: [...c.tags] });
    }
  });

  it('gives the settings their defaults: one severity per code, unknown codes refused', () => {
    const warnings: string[] = [];
    const settings = resolveSettings({ severity: { 'no-such-code': 'error', archived: 'off' } }, (m) => warnings.push(m));
    assert.deepEqual(Object.keys(settings.severity).sort(), [...ALL_CODES].sort());
    assert.deepEqual({ ...settings.severity, archived: DEFAULT_SEVERITY.archived }, DEFAULT_SEVERITY);
    assert.equal(settings.severity.archived, 'off');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /unknown code "no-such-code"/);
    assert.ok(isDiagnosticCode('archived') && !isDiagnosticCode('toString'), 'only own codes');
    for (const c of CODES) assert.equal(DEFAULT_SEVERITY[c.id], c.severity);
  });

  it("is where the VS Code client's lists come from: no code list of its own", () => {
    for (const file of ['client/src/findingsView.ts', 'client/src/scanCommand.ts']) {
      const source = read(file);
      assert.match(source, /import \{[^}]*\bFINDING_CODES\b[^}]*\} from '\.\.\/\.\.\/server\/src\/core\/codes\.js'/, `${file} imports FINDING_CODES`);
      const quoted = ALL_CODES.filter((code) => source.includes(`'${code}'`) && code !== 'quarantined');
      assert.deepEqual(quoted, [], `${file} names codes itself`);
      assert.doesNotMatch(source, /\[\s*'[a-z-]+',\s*'[a-z-]+'/, `${file} holds a list of codes`);
    }
    for (const code of FINDING_CODES) assert.ok(CODE_INFO[code].label, `${code}: label for the report view`);
  });
});

describe('files written from the list (npm run generate)', () => {
  it('package.json: the severity setting has one property per code, in order, and nothing else changes', () => {
    const manifest = read('package.json');
    assert.equal(generatePackageJson(manifest), manifest, 'package.json differs from what the list gives: run npm run generate');
    const setting = severitySetting(manifest);
    assert.deepEqual(Object.keys(setting.properties), [...ALL_CODES]);
    assert.equal(setting.additionalProperties, false);
    for (const c of CODES) {
      const p = setting.properties[c.id]!;
      assert.deepEqual(p.enum, ['error', 'warning', 'information', 'hint', 'off']);
      assert.equal(p.enumDescriptions.length, p.enum.length);
      assert.ok(p.markdownDescription.startsWith(c.short) && p.markdownDescription.includes(`Default: \`${c.severity}\``), p.markdownDescription);
    }
  });

  it('package.json: a stale severity setting is rewritten, keeping the rest and its formatting', () => {
    const manifest = read('package.json');
    const parsed = JSON.parse(manifest) as { contributes: { configuration: { properties: Record<string, { properties: Record<string, unknown> }> } } };
    delete parsed.contributes.configuration.properties['pypiStatus.severity']!.properties['archived'];
    const stale = `${JSON.stringify(parsed, null, 2)}\n`;
    assert.notEqual(stale, manifest);
    assert.equal(generatePackageJson(stale), manifest);
  });

  it('README.md: the table of codes between the markers, one row per code', () => {
    const readme = read('README.md');
    assert.equal(generateReadme(readme), readme, 'README.md differs from what the list gives: run npm run generate');
    const table = readme.slice(readme.indexOf(README_START) + README_START.length, readme.indexOf(README_END)).trim();
    assert.equal(table, codesTable());
    const rows = table.split('\n').slice(2);
    assert.deepEqual(
      rows.map((r) => /^\| `([a-z-]+)` \|/.exec(r)?.[1]),
      [...ALL_CODES],
    );
    assert.equal(readme.split(README_START).length, 2, 'one table');
    assert.throws(() => generateReadme('no markers'), /codes:start/);
  });
});
