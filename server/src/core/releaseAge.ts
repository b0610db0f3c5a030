/**
 * How old a release is, and whether it is too young for a cooldown: the user's minimum age in
 * days, or the one a project states for uv (`exclude-newer`, a timestamp, a date or a span such
 * as `7 days` / `P7D`, and a uv.lock's `[options]` `exclude-newer-span`). Times are epoch
 * milliseconds; nothing here reads the clock.
 */

const DAY = 86_400_000;
const UNIT_MS: Record<string, number> = { w: 7 * DAY, d: DAY, h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, ns: 0.000001 };

/** A cooldown: releases uploaded after the cutoff are too young. */
export type Cooldown = { kind: 'absolute'; cutoff: number } | { kind: 'relative'; spanMs: number };

export type ParsedCooldown = { ok: true; cooldown: Cooldown | 'disabled' } | { ok: false; message: string };

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** An ISO 8601 / RFC 3339 date and time with its offset (PEP 700's upload-time), as epoch ms; undefined when invalid. */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 60) return undefined;
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  let offset = 0;
  if (m[8] !== 'Z' && m[8] !== 'z') {
    const sign = m[8]!.startsWith('-') ? -1 : 1;
    const digits = m[8]!.slice(1).replace(':', '');
    const [oh, om] = [Number(digits.slice(0, 2)), Number(digits.slice(2) || 0)];
    if (oh > 23 || om > 59) return undefined;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  // A leap second is read as the last moment of its minute.
  return Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59)) + fraction - offset;
}

function validDate(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/**
 * A span as uv reads it (jiff): friendly (`7 days`, `1 week 2d`, `24 hours`, `2 weeks, 3 days`,
 * `3 days ago`) or ISO 8601 (`P7D`, `P1W`, `PT36H`), in ms, sign ignored as uv ignores it. Years
 * and months are refused, as uv refuses them (their length varies).
 */
export function parseSpan(text: string): { ok: true; ms: number } | { ok: false; message: string } {
  const t = text.trim();
  if (t.length === 0 || t.length > 200) return { ok: false, message: `\`${t.slice(0, 60)}\` is not a duration` };
  const iso = /^[+-]?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d{1,9})?)S)?)?$/i.exec(t);
  if (iso && /\d/.test(t) && !/T$/i.test(t)) {
    if (iso[1] || iso[2]) return { ok: false, message: `\`${t}\` uses years or months, which uv does not accept; give days instead` };
    const [w, d, h, m] = [3, 4, 5, 6].map((i) => Number(iso[i] ?? 0)) as [number, number, number, number];
    const s = Number((iso[7] ?? '0').replace(',', '.'));
    return { ok: true, ms: w * UNIT_MS.w! + d * DAY + h * UNIT_MS.h! + m * UNIT_MS.m! + s * 1000 };
  }
  return friendlySpan(t);
}

/** Each spelling's key in UNIT_MS, or `calendar` for years and months. */
const FRIENDLY_UNIT: [RegExp, string][] = [
  [/^(?:years?|yrs?|y|months?|mos?)$/, 'calendar'],
  [/^(?:weeks?|wks?|w)$/, 'w'],
  [/^(?:days?|d)$/, 'd'],
  [/^(?:hours?|hrs?|h)$/, 'h'],
  [/^(?:minutes?|mins?|m)$/, 'm'],
  [/^(?:seconds?|secs?|s)$/, 's'],
  [/^(?:milliseconds?|millis?|msecs?|ms)$/, 'ms'],
  [/^(?:microseconds?|micros?|usecs?|us|µs|µsecs?)$/, 'us'],
  [/^(?:nanoseconds?|nanos?|nsecs?|ns)$/, 'ns'],
];

function friendlySpan(t: string): { ok: true; ms: number } | { ok: false; message: string } {
  const body = t.replace(/^[+-]\s*/, '').replace(/\s+ago$/i, '');
  const part = /(\d+(?:\.\d{1,9})?)\s*([a-zµ]+)\s*,?\s*/giy;
  let ms = 0;
  let matched = 0;
  let at = 0;
  for (let m = part.exec(body); m; m = part.exec(body)) {
    const unit = FRIENDLY_UNIT.find(([re]) => re.test(m[2]!.toLowerCase()))?.[1];
    if (unit === undefined) return { ok: false, message: `\`${t}\` has an unknown unit \`${m[2]}\`` };
    if (unit === 'calendar') return { ok: false, message: `\`${t}\` uses years or months, which uv does not accept; give days instead` };
    ms += Number(m[1]) * UNIT_MS[unit]!;
    matched++;
    at = part.lastIndex;
  }
  if (matched === 0 || at !== body.length) return { ok: false, message: `\`${t}\` is not a duration (e.g. \`7 days\` or \`P7D\`)` };
  return { ok: true, ms };
}

/**
 * uv's `exclude-newer` value: an RFC 3339 timestamp; a date, meaning the end of that day in the
 * local time zone (`zone`); a span before now; `false` (per package: no cooldown); or the table
 * a lock may hold (`{ timestamp, span }`, the span winning).
 */
export function parseExcludeNewer(value: unknown, zone: 'local' | 'utc' = 'local'): ParsedCooldown {
  if (value === false) return { ok: true, cooldown: 'disabled' };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const table = value as Record<string, unknown>;
    if (typeof table.span === 'string') return spanCooldown(table.span);
    if (typeof table.timestamp === 'string') return parseExcludeNewer(table.timestamp, zone);
    return { ok: false, message: 'exclude-newer is a table without `timestamp` or `span`' };
  }
  if (typeof value !== 'string') return { ok: false, message: 'exclude-newer is neither a string nor false' };
  const timestamp = parseTimestamp(value);
  if (timestamp !== undefined) return { ok: true, cooldown: { kind: 'absolute', cutoff: timestamp } };
  const date = DATE.exec(value.trim());
  if (date) {
    const [y, mo, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (!validDate(y, mo, d)) return { ok: false, message: `\`${value}\` is not a valid date` };
    const cutoff = zone === 'utc' ? Date.UTC(y, mo - 1, d + 1) : new Date(y, mo - 1, d + 1).getTime();
    return { ok: true, cooldown: { kind: 'absolute', cutoff } };
  }
  return spanCooldown(value);
}

function spanCooldown(text: string): ParsedCooldown {
  const span = parseSpan(text);
  return span.ok ? { ok: true, cooldown: { kind: 'relative', spanMs: span.ms } } : span;
}

/**
 * A uv.lock's `[options]`: `exclude-newer-span` (relative, re-evaluated on each lock) wins over
 * `exclude-newer`, which then only holds a placeholder timestamp. Undefined when neither is set.
 */
export function lockCooldown(options: Record<string, unknown>): ParsedCooldown | undefined {
  if (typeof options['exclude-newer-span'] === 'string') return spanCooldown(options['exclude-newer-span']);
  if (options['exclude-newer'] !== undefined) return parseExcludeNewer(options['exclude-newer'], 'utc');
  return undefined;
}

/** A minimum age in days (the user's setting) as a cooldown; undefined for no, zero or a nonsensical value. */
export function minimumAgeCooldown(days: unknown): Cooldown | undefined {
  return typeof days === 'number' && Number.isFinite(days) && days > 0 && days <= 36_500 ? { kind: 'relative', spanMs: days * DAY } : undefined;
}

export interface ReleaseAge {
  uploadedAt: number;
  /** Uploaded after the cutoff. */
  tooNew: boolean;
  /** When a relative cooldown will let it through (absent for a fixed cutoff, which never will). */
  oldEnoughAt?: number;
}

/** Upload times read so far: each check of a lock judges the same few hundred releases again. */
const uploadTimes = new Map<string, number | undefined>();
const UPLOAD_TIMES_KEPT = 100_000;

function uploadTimeMs(text: string): number | undefined {
  if (uploadTimes.has(text)) return uploadTimes.get(text);
  if (uploadTimes.size >= UPLOAD_TIMES_KEPT) uploadTimes.clear();
  const ms = parseTimestamp(text);
  uploadTimes.set(text, ms);
  return ms;
}

/** The age verdict for a release's upload-time at `now`; undefined when the upload time is unreadable. */
export function releaseAge(uploadTime: string, cooldown: Cooldown, now: number): ReleaseAge | undefined {
  const uploadedAt = uploadTimeMs(uploadTime);
  if (uploadedAt === undefined) return undefined;
  if (cooldown.kind === 'absolute') return { uploadedAt, tooNew: uploadedAt > cooldown.cutoff };
  const oldEnoughAt = uploadedAt + cooldown.spanMs;
  return { uploadedAt, tooNew: oldEnoughAt > now, oldEnoughAt };
}

/** A UTC date and time for messages: `2026-05-04 22:59 UTC`. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
