/** Helpers the lock-file readers share: problems with ranges, name ranges from TOML spans, edge resolution. */
import { normalizeName } from '../pep508.js';
import type { ParseProblem, ProblemCode, Range } from '../types.js';
import type { EdgeKind, LockEdge, LockedPackage, LockFile } from './model.js';
import { packagesByName } from './model.js';
import type { Lines } from './lines.js';
import { linesOf } from './lines.js';
import { asString, type TomlDocument, type TomlTable } from './toml.js';

/** Problems reported per file at most, so that a generated file full of faults stays cheap to show. */
export const MAX_PROBLEMS = 200;

export class ProblemList {
  readonly items: ParseProblem[] = [];
  private dropped = 0;

  constructor(private readonly lines: Lines) {}

  add(start: number, end: number, message: string, code: ProblemCode = 'syntax-error'): void {
    if (this.items.length >= MAX_PROBLEMS) {
      this.dropped++;
      return;
    }
    this.items.push({ code, message, range: this.lines.range(start, Math.max(start, end)) });
  }

  addAt(range: Range, message: string, code: ProblemCode = 'syntax-error'): void {
    if (this.items.length >= MAX_PROBLEMS) this.dropped++;
    else this.items.push({ code, message, range });
  }

  /** Adds another list's problems after these (and counts those it had to leave out). */
  append(other: ProblemList): void {
    for (const p of other.items) this.addAt(p.range, p.message, p.code);
    this.dropped += other.dropped;
  }

  /** The list, with a last problem saying how many more there were. */
  done(): ParseProblem[] {
    if (this.dropped > 0) {
      const last = this.items[this.items.length - 1]!;
      this.items.push({ code: last.code, message: `… and ${this.dropped} more problems`, range: last.range });
      this.dropped = 0;
    }
    return this.items;
  }
}

/** The syntax errors of a TOML document, each on the rest of its line. */
export function reportTomlErrors(doc: TomlDocument, file: string, lines: Lines, problems: ProblemList): void {
  for (const e of doc.errors) {
    const line = lines.position(e.offset).line;
    problems.add(e.offset, Math.max(e.offset, lines.lineEnd(line)), `${file} is not valid TOML: ${e.message}; what follows up to the next table is not read`);
  }
}

/**
 * The range of the string value of `key` written in `table`, inside its quotes; for a key written in
 * the table (Pipfile's `[packages]`), `key: true` gives the key's range, inside quotes if it has them.
 * Undefined when the table does not write that key on a line of its own (an inline table).
 */
export function valueRange(doc: TomlDocument, table: TomlTable, key: string, lines: Lines, ofKey = false): Range | undefined {
  const span = doc.spans.get(table)?.get(key);
  if (span === undefined) return undefined;
  let start = ofKey ? span.keyStart : span.valueStart;
  let end = ofKey ? span.keyEnd : span.valueEnd;
  const text = lines.text;
  const q = text[start];
  if ((q === '"' || q === "'") && end - start >= 2 && text[end - 1] === q) {
    start++;
    end--;
  }
  return lines.range(start, end);
}

/** A range for something that has no place of its own: the table's first written key, else the file's start. */
export function tableRange(doc: TomlDocument, table: TomlTable, lines: Lines): Range {
  let first: number | undefined;
  for (const span of doc.spans.get(table)?.values() ?? []) if (first === undefined || span.keyStart < first) first = span.keyStart;
  const at = first ?? 0;
  return lines.range(at, lines.lineEnd(lines.position(at).line));
}

export function edge(name: string, kind: EdgeKind, extra: Partial<LockEdge> = {}): LockEdge {
  return { name, normalizedName: normalizeName(name), targets: [], extras: [], kind, ...extra };
}

/** Every edge of a package, whatever its kind. */
export function* edgesOf(p: LockedPackage): Iterable<LockEdge> {
  yield* p.dependencies;
  for (const list of p.optionalDependencies.values()) yield* list;
  for (const list of p.devDependencies.values()) yield* list;
}

/**
 * Points edges that name a package at every package of that name (the readers that can
 * disambiguate do it before), and reports edges to names the lock does not have.
 */
export function resolveByName(lock: LockFile, problems: ProblemList, pick?: (e: LockEdge, candidates: number[]) => number[]): void {
  const byName = packagesByName(lock.packages);
  const resolve = (e: LockEdge): number[] => {
    const candidates = byName.get(e.normalizedName) ?? [];
    return pick && candidates.length > 1 ? pick(e, candidates) : candidates;
  };
  lock.packages.forEach((p) => {
    for (const e of edgesOf(p)) {
      e.targets = resolve(e);
      // A resolver leaves out what no target environment installs: only an unconditional edge must land.
      if (e.targets.length === 0 && e.marker === undefined) problems.addAt(p.nameRange, `${p.name} depends on ${e.name}, which the lock does not contain`);
    }
  });
  for (const root of lock.roots) for (const e of root.edges) e.targets = resolve(e);
}

/** Reports each package written a second time with the same name, version and source. */
export function reportDuplicates(lock: LockFile, problems: ProblemList, sourceKey: (p: LockedPackage) => string): void {
  const seen = new Set<string>();
  for (const p of lock.packages) {
    const key = `${p.normalizedName}\0${p.version ?? ''}\0${sourceKey(p)}`;
    if (seen.has(key)) problems.addAt(p.nameRange, `${p.name} ${p.version ?? ''} is listed twice`.replace(/ +$/, ''));
    seen.add(key);
  }
}

export function newLines(text: string): Lines {
  return linesOf(text);
}

/** An entry's name and the range of its `name = "..."` value; an entry without one is reported and skipped. */
export function entryName(
  doc: TomlDocument,
  t: TomlTable,
  lines: Lines,
  problems: ProblemList,
  table = '[[package]]',
): { name: string; nameRange: Range } | undefined {
  const name = asString(t.name);
  const nameRange = valueRange(doc, t, 'name', lines);
  if (name !== undefined && nameRange !== undefined) return { name, nameRange };
  problems.addAt(tableRange(doc, t, lines), `a ${table} without a name = "..." line; it is skipped`);
  return undefined;
}
