/**
 * Validation shared by command-line flags and the [tool.pypi-status] table.
 * Unlike the editor's resolveSettings, which warns and falls back (a typo in
 * a settings file must not take the editor down), the CLI refuses bad values:
 * in CI a silently ignored setting changes what passes.
 */
import { isValidProjectName } from '../core/pep508.js';
import type { DiagnosticCode, SeverityOrOff } from '../core/settings.js';
import type { Severity } from '../core/findings.js';
import { ALL_CODES } from './rules.js';
import { redactText } from '../core/redact.js';

/** A mistake of the person running the command: reported without a stack trace, exit status 2. */
export class UsageError extends Error {}

export type FailOn = Severity | 'never';
export type Format = 'text' | 'json' | 'sarif' | 'github';

export const FORMATS: readonly Format[] = ['text', 'json', 'sarif', 'github'];
export const LEVELS: readonly SeverityOrOff[] = ['error', 'warning', 'information', 'hint', 'off'];
export const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'information', 'hint', 'never'];

/** Rank of a severity: a finding fails the check when its rank is at least --fail-on's. */
export const SEVERITY_RANK: Record<Severity, number> = { hint: 1, information: 2, warning: 3, error: 4 };

export function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${what}: "${value}" is not one of ${allowed.join(', ')}`);
}

/** An http(s) base URL, normalized to end in `/`. The value is redacted in messages: it may hold a token. */
export function baseUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UsageError(`${what}: "${redactText(value)}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${what}: "${redactText(value)}" is not an http(s) URL`);
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

export function concurrency(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 64) {
    throw new UsageError(`${what}: expected a whole number from 1 to 64, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Days, as `--minimum-release-age` and `minimum-release-age` take them: 0 (off) to 36500. */
export function days(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 36_500) {
    throw new UsageError(`${what}: expected a number of days from 0 to 36500, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function projectNames(values: readonly string[], what: string): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const part of value.split(',')) {
      const name = part.trim();
      if (name === '') continue;
      if (!isValidProjectName(name)) throw new UsageError(`${what}: "${name}" is not a valid project name`);
      out.push(name);
    }
  }
  return out;
}

/** `code=level` pairs, repeatable and comma-separated. */
export function severityPairs(values: readonly string[], what: string): Partial<Record<DiagnosticCode, SeverityOrOff>> {
  const out: Partial<Record<DiagnosticCode, SeverityOrOff>> = {};
  for (const value of values) {
    for (const part of value.split(',')) {
      if (part.trim() === '') continue;
      const m = /^\s*([^=\s]+)\s*=\s*(\S+)\s*$/.exec(part);
      if (!m) throw new UsageError(`${what}: expected CODE=LEVEL, got "${part.trim()}"`);
      Object.assign(out, severityEntry(m[1]!, m[2]!, what));
    }
  }
  return out;
}

export function severityEntry(code: string, level: unknown, what: string): Partial<Record<DiagnosticCode, SeverityOrOff>> {
  if (!(ALL_CODES as string[]).includes(code)) {
    throw new UsageError(`${what}: unknown code "${code}" (codes: ${ALL_CODES.join(', ')})`);
  }
  if (typeof level !== 'string') throw new UsageError(`${what}: the level of ${code} must be a string (${LEVELS.join(', ')})`);
  return { [code]: oneOf(level, LEVELS, `${what} ${code}`) };
}
