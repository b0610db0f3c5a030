/**
 * Compiled requirements files (pip-compile, `uv pip compile`, `uv export`): the requirements are
 * read by the ordinary requirements parser; the graph comes from the `# via` comments after each,
 * one-line (`# via x`) or a block (`# via` then `#   a`, `#   -r requirements.in` lines). A via entry
 * naming a package is a reverse edge; `-r file` (or `name (pyproject.toml)`) makes the requirement a
 * direct one of that file; `-c file` only constrains and adds nothing.
 */
import { parseRequirements } from '../requirements.js';
import type { Dependency } from '../types.js';
import { edge, newLines, ProblemList, resolveByName } from './common.js';
import type { LockedPackage, LockFile, LockRoot } from './model.js';
import { emptyLock } from './model.js';

const VIA_LINE = /^[ \t]*#[ \t]*via\b[ \t]*(.*)$/;
const VIA_MORE = /^[ \t]*#[ \t]{2,}(\S.*)$/;
const SOURCE_FILE = /^(\S+)\s+\(([^()]+)\)$/;

/** The via comments, each with the line it starts on, in order. */
function viaBlocks(text: string): { line: number; entries: string[] }[] {
  const lines = text.split(/\r\n|\n|\r/);
  const out: { line: number; entries: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const via = VIA_LINE.exec(lines[i]!);
    if (via === null) continue;
    const block = { line: i, entries: via[1]!.trim() === '' ? [] : [via[1]!.trim()] };
    while (i + 1 < lines.length && VIA_MORE.test(lines[i + 1]!) && !VIA_LINE.test(lines[i + 1]!)) block.entries.push(VIA_MORE.exec(lines[++i]!)![1]!.trim());
    out.push(block);
  }
  return out;
}

/** Each via block belongs to the last requirement that starts above it. */
function blocksByRequirement(deps: Dependency[], blocks: { line: number; entries: string[] }[]): Map<Dependency, string[]> {
  const out = new Map<Dependency, string[]>();
  let d = -1;
  for (const b of blocks) {
    while (d + 1 < deps.length && deps[d + 1]!.requirementRange.start.line < b.line) d++;
    if (d >= 0) out.set(deps[d]!, [...(out.get(deps[d]!) ?? []), ...b.entries]);
  }
  return out;
}

function toPackage(d: Dependency, indexUrl: string | undefined): LockedPackage {
  const p: LockedPackage = {
    name: d.name,
    normalizedName: d.normalizedName,
    source: d.url !== undefined ? { kind: 'url', url: d.url } : indexUrl !== undefined ? { kind: 'registry', url: indexUrl } : { kind: 'registry' },
    nameRange: d.nameRange,
    dependencies: [],
    optionalDependencies: new Map(),
    devDependencies: new Map(),
    groups: [],
  };
  if (d.pinnedVersion !== undefined) p.version = d.pinnedVersion;
  if (d.marker !== '') p.marker = d.marker;
  return p;
}

export function parseCompiledRequirements(text: string, file = 'requirements.txt'): LockFile {
  const lock = emptyLock('compiled-requirements');
  const problems = new ProblemList(newLines(text));
  const parsed = parseRequirements(text);
  lock.problems.push(...parsed.problems);
  const indexUrl = parsed.indexUrls.find((u) => !u.extra)?.url;
  const deps = parsed.dependencies.filter((d) => !d.section.startsWith('-c'));
  lock.packages = deps.map((d) => toPackage(d, indexUrl));
  const blocks = blocksByRequirement(deps, viaBlocks(text));
  const byName = new Map(lock.packages.map((p, i) => [p.normalizedName, i]));
  const roots = new Map<string, LockRoot>();
  const parents: { parent: string; child: number }[] = [];
  deps.forEach((d, i) => {
    // Without a via comment (older uv output for the input file's own requirements), a requirement is a direct one.
    const entries = blocks.get(d) ?? [`-r ${file}`];
    for (const entry of entries) {
      const include = /^-([rc])\s+(.+)$/.exec(entry);
      const fromFile = SOURCE_FILE.exec(entry);
      if (include?.[1] === 'c') continue;
      if (include !== null || fromFile !== null) {
        const group = include?.[2] ?? fromFile![2]!;
        const root = roots.get(group) ?? { kind: 'required', group, edges: [], ...(fromFile ? { member: fromFile[1] } : {}) };
        root.edges.push(edge(d.name, 'required', { extras: d.extras, specifier: d.specifier, ...(d.marker ? { marker: d.marker } : {}) }));
        roots.set(group, root);
      } else parents.push({ parent: entry.replace(/\[.*$/, ''), child: i });
    }
  });
  for (const { parent, child } of parents) {
    const c = lock.packages[child]!;
    const e = edge(c.name, 'required');
    const pi = byName.get(edge(parent, 'required').normalizedName);
    if (pi === undefined) {
      problems.addAt(c.nameRange, `${file}: ${c.name} is required via ${parent}, which the file does not pin`);
      continue;
    }
    lock.packages[pi]!.dependencies.push(e);
  }
  lock.roots = [...roots.values()];
  resolveByName(lock, problems);
  lock.problems.push(...problems.done());
  return lock;
}
