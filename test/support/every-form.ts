/**
 * The every-form fixture (a requirements file and a pyproject.toml using every form the
 * server reads) and the diagnostics the fault-free test index gives for it: one table
 * shared by the LSP, fault and Neovim tests, so that they cannot drift apart.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { fileUri, REPO_ROOT } from './lsp-client.js';

export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'every-form');
export const REQ_FILE = path.join(FIXTURES, 'requirements.txt');
export const TOML_FILE = path.join(FIXTURES, 'pyproject.toml');
export const REQUIREMENTS = readFileSync(REQ_FILE, 'utf8');
export const PYPROJECT = readFileSync(TOML_FILE, 'utf8');
export const REQ_URI = fileUri(REQ_FILE);
export const PYPROJECT_URI = fileUri(TOML_FILE);
/** The fixture names `${PACKAGE_FROM_ENV}`; the server must see it set to this. */
export const FIXTURE_ENV = { PACKAGE_FROM_ENV: 'tablib' };

/** LSP (and Neovim) severities: error = 1 … hint = 4. */
export const SEVERITY = { error: 1, warning: 2, information: 3, hint: 4 } as const;
export type SeverityName = keyof typeof SEVERITY;

/** [line, first character, last character, code, severity], zero-based. */
export type Expected = [number, number, number, string, SeverityName];

/** Locates `name` on the first line that contains `lineMarker` (defaults to the name). */
export function at(text: string, name: string, code: string, severity: SeverityName, lineMarker = name): Expected {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(lineMarker));
  assert.ok(line >= 0, `fixture has no line with ${lineMarker}`);
  const start = lines[line]!.indexOf(name, lines[line]!.indexOf(lineMarker));
  return [line, start, start + name.length, code, severity];
}

export const byPosition = (a: Expected, b: Expected) => a[0] - b[0] || a[1] - b[1] || a[3].localeCompare(b[3]);

export function severityName(severity: number | undefined): SeverityName {
  return (Object.keys(SEVERITY) as SeverityName[])[(severity ?? 1) - 1]!;
}

export function summarize(diagnostics: Diagnostic[]): Expected[] {
  return diagnostics
    .map((d): Expected => [d.range.start.line, d.range.start.character, d.range.end.character, String(d.code), severityName(d.severity)])
    .sort(byPosition);
}

export const EXPECTED_REQUIREMENTS: Expected[] = [
  at(REQUIREMENTS, 'pepy', 'archived', 'warning', 'pepy==2.1.1'),
  at(REQUIREMENTS, 'PIL', 'archived', 'warning'),
  at(REQUIREMENTS, 'aiocpa', 'quarantined', 'error'),
  at(REQUIREMENTS, 'Deprecated_Project', 'deprecated', 'warning'),
  at(REQUIREMENTS, 'haunted.project', 'archived', 'warning'),
  at(REQUIREMENTS, 'black', 'yanked', 'warning', 'black==21.11b0'),
  at(REQUIREMENTS, 'isodate', 'yanked', 'warning'),
  at(REQUIREMENTS, 'pycrypto', 'vulnerable', 'warning'),
  at(REQUIREMENTS, 'snowchange', 'inactive', 'information'),
  at(REQUIREMENTS, 'this-project-does-not-exist', 'not-found', 'warning'),
  at(REQUIREMENTS, 'not a requirement!', 'invalid-requirement', 'warning'),
].sort(byPosition);

export const EXPECTED_PYPROJECT: Expected[] = [
  at(PYPROJECT, 'pepy', 'archived', 'warning', '"setuptools>=61", "pepy"'),
  at(PYPROJECT, 'aiocpa', 'quarantined', 'error'),
  at(PYPROJECT, 'black', 'yanked', 'warning'),
  at(PYPROJECT, 'pil', 'archived', 'warning', '"pil"'),
  at(PYPROJECT, 'this-project-does-not-exist', 'not-found', 'warning'),
  at(PYPROJECT, 'deprecated-project', 'deprecated', 'warning'),
  at(PYPROJECT, 'snowchange', 'inactive', 'information'),
  at(PYPROJECT, 'pycrypto', 'vulnerable', 'warning'),
  at(PYPROJECT, 'haunted-project', 'archived', 'warning'),
  at(PYPROJECT, 'isodate', 'yanked', 'warning'),
  at(PYPROJECT, 'PIL', 'archived', 'warning'),
  at(PYPROJECT, 'pepy', 'archived', 'warning', 'extra-dependencies'),
].sort(byPosition);
