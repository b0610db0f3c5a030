/**
 * Writes what the list of diagnostic codes (server/src/core/codes.ts) decides outside the code:
 *   package.json  the `pypiStatus.severity` setting: one property per code, in the list's order;
 *   README.md     the table of codes between `<!-- codes:start -->` and `<!-- codes:end -->`.
 * Deterministic; `npm run build` runs it first. test/unit/codes.test.ts fails when either file
 * differs from what this would write.
 *
 *   node --import tsx scripts/generate.ts            rewrite the files that changed
 *   node --import tsx scripts/generate.ts --check    exit 1, naming them, if any would change
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODES, type Severity } from '../server/src/core/codes.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const LEVELS: [Severity | 'off', string][] = [
  ['error', 'Error'],
  ['warning', 'Warning'],
  ['information', 'Information'],
  ['hint', 'Hint'],
  ['off', 'Not reported'],
];

const TITLE: Record<Severity, string> = { error: 'Error', warning: 'Warning', information: 'Information', hint: 'Hint' };

export const README_START = '<!-- codes:start -->';
export const README_END = '<!-- codes:end -->';

/** The properties of the `pypiStatus.severity` setting. */
export function severityProperties(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const code of CODES) {
    properties[code.id] = {
      type: 'string',
      enum: LEVELS.map(([level]) => level),
      enumDescriptions: LEVELS.map(([, text]) => text),
      markdownDescription: `${code.short}. Default: \`${code.severity}\`.`,
    };
  }
  return properties;
}

/** package.json with the severity setting written from the list; everything else as it was. */
export function generatePackageJson(text: string): string {
  const manifest = JSON.parse(text) as { contributes?: { configuration?: { properties?: Record<string, { properties?: unknown }> } } };
  const setting = manifest.contributes?.configuration?.properties?.['pypiStatus.severity'];
  if (!setting) throw new Error('package.json: contributes.configuration.properties["pypiStatus.severity"] not found');
  setting.properties = severityProperties();
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The Markdown table of codes. */
export function codesTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = CODES.map((c) => `| \`${c.id}\` | ${cell(c.when)} | ${TITLE[c.severity]} |`);
  return ['| code | when | default severity |', '|---|---|---|', ...rows].join('\n');
}

/** README.md with the table between the markers written from the list. */
export function generateReadme(text: string): string {
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md: ${README_START} … ${README_END} not found`);
  return `${text.slice(0, start + README_START.length)}\n${codesTable()}\n${text.slice(end)}`;
}

const TARGETS: [string, (text: string) => string][] = [
  ['package.json', generatePackageJson],
  ['README.md', generateReadme],
];

function main(check: boolean): void {
  const stale: string[] = [];
  for (const [file, generate] of TARGETS) {
    const full = path.join(ROOT, file);
    const before = readFileSync(full, 'utf8');
    const after = generate(before);
    if (after === before) continue;
    stale.push(file);
    if (!check) writeFileSync(full, after);
  }
  if (check && stale.length > 0) {
    console.error(`${stale.join(', ')}: not what the list of codes gives; run node --import tsx scripts/generate.ts`);
    process.exitCode = 1;
  } else if (stale.length > 0) {
    console.log(`generated ${stale.join(', ')}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.includes('--check'));
