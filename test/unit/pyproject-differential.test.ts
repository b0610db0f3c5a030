/**
 * Differential test: parsePyproject against Python's tomllib (the TOML 1.0 reader of pip and
 * build) and packaging, through test/support/toml-reference.py, which applies the same rules
 * for where dependencies are (see its docstring).
 *
 *   node --import tsx --test test/unit/pyproject-differential.test.ts
 *
 * Inputs: every pyproject.toml of the real files in test/data/files, a few
 * hundred files from a seeded generator (string forms and escapes, dotted and quoted keys,
 * inline tables, super-tables after sub-tables, every Poetry form, CRLF), the same files
 * rewritten with TOML 1.1-only syntax, and the same files with one line broken.
 *
 * Environment:
 *   PYPI_STATUS_TOML_DIFF_SEED     generator seed (default below; printed with every failure)
 *   PYPI_STATUS_REFERENCE_PYTHON   reference interpreter (default /usr/bin/python3)
 *
 * Our side runs first; then ONE Python process reads every text and decodes every range's
 * text that holds an escape. A missing or unusable interpreter fails every test (never skips).
 */
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { before, describe, it } from 'node:test';

import { parsePyproject } from '../../server/src/core/pyproject.js';
import { LineMap } from '../../server/src/core/text.js';
import type { Dependency, ParsedFile, Range } from '../../server/src/core/types.js';
import { corpusFilesDir } from '../support/data.js';
import { seededRandom } from '../support/random.js';
import { REFERENCE_PYTHON } from '../support/reference.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'support', 'toml-reference.py');
const SEED = Number(process.env.PYPI_STATUS_TOML_DIFF_SEED ?? 20250601);
const N_GENERATED = 300;
const N_TOML11 = 40;
const N_CORRUPTED_FILES = 80;

// ---------------------------------------------------------------------------
// The reference

interface RefDep {
  section: string;
  name: string;
  form: 'pep508-string' | 'poetry-key';
  extras: string[];
  url: string | null;
  requirement: string | null;
  specifier: string | null;
}
type RefResult = { error: string } | { deps: RefDep[]; bad: [string, string][] };
interface RefResponse {
  versions: { python: string; executable: string; packaging: string; packagingPath: string };
  results: RefResult[];
  fragments: (string | null)[];
}

async function reference(texts: string[], fragments: string[]): Promise<RefResponse> {
  const child = spawn(REFERENCE_PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`cannot run the reference interpreter ${REFERENCE_PYTHON}: ${e.message}`)));
    child.on('close', (code) => resolve(code));
  });
  child.stdin.on('error', () => {
    /* reported through exit / stderr */
  });
  child.stdin.end(JSON.stringify({ texts, fragments }));
  const code = await exit;
  const stdout = Buffer.concat(out).toString('utf8');
  let parsed: (RefResponse & { fatal?: string }) | undefined;
  try {
    parsed = JSON.parse(stdout) as RefResponse & { fatal?: string };
  } catch {
    parsed = undefined;
  }
  if (typeof parsed?.fatal === 'string') {
    throw new Error(
      `reference implementation unavailable: ${parsed.fatal}\n(the pyproject differential test needs Python >= 3.11 with packaging at ${REFERENCE_PYTHON})`,
    );
  }
  if (code !== 0 || parsed === undefined) {
    throw new Error(
      `${REFERENCE_PYTHON} ${SCRIPT} failed (exit ${code}).\nstderr:\n${Buffer.concat(err).toString('utf8').slice(0, 4000)}\nstdout:\n${stdout.slice(0, 1000)}`,
    );
  }
  return parsed;
}

// ---------------------------------------------------------------------------
// Generated files: a port of the reviewer's probe generator, plus Poetry's dotted-key form

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
function sample<T>(rnd: Rnd, xs: readonly T[], k: number): T[] {
  const copy = [...xs];
  shuffle(rnd, copy);
  return copy.slice(0, k);
}
function shuffle<T>(rnd: Rnd, xs: T[]): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}

const REQS = [
  'requests',
  'requests>=2.31',
  'Flask[async,dotenv] ~= 3.0',
  "numpy==1.26.4 ; python_version < '3.12'",
  'pkg.with_dots-and_underscores>=1,<2',
  'A',
  'zope.interface',
  'black[d] @ https://example.com/black-24.0-py3-none-any.whl',
  'typing-extensions; python_version<"3.10"',
  'pywin32 >= 306 ; sys_platform == "win32" and platform_machine != "ARM64"',
  'Django (>=4.2,<5)',
  'urllib3 !=2.0.0',
  'pytest   ',
  '  coverage[toml]>=7',
  'é-not-valid',
  'bad name!',
  '-e ./local',
  // Not a requirement (no line break inside one), but its range runs over the line break.
  "six ;\n python_version > '3'",
];

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** A basic string (or multi-line basic string) holding s, with random escapes and line-ending backslashes. */
function encBasic(s: string, rnd: Rnd, multiline: boolean): string {
  let body = '';
  for (const ch of s) {
    const r = rnd();
    const cp = ch.codePointAt(0)!;
    if (ch === '"') body += !multiline || r < 0.5 ? '\\"' : '\\u0022';
    else if (ch === '\\') body += '\\\\';
    else if (ch === '\t') body += r < 0.7 ? '\\t' : '\t';
    else if (ch === '\n') body += multiline ? '\n' : '\\n';
    else if (r < 0.08) body += cp < 0x10000 ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    else if (r < 0.1) body += `\\U${hex(cp, 8).toUpperCase()}`;
    else body += ch;
    if (multiline && rnd() < 0.04) body += `\\${pick(rnd, ['', ' ', '\t '])}\n${pick(rnd, ['', '  ', '\n  ', '\t'])}`;
  }
  return multiline ? `"""${pick(rnd, ['', '\n', '\\\n  '])}${body}"""` : `"${body}"`;
}

function enc(s: string, rnd: Rnd): string {
  const kinds = ['basic', 'basic', 'basic', 'ml-basic'];
  if (!s.includes("'") && !s.includes('\n')) kinds.push('literal');
  if (!s.includes("'''") && !s.endsWith("'")) kinds.push('ml-literal');
  const k = pick(rnd, kinds);
  if (k === 'basic') return encBasic(s, rnd, false);
  if (k === 'ml-basic') return encBasic(s, rnd, true);
  if (k === 'literal') return `'${s}'`;
  return `'''${pick(rnd, ['', '\n'])}${s}'''`;
}

function arr(rnd: Rnd): string {
  const items = Array.from({ length: int(rnd, 0, 3) }, () => enc(pick(rnd, REQS), rnd));
  if (rnd() < 0.15) items.push('{ include-group = "x" }');
  if (rnd() < 0.5) return `[${items.map((it) => `\n  ${it},${pick(rnd, ['', ' # c, "x"'])}`).join('')}\n${pick(rnd, ['', '# end\n'])}]`;
  const sep = pick(rnd, [', ', ',', ' , ']);
  return `[${items.join(sep)}${items.length > 0 && rnd() < 0.3 ? ',' : ''}]`;
}

const POETRY_NAMES = ['requests', 'Flask', 'my.pkg', 'my_pkg-2', 'python', 'Python', 'numpy', 'x'];

function qkey(k: string, rnd: Rnd): string {
  const r = rnd();
  if (/^[A-Za-z0-9_-]+$/.test(k) && r < 0.6) return k;
  return r < 0.8 ? `"${k}"` : `'${k}'`;
}

type PoetryValue = { kind: 'string'; text: string } | { kind: 'table'; fields: [string, string][] } | { kind: 'tables'; tables: [string, string][][] };

function poetryValue(rnd: Rnd): PoetryValue {
  const r = rnd();
  if (r < 0.4) return { kind: 'string', text: pick(rnd, ['"^2.0"', '"1.2.3"', '"*"', '">=1,<2"', "'~1.2'"]) };
  const field = (f: string) => f.split(' = ') as [string, string];
  if (r < 0.85) {
    const fields = [
      pick(rnd, [
        'version = "^1"',
        'version = "1.0"',
        'git = "https://x/y.git"',
        'path = "../p"',
        'url = "https://x/a.whl"',
        'file = "a.whl"',
        'version = "2"',
      ]),
    ];
    if (rnd() < 0.5) fields.push('extras = ["a", "b"]');
    if (rnd() < 0.3) fields.push('markers = "os_name == \'nt\'"');
    if (rnd() < 0.3) fields.push(pick(rnd, ['optional = true', 'platform = "linux"', 'allow-prereleases = true', 'source = "internal"']));
    return { kind: 'table', fields: fields.map(field) };
  }
  return {
    kind: 'tables',
    tables: [
      ['version = "1"', 'python = "<3.8"'],
      [pick(rnd, ['version = "2"', 'git = "https://x"']), 'python = ">=3.8"'],
    ].map((t) => t.map(field)),
  };
}

/** What the document holds: tables of values; `tables` is an array of tables (Poetry's multiple constraints). */
type Node = { kind: 'tree'; children: Map<string, Node> } | { kind: 'value'; text: string } | { kind: 'tables'; tables: [string, string][][] };

function insert(root: Node & { kind: 'tree' }, path: string[], leaf: Node): void {
  let node = root;
  for (const key of path.slice(0, -1)) {
    let next = node.children.get(key);
    if (!next) node.children.set(key, (next = { kind: 'tree', children: new Map() }));
    node = next as Node & { kind: 'tree' };
  }
  node.children.set(path[path.length - 1]!, leaf);
}

/** One statement of a generated file, for the corrupted-file check. */
interface Statement {
  kind: 'header' | 'kv' | 'blank';
  text: string;
  /** A key/value: the key as written. */
  key?: string;
}

interface Generated {
  text: string;
  lines: { kind: 'header' | 'kv' | 'cont' | 'blank'; key?: string; single?: boolean }[];
  newline: string;
}

/**
 * A random document that is valid TOML by construction: each table is written in one way
 * only, under a header (the only place for `[[...]]` arrays of tables), with dotted keys, or
 * as an inline table.
 */
function generate(rnd: Rnd): Generated {
  const root: Node & { kind: 'tree' } = { kind: 'tree', children: new Map() };
  const value = (text: string): Node => ({ kind: 'value', text });
  if (rnd() < 0.6) insert(root, ['build-system', 'requires'], value(arr(rnd)));
  if (rnd() < 0.8) insert(root, ['project', 'dependencies'], value(arr(rnd)));
  if (rnd() < 0.5) insert(root, ['project', 'name'], value('"demo"'));
  for (const g of sample(rnd, ['test', 'docs', 'dev'], int(rnd, 0, 2))) insert(root, ['project', 'optional-dependencies', g], value(arr(rnd)));
  for (const g of sample(rnd, ['dev', 'lint', 'x'], int(rnd, 0, 2))) insert(root, ['dependency-groups', g], value(arr(rnd)));
  for (const k of sample(rnd, ['dev-dependencies', 'constraint-dependencies', 'override-dependencies'], int(rnd, 0, 2)))
    insert(root, ['tool', 'uv', k], value(arr(rnd)));
  if (rnd() < 0.3) insert(root, ['tool', 'pdm', 'dev-dependencies', 'lint'], value(arr(rnd)));
  for (const env of sample(rnd, ['default', 'test'], int(rnd, 0, 2))) {
    for (const k of sample(rnd, ['dependencies', 'extra-dependencies'], int(rnd, 1, 2))) insert(root, ['tool', 'hatch', 'envs', env, k], value(arr(rnd)));
  }
  if (rnd() < 0.3) insert(root, ['tool', 'other', 'dependencies'], value('["nope"]'));
  const poetryTables: string[][] = [];
  if (rnd() < 0.6) poetryTables.push(['tool', 'poetry', 'dependencies']);
  if (rnd() < 0.2) poetryTables.push(['tool', 'poetry', 'dev-dependencies']);
  for (const g of sample(rnd, ['dev', 'test'], int(rnd, 0, 2))) poetryTables.push(['tool', 'poetry', 'group', g, 'dependencies']);
  for (const t of poetryTables) {
    for (const n of sample(rnd, POETRY_NAMES, int(rnd, 0, 4))) {
      const v = poetryValue(rnd);
      if (v.kind === 'string') insert(root, [...t, n], value(v.text));
      else if (v.kind === 'table') for (const [k, x] of v.fields) insert(root, [...t, n, k], value(x));
      else insert(root, [...t, n], v);
    }
  }

  const dot = () => pick(rnd, ['.', ' . ']);
  const keyText = (keys: string[]) => keys.map((k) => qkey(k, rnd)).join(dot());
  const kv = (keys: string[], text: string): Statement => {
    const key = keyText(keys);
    return { kind: 'kv', key, text: `${key}${pick(rnd, [' = ', '=', '  =  '])}${text}` };
  };
  const inlineFields = (fields: [string, string][]) => `{ ${fields.map(([k, x]) => `${k} = ${x}`).join(', ')} }`;
  const inlineArray = (tables: [string, string][][]) => `[${tables.map(inlineFields).join(', ')}]`;
  // A subtree as `key.sub = value` statements, or as values of an inline table (which may use dotted keys too).
  const dotted = (prefix: string[], node: Node & { kind: 'tree' }): [string[], string][] =>
    [...node.children].flatMap(([key, child]): [string[], string][] => {
      const keys = [...prefix, key];
      if (child.kind === 'value') return [[keys, child.text]];
      if (child.kind === 'tables') return [[keys, inlineArray(child.tables)]];
      return rnd() < 0.5 ? dotted(keys, child) : [[keys, inline(child)]];
    });
  const inline = (node: Node & { kind: 'tree' }): string =>
    `{ ${dotted([], node)
      .map(([keys, text]) => `${keyText(keys)} = ${text}`)
      .join(', ')} }`;

  const holdsTables = (node: Node): boolean => node.kind === 'tables' || (node.kind === 'tree' && [...node.children.values()].some(holdsTables));
  const blocks: { path: string[]; array: boolean; statements: Statement[] }[] = [];
  const table = (path: string[], node: Node & { kind: 'tree' }) => {
    const statements: Statement[] = [];
    const entries = [...node.children];
    shuffle(rnd, entries);
    for (const [key, child] of entries) {
      if (child.kind === 'value') statements.push(kv([key], child.text));
      else if (child.kind === 'tables') {
        if (rnd() < 0.7) for (const t of child.tables) blocks.push({ path: [...path, key], array: true, statements: t.map(([k, x]) => kv([k], x)) });
        else statements.push(kv([key], inlineArray(child.tables)));
      } else {
        // Arrays of tables below need headers all the way down: mostly give them that.
        const r = rnd() * (holdsTables(child) ? 0.6 : 1);
        if (r < 0.55) table([...path, key], child);
        else if (r < 0.8) statements.push(...dotted([key], child).map(([keys, text]) => kv(keys, text)));
        else statements.push(kv([key], inline(child)));
      }
    }
    // A table holding only tables needs no header of its own.
    if (path.length === 0 || statements.length > 0 || rnd() < 0.5) blocks.push({ path, array: false, statements });
  };
  table([], root);
  const rootBlock = blocks.splice(
    blocks.findIndex((b) => b.path.length === 0),
    1,
  );
  if (rnd() < 0.5) {
    // Super-tables after their sub-tables, or before.
    const deepFirst = rnd() < 0.5;
    blocks.sort((a, b) => (deepFirst ? b.path.length - a.path.length : a.path.length - b.path.length));
  } else {
    shuffle(rnd, blocks);
  }
  const statements: Statement[] = [];
  for (const b of [...rootBlock, ...blocks]) {
    if (b.path.length > 0) {
      const [open, close] = b.array ? ['[[', ']]'] : ['[', ']'];
      statements.push({ kind: 'header', text: `${open}${keyText(b.path)}${close}${pick(rnd, ['', '  # hdr'])}` });
    }
    statements.push(...b.statements, { kind: 'blank', text: '' });
  }
  const lines: Generated['lines'] = [];
  for (const s of statements) {
    const parts = s.text.split('\n');
    parts.forEach((_, i) => {
      if (i > 0) lines.push({ kind: 'cont' });
      else if (s.kind === 'kv') lines.push({ kind: 'kv', key: s.key!, single: parts.length === 1 });
      else lines.push({ kind: s.kind });
    });
  }
  const newline = rnd() < 0.15 ? '\r\n' : '\n';
  return {
    text: statements
      .map((s) => s.text)
      .join('\n')
      .replaceAll('\n', newline),
    lines,
    newline,
  };
}

/** The same file in TOML 1.1-only syntax (tomllib rejects it), or undefined when it has nothing to rewrite. */
function toml11(g: Generated, rnd: Rnd): string | undefined {
  const rewrites: [RegExp, (m: string, ...groups: string[]) => string][] = [
    [/\\u00([0-9a-fA-F]{2})/, (_m, h) => `\\x${h}`],
    [/\{ (version|git|path|url|file) = /, (_m, k) => `{\n  ${k} = `],
    [/\{ ([^{}\n]*) \}/, (_m, body) => `{ ${body}, }`],
  ];
  const usable = rewrites.filter(([re]) => re.test(g.text));
  if (usable.length === 0) return undefined;
  const [re, f] = pick(rnd, usable);
  return g.text.replace(re, f);
}

// ---------------------------------------------------------------------------
// Comparison

function sliceOf(text: string, map: LineMap, r: Range): string {
  return text.slice(map.offset(r.start), map.offset(r.end));
}

/** Text that tomllib reads differently: escapes, and CRLF line breaks (read as "\n"). */
const hasEscape = (s: string) => s.includes('\\') || s.includes('\r');

interface Case {
  id: string;
  text: string;
  ours: ParsedFile;
  ref?: RefResult;
}

/** The text at each range, decoded by tomllib when it holds an escape. */
class Fragments {
  readonly list: string[] = [];
  private decoded: (string | null)[] = [];
  add(raw: string): number {
    if (!hasEscape(raw)) return -1;
    this.list.push(raw);
    return this.list.length - 1;
  }
  set(decoded: (string | null)[]): void {
    this.decoded = decoded;
  }
  value(raw: string, index: number): string | null {
    return index < 0 ? raw : (this.decoded[index] ?? null);
  }
}

interface Fragment {
  raw: string;
  index: number;
}

interface Checked {
  deps: { dep: Dependency; name: Fragment; requirement: Fragment }[];
  /** The text at each invalid-requirement problem that covers a whole string. */
  invalid: Fragment[];
}

function collect(c: Case, fragments: Fragments): Checked {
  const map = new LineMap(c.text);
  const fragment = (r: Range) => {
    const raw = sliceOf(c.text, map, r);
    return { raw, index: fragments.add(raw) };
  };
  return {
    deps: c.ours.dependencies.map((dep) => ({ dep, name: fragment(dep.nameRange), requirement: fragment(dep.requirementRange) })),
    invalid: c.ours.problems.filter((p) => p.code === 'invalid-requirement' && p.message.startsWith('Invalid requirement')).map((p) => fragment(p.range)),
  };
}

const sortedUnique = (xs: string[]) => [...new Set(xs)].sort();

function compare(c: Case, checked: Checked, fragments: Fragments, out: string[]): number {
  const ref = c.ref!;
  const say = (what: string, detail: unknown) => out.push(`${c.id}: ${what}: ${JSON.stringify(detail)}\n${JSON.stringify(c.text)}`);
  const syntax = c.ours.problems.filter((p) => p.code === 'syntax-error');
  if ('error' in ref) {
    if (syntax.length !== 1) say('tomllib rejects the file, we report no single syntax error', { tomllib: ref.error, ours: c.ours.problems });
    return 0;
  }
  if (syntax.length > 0) say('syntax error in a file tomllib reads', syntax);
  for (const { dep, name } of checked.deps) {
    const decoded = fragments.value(name.raw, name.index);
    if (decoded !== dep.name) say('the text at the name range is not the name', { name: dep.name, text: name.raw, decoded });
  }
  const ours = checked.deps.map(({ dep, requirement }) =>
    JSON.stringify(
      dep.form === 'pep508-string'
        ? [
            dep.section,
            dep.name,
            dep.form,
            sortedUnique(dep.extras),
            dep.url ?? null,
            fragments.value(requirement.raw, requirement.index)?.trim() ?? `undecodable ${requirement.raw}`,
          ]
        : [dep.section, dep.name, dep.form, sortedUnique(dep.extras), dep.specifier],
    ),
  );
  const theirs = ref.deps.map((d) =>
    JSON.stringify(
      d.form === 'pep508-string' ? [d.section, d.name, d.form, d.extras, d.url, d.requirement!.trim()] : [d.section, d.name, d.form, d.extras, d.specifier],
    ),
  );
  const missing = theirs.filter((x) => !ours.includes(x));
  const extra = ours.filter((x) => !theirs.includes(x));
  if (missing.length > 0 || extra.length > 0 || ours.length !== theirs.length)
    say('different dependencies', { missing, extra, counts: [ours.length, theirs.length] });
  const invalid = c.ours.problems.filter((p) => p.code === 'invalid-requirement').length;
  if (invalid !== ref.bad.length) say('different invalid requirements', { ours: c.ours.problems.map((p) => p.message), tomllib: ref.bad });
  for (const f of checked.invalid) {
    const decoded = fragments.value(f.raw, f.index);
    if (!ref.bad.some(([, raw]) => raw === decoded)) say('the text at an invalid requirement is not the string', { text: f.raw, decoded, tomllib: ref.bad });
  }
  return theirs.length;
}

function assertNone(title: string, out: string[]): void {
  assert.equal(out.length, 0, `${title}: ${out.length} mismatches (seed ${SEED}), first ones:\n${out.slice(0, 8).join('\n\n')}`);
}

// ---------------------------------------------------------------------------
// Corrupted files

type Corruption = 'header without ]' | 'key without = value' | 'unterminated string' | 'bare word';

/**
 * One line of a valid generated file broken, the line count unchanged. Only one-line
 * statements are broken: breaking the first line of a multi-line value would leave its other
 * lines to be read as something else, quotes included.
 */
function corrupt(g: Generated, kind: Corruption, rnd: Rnd): { text: string; line: number } | undefined {
  const lines = g.text.split(g.newline);
  const eligible = g.lines.flatMap((l, i) => {
    const text = lines[i]!;
    if (kind === 'header without ]') return l.kind === 'header' ? [i] : [];
    if (kind === 'bare word') return l.kind === 'blank' && text === '' ? [i] : [];
    return l.kind === 'kv' && l.single ? [i] : [];
  });
  if (eligible.length === 0) return undefined;
  const line = pick(rnd, eligible);
  const old = lines[line]!;
  const meta = g.lines[line]!;
  if (kind === 'header without ]') {
    const comment = old.indexOf('#');
    const head = comment < 0 ? old : old.slice(0, comment);
    const at = head.lastIndexOf(']');
    lines[line] = old.slice(0, at) + old.slice(at + 1);
  } else if (kind === 'key without = value') {
    lines[line] = meta.key!;
  } else if (kind === 'unterminated string') {
    lines[line] = `${meta.key!} = "unterminated`;
  } else {
    lines[line] = 'versio';
  }
  return { text: lines.join(g.newline), line };
}

// ---------------------------------------------------------------------------

interface State {
  versions: RefResponse['versions'];
  corpus: Case[];
  generated: Case[];
  toml11: Case[];
  generatedSource: Generated[];
  checked: Map<Case, Checked>;
  fragments: Fragments;
  ms: Record<string, number>;
}

let state: State;
let setupError: unknown;

/** Every test fails (not skips, not cancels) with the setup error, e.g. a missing reference. */
function ready(): State {
  if (setupError !== undefined) throw setupError instanceof Error ? setupError : new Error(typeof setupError === 'string' ? setupError : inspect(setupError));
  return state;
}

function corpusPyprojects(): { id: string; text: string }[] {
  const dir = corpusFilesDir();
  const files: { id: string; text: string }[] = [];
  for (const project of readdirSync(dir, { withFileTypes: true })) {
    if (!project.isDirectory()) continue;
    for (const file of readdirSync(path.join(dir, project.name))) {
      if (/pyproject\.toml/.test(file)) files.push({ id: `${project.name}/${file}`, text: readFileSync(path.join(dir, project.name, file), 'utf8') });
    }
  }
  return files;
}

describe('differential: parsePyproject vs tomllib + packaging (Python reference)', () => {
  before(async () => {
    try {
      await setup();
    } catch (e) {
      setupError = e;
    }
  });

  async function setup(): Promise<void> {
    const t0 = performance.now();
    const rnd = seededRandom(SEED);
    const generatedSource = Array.from({ length: N_GENERATED }, () => generate(rnd));
    const toml11Texts = generatedSource
      .map((g) => toml11(g, rnd))
      .filter((t): t is string => t !== undefined)
      .slice(0, N_TOML11);
    const t1 = performance.now();
    const make = (id: string, text: string): Case => ({ id, text, ours: parsePyproject(text) });
    const corpus = corpusPyprojects().map((f) => make(f.id, f.text));
    const generated = generatedSource.map((g, i) => make(`generated#${i} (seed ${SEED})`, g.text));
    const toml11Cases = toml11Texts.map((t, i) => make(`toml-1.1#${i}`, t));
    const fragments = new Fragments();
    const checked = new Map<Case, Checked>();
    for (const c of [...corpus, ...generated]) checked.set(c, collect(c, fragments));
    const t2 = performance.now();
    const all = [...corpus, ...generated, ...toml11Cases];
    const response = await reference(
      all.map((c) => c.text),
      fragments.list,
    );
    all.forEach((c, i) => (c.ref = response.results[i]));
    fragments.set(response.fragments);
    const t3 = performance.now();
    state = {
      versions: response.versions,
      corpus,
      generated,
      toml11: toml11Cases,
      generatedSource,
      checked,
      fragments,
      ms: { generate: t1 - t0, ours: t2 - t1, reference: t3 - t2 },
    };
  }

  it('uses Python 3.11+ (tomllib) and packaging', (t) => {
    const { versions, ms } = ready();
    assert.match(versions.python, /^3\.(1[1-9]|[2-9]\d)\./, JSON.stringify(versions));
    t.diagnostic(`reference: ${JSON.stringify(versions)}; timings ms: ${JSON.stringify(ms, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`);
  });

  it('corpus: every pyproject.toml gives the dependencies tomllib reads, at their names', (t) => {
    const s = ready();
    assert.ok(s.corpus.length >= 15, `expected >= 15 pyproject.toml files in the corpus, found ${s.corpus.length}`);
    const out: string[] = [];
    let compared = 0;
    for (const c of s.corpus) compared += compare(c, s.checked.get(c)!, s.fragments, out);
    assert.ok(compared > 500, `only ${compared} dependencies compared`);
    t.diagnostic(`${s.corpus.length} files, ${compared} dependencies`);
    assertNone('corpus', out);
  });

  it('generated files: the dependencies tomllib reads, at their names, whatever the quoting, keys and layout', (t) => {
    const s = ready();
    const out: string[] = [];
    let compared = 0;
    let rejected = 0;
    let escaped = 0;
    let invalid = 0;
    for (const c of s.generated) {
      if (c.ref && 'error' in c.ref) rejected++;
      compared += compare(c, s.checked.get(c)!, s.fragments, out);
      escaped += s.checked.get(c)!.deps.filter((x) => x.name.index >= 0).length;
      invalid += s.checked.get(c)!.invalid.length;
    }
    // The generator must mostly make valid TOML, or the comparison is vacuous.
    assert.ok(rejected < N_GENERATED * 0.2, `tomllib rejects ${rejected} of ${N_GENERATED} generated files`);
    assert.ok(
      compared > N_GENERATED * 3 && escaped > 20 && invalid > 20,
      `too little compared: ${compared} dependencies, ${escaped} names with escapes, ${invalid} invalid strings`,
    );
    t.diagnostic(
      `${s.generated.length} files (${rejected} invalid TOML), ${compared} dependencies, ${escaped} names written with escapes, ${invalid} invalid requirement strings`,
    );
    assertNone('generated', out);
  });

  it('TOML 1.1-only syntax (\\x escapes, inline tables over lines, trailing commas in them) is a syntax error, as for tomllib', () => {
    const s = ready();
    assert.ok(s.toml11.length >= N_TOML11 / 2, `only ${s.toml11.length} TOML 1.1 files`);
    const out: string[] = [];
    for (const c of s.toml11) {
      assert.ok(c.ref && 'error' in c.ref, `${c.id}: tomllib reads it:\n${c.text}`);
      compare(c, { deps: [], invalid: [] }, s.fragments, out);
    }
    assertNone('TOML 1.1', out);
  });

  /*
   * What a syntax error leaves, precisely: a file that tomllib reads, with one line replaced
   * (line count unchanged) by a header without its `]`, a one-line key/value reduced to its key
   * or given an unterminated string value, or a blank line turned into a bare word. Let S be the
   * section holding that line (from the header line at or above it to the next header line).
   * Every dependency whose name is written only outside S is found as in the valid file (name,
   * section, form, name range and requirement range), no other dependency is found outside S
   * (but for one also written inside S, such as a Poetry name with several [[tables]]), and
   * exactly one syntax error is reported, on the broken line. Dependencies inside S may be lost.
   */
  it('corrupted files: one broken line loses at most the dependencies of its section; the error is on that line', (t) => {
    const s = ready();
    const rnd = seededRandom(SEED + 1);
    const out: string[] = [];
    const tally: Record<string, number> = {};
    let kept = 0;
    const valid = s.generated.filter((c) => c.ref && !('error' in c.ref));
    const kinds: Corruption[] = ['header without ]', 'key without = value', 'unterminated string', 'bare word'];
    for (const [i, c] of valid.slice(0, N_CORRUPTED_FILES).entries()) {
      const g = s.generatedSource[s.generated.indexOf(c)]!;
      for (const kind of kinds) {
        const broken = corrupt(g, kind, rnd);
        if (!broken) continue;
        tally[kind] = (tally[kind] ?? 0) + 1;
        const headers = g.lines.flatMap((l, n) => (l.kind === 'header' ? [n] : []));
        const first = Math.max(0, ...headers.filter((n) => n <= broken.line));
        const next = Math.min(g.lines.length, ...headers.filter((n) => n > broken.line));
        const inside = (r: Range) => r.start.line >= first && r.start.line < next;
        // A Poetry name may be written in several sections ([[...name]] tables): such a dependency is S's too.
        const touched = new Set(
          c.ours.dependencies.filter((d) => [d.nameRange, ...(d.nameKeys ?? []).map((k) => k.range)].some(inside)).map((d) => `${d.section}\n${d.name}`),
        );
        const outside = (d: Dependency) => !inside(d.nameRange) && !touched.has(`${d.section}\n${d.name}`);
        const shape = (d: Dependency) => JSON.stringify([d.name, d.section, d.form, d.nameRange, d.form === 'pep508-string' ? d.requirementRange : null]);
        const parsed = parsePyproject(broken.text);
        const where = `file #${i} (seed ${SEED}), ${kind} on line ${broken.line}, section lines ${first}-${next - 1}`;
        const expected = c.ours.dependencies.filter(outside).map(shape);
        const got = parsed.dependencies.filter(outside).map(shape);
        kept += expected.length;
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          out.push(
            `${where}: dependencies outside the section differ\n  lost ${JSON.stringify(expected.filter((x) => !got.includes(x)))}\n  new ${JSON.stringify(got.filter((x) => !expected.includes(x)))}\n${JSON.stringify(broken.text)}`,
          );
        }
        const errors = parsed.problems.filter((p) => p.code === 'syntax-error');
        if (errors.length !== 1 || errors[0]!.range.start.line !== broken.line)
          out.push(`${where}: syntax errors ${JSON.stringify(errors)}\n${JSON.stringify(broken.text)}`);
      }
    }
    assert.ok(Object.values(tally).every((n) => n >= 20) && Object.keys(tally).length === kinds.length, `too few corruptions: ${JSON.stringify(tally)}`);
    t.diagnostic(`${JSON.stringify(tally)}; ${kept} dependencies outside the broken sections`);
    assertNone('corrupted files', out);
  });
});
