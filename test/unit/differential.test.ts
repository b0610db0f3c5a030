/**
 * Differential tests: our PEP 508 and requirements-file parsers against the
 * reference implementations shipped by Debian — python3-packaging
 * (packaging.requirements.Requirement, packaging.utils.canonicalize_name,
 * packaging.markers.Marker) and python3-pip (pip._internal.req.req_file and
 * pip._internal.req.constructors). See test/support/reference.py.
 *
 *   node --import tsx --test test/unit/differential.test.ts
 *
 * Environment:
 *   PYPI_STATUS_DIFF_SEED          fast-check seed (default below; printed in every failure)
 *   PYPI_STATUS_REFERENCE_PYTHON   reference interpreter (default /usr/bin/python3)
 *
 * Everything is computed once in `before`: our parsers run first, then ONE
 * Python process answers for the corpus, the generated files, the generated
 * PEP 508 strings and the normalisation of every marker our parsers produced.
 * A full report of mismatches is written to test-artifacts/differential-report.json.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import fc from 'fast-check';

import { normalizeName, parsePep508 } from '../../server/src/core/pep508.js';
import { parseRequirements } from '../../server/src/core/requirements.js';
import type { Dependency, ParsedFile, Range } from '../../server/src/core/types.js';
import {
  type Clause,
  type RefFileResult,
  type RefPep508Result,
  type RefMarkerResult,
  type RefPipView,
  type ReferenceVersions,
  REFERENCE_PYTHON,
  isRefError,
  referenceBatch,
} from '../support/reference.js';
import { corpusFilesDir } from '../support/data.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS_DIR = corpusFilesDir();
const SEED = Number(process.env.PYPI_STATUS_DIFF_SEED ?? 20250508);
const N_VALID = 3000;
const N_MUTATED = 3000;
const N_FILES = 400;
const N_CR_FILES = 30;
/** Values for `${VAR}` in generated files, given to both pip (os.environ) and parseRequirements. */
const FILE_ENV: Record<string, string> = {
  PIP_TOKEN: 's3cr3t',
  REQ_DIR: 'reqs',
  INDEX_HOST: 'idx.example.org',
  EMPTY: '',
};
const REPORT_PATH = path.join(REPO_ROOT, 'test-artifacts', 'differential-report.json');

// ---------------------------------------------------------------------------
// Small helpers

/** Line boundaries of Python's str.splitlines() (which pip uses) that are not LSP line breaks. */
const PY_ONLY_LINE_BREAKS = /[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]/g;

/** Python's str.isspace() characters (what str.strip() removes). */
const PY_WS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, 'g');
const pyStrip = (s: string) => s.replace(PY_STRIP, '');

/**
 * Splits a specifier string the way packaging.specifiers.SpecifierSet does
 * (comma-separated clauses, stripped, empty ones dropped) into sorted
 * [op, version] pairs. Enclosing parentheses are tolerated.
 */
function specifierClauses(spec: string): Clause[] {
  let s = pyStrip(spec);
  if (s.startsWith('(') && s.endsWith(')')) s = pyStrip(s.slice(1, -1));
  const out: Clause[] = [];
  for (const raw of s.split(',')) {
    const clause = pyStrip(raw);
    if (clause === '') continue;
    const m = /^(===|~=|==|!=|<=|>=|<|>)([\s\S]*)$/.exec(clause);
    out.push(m ? [m[1]!, pyStrip(m[2]!)] : ['?', clause]);
  }
  return sortClauses(out);
}

function sortClauses(clauses: Clause[]): Clause[] {
  return [...clauses].sort((a, b) => (a[0] + '\u0000' + a[1] < b[0] + '\u0000' + b[1] ? -1 : a[0] === b[0] && a[1] === b[1] ? 0 : 1));
}

/** Offsets of line starts, LSP style (\r\n, \n, \r) — independent of the server's LineMap. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\r') {
      if (text[i + 1] === '\n') i++;
      starts.push(i + 1);
    } else if (ch === '\n') starts.push(i + 1);
  }
  return starts;
}

function offsetOf(starts: number[], text: string, line: number, character: number): number {
  if (line < 0 || line >= starts.length) return -1;
  const off = starts[line]! + character;
  return off <= text.length ? off : -1;
}

function sliceRange(text: string, starts: number[], r: Range): string | undefined {
  const a = offsetOf(starts, text, r.start.line, r.start.character);
  const b = offsetOf(starts, text, r.end.line, r.end.character);
  if (a < 0 || b < 0 || b < a) return undefined;
  return text.slice(a, b);
}

function physicalLines(text: string, from1: number, to1: number): string {
  // Python's splitlines() boundaries are what pip numbers; for the texts we
  // generate (\n, \r\n, \r) they coincide with LSP lines.
  const starts = lineStarts(text);
  const a = starts[from1 - 1] ?? text.length;
  const b = starts[to1] ?? text.length;
  return text.slice(a, b);
}

const json = (x: unknown) => JSON.stringify(x);
const sameJson = (a: unknown, b: unknown) => json(a) === json(b);

// ---------------------------------------------------------------------------
// Mismatch collection and reporting

interface Mismatch {
  suite: string;
  category: string;
  /** The minimal input reproducing it: a PEP 508 string or the physical lines of a logical line. */
  input: string;
  where?: string;
  ours: unknown;
  reference: unknown;
}

const allMismatches: Mismatch[] = [];
/** Grammar-generated strings both sides reject (kept in the report to see what the generator covers). */
const rejectedSamples: { input: string; reference: string }[] = [];

function report(title: string, mismatches: Mismatch[], examplesPerCategory = 3): string {
  const byCat = new Map<string, Mismatch[]>();
  for (const m of mismatches) {
    const list = byCat.get(m.category) ?? [];
    list.push(m);
    byCat.set(m.category, list);
  }
  const lines = [
    `${title}: ${mismatches.length} mismatch(es) in ${byCat.size} categor${byCat.size === 1 ? 'y' : 'ies'} ` +
      `(seed ${SEED}; full list in ${path.relative(REPO_ROOT, REPORT_PATH)})`,
  ];
  for (const [cat, list] of [...byCat].sort((a, b) => b[1].length - a[1].length)) {
    lines.push(`\n● ${cat} — ${list.length} case(s); shortest:`);
    const shortest = [...list].sort((a, b) => a.input.length - b.input.length).slice(0, examplesPerCategory);
    for (const m of shortest) {
      lines.push(`  input:     ${json(m.input)}${m.where ? `   (${m.where})` : ''}`);
      lines.push(`  ours:      ${json(m.ours)}`);
      lines.push(`  reference: ${json(m.reference)}`);
    }
  }
  return lines.join('\n');
}

function assertNoMismatches(title: string, mismatches: Mismatch[]): void {
  allMismatches.push(...mismatches);
  if (mismatches.length > 0) assert.fail(report(title, mismatches));
}

// ---------------------------------------------------------------------------
// Corpus

interface CorpusFile {
  file: string;
  rel: string;
  text: string;
}

const NOT_PIP_LOCKS = /(^|__)(uv|poetry|pdm|Pipfile)\.lock$/;

function isRequirementsStyle(name: string, text: string): boolean {
  if (/\.(txt|in)$/.test(name)) return true;
  if (name.endsWith('.lock') && !NOT_PIP_LOCKS.test(name)) {
    // pip-format lock files (uv pip compile output); TOML/JSON locks start tables/objects.
    return !/^\s*[[{]/m.test(text);
  }
  return false;
}

function loadCorpus(): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const dir of fs.readdirSync(CORPUS_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(CORPUS_DIR, dir.name))) {
      const file = path.join(CORPUS_DIR, dir.name, f);
      const text = fs.readFileSync(file, 'utf8');
      if (isRequirementsStyle(f, text)) out.push({ file, rel: `${dir.name}/${f}`, text });
    }
  }
  return out.sort((a, b) => a.rel.localeCompare(b.rel));
}

// ---------------------------------------------------------------------------
// Generators (fast-check)

const ws = fc.constantFrom('', '', '', ' ', ' ', '  ', '\t');
const ws1 = fc.constantFrom(' ', ' ', ' ', '  ', '\t', ' \t');
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const alnumChar = fc.constantFrom(...ALNUM.split(''));
const nameSegment = fc.string({ unit: alnumChar, minLength: 1, maxLength: 7 });
const nameSep = fc.constantFrom('-', '_', '.', '-', '_', '.', '--', '._', '_-_');
const REAL_NAMES = [
  'requests',
  'Django',
  'zope.interface',
  'backports.zstd',
  'typing_extensions',
  'ruamel.yaml.clib',
  'Flask-SQLAlchemy',
  'a',
  'A1',
  'pyOpenSSL',
  'Jinja2',
  'python-dateutil',
  'opencv_python_headless',
  'x_',
];
const nameArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...REAL_NAMES) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(nameSegment, fc.array(fc.tuple(nameSep, nameSegment), { maxLength: 3 }))
      .map(([first, rest]) => first + rest.map(([s, seg]) => s + seg).join('')),
  },
);

const extrasArb = fc
  .tuple(ws, fc.array(nameArb, { minLength: 0, maxLength: 3 }), fc.array(fc.tuple(ws, ws), { minLength: 3, maxLength: 3 }), ws)
  .map(([lead, names, gaps, trail]) => {
    const body = names.map((n, i) => (i === 0 ? n : `${gaps[i - 1]![0]},${gaps[i - 1]![1]}${n}`)).join('');
    return `[${lead}${body}${trail}]`;
  });

const num = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 2025 }));
const releaseArb = fc.array(num, { minLength: 1, maxLength: 4 }).map((p) => p.join('.'));
const preArb = fc
  .option(fc.tuple(fc.constantFrom('a', 'b', 'rc', 'c', 'alpha', 'beta', 'pre', 'preview', '.a', '-rc', '_b', '.RC'), fc.option(num)), { freq: 3 })
  .map((x) => (x ? x[0] + (x[1] ?? '') : ''));
const postArb = fc.option(fc.constantFrom('.post1', '-1', 'post2', '.r3', '-post', '.post', '_rev4'), { freq: 4 }).map((x) => x ?? '');
const devArb = fc.option(fc.constantFrom('.dev0', 'dev', '.dev20250304', '-dev1', '.DEV2'), { freq: 4 }).map((x) => x ?? '');
const localArb = fc.option(fc.constantFrom('+cpu', '+ubuntu.1', '+cu121', '+git.abc-1_2', '+xpu', '+LOCAL'), { freq: 5 }).map((x) => x ?? '');
const epochArb = fc.option(fc.integer({ min: 0, max: 3 }), { freq: 8 }).map((e) => (e === null ? '' : `${e}!`));
const versionArb = fc
  .tuple(fc.constantFrom('', '', '', '', '', '', '', '', '', 'v', 'V'), epochArb, releaseArb, preArb, postArb, devArb)
  .map((parts) => parts.join(''));
const wildcardVersionArb = fc.tuple(epochArb, releaseArb).map(([e, r]) => `${e}${r}.*`);
const arbitraryVersionArb = fc.constantFrom('foobar', '1.0-custom', '1.0', 'any_thing', '2!1', '1.0.*', 'a+b');

const OPERATORS = ['===', '~=', '==', '!=', '<=', '>=', '<', '>'] as const;
const clauseArb = fc
  .tuple(fc.constantFrom(...OPERATORS), ws, fc.nat({ max: 39 }), versionArb, wildcardVersionArb, arbitraryVersionArb, localArb, ws)
  .map(([op, gap, pick, version, wildcard, arbitrary, local, trail]) => {
    let v = version;
    const equality = op === '==' || op === '!=';
    if (equality && pick < 10) v = wildcard;
    else if (op === '===' && pick < 25) v = arbitrary;
    else if (equality || op === '===')
      v = version + local; // local versions: == / != / === only
    else if (pick === 39)
      v = wildcard; // invalid: >=1.*, ~=1.*
    else if (pick === 38) v = version + (local || '+local'); // invalid: local version with an ordering operator
    return `${op}${gap}${v}${trail}`;
  });

const specifierArb = fc
  .tuple(fc.array(clauseArb, { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(ws, ws), { minLength: 3, maxLength: 3 }), fc.nat({ max: 9 }), ws, ws)
  .map(([clauses, gaps, paren, a, b]) => {
    const body = clauses
      .map((c, i) => (i === 0 ? c : `${gaps[i - 1]![0]},${gaps[i - 1]![1]}${c}`))
      .join('')
      .trimEnd();
    return paren === 0 ? `(${a}${body}${b})` : body;
  });

const MARKER_VARS = [
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
  'sys.platform',
  'os.name',
  'platform.machine',
  'platform.python_implementation',
  'python_implementation',
  'platform.version',
];
const MARKER_VALUES = [
  '3.8',
  '3.12',
  '2.7',
  '3',
  '3.13.0rc1',
  'linux',
  'win32',
  'darwin',
  'cygwin',
  'x86_64',
  'arm64',
  'aarch64',
  'cpython',
  'CPython',
  'PyPy',
  'nt',
  'posix',
  'Windows',
  'test',
  'Foo_Bar',
  'dev.x',
  '',
  'a b',
  '1.0.*',
];
const MARKER_OPS = ['==', '!=', '<', '<=', '>', '>=', '~=', '===', 'in', 'not in', 'not  in', 'not\tin'];
const quoted = fc.tuple(fc.constantFrom(...MARKER_VALUES), fc.constantFrom('"', "'")).map(([v, q]) => `${q}${v}${q}`);
const markerAtom = fc
  .tuple(fc.constantFrom(...MARKER_VARS), fc.constantFrom(...MARKER_OPS), quoted, ws, ws, fc.nat({ max: 9 }), fc.constantFrom(...MARKER_VARS))
  .map(([v, op, value, a, b, shape, v2]) => {
    // `in`/`not in` need a word boundary: keep a space next to variables.
    const wordOp = /^[a-z]/.test(op);
    const l = wordOp && a === '' ? ' ' : a;
    const r = wordOp && b === '' ? ' ' : b;
    if (shape === 0) return `${value}${l}${op}${r}${v}`;
    if (shape === 1) return `${v}${l}${op}${r}${v2}`;
    if (shape === 2) return `${value}${a}${op}${b}${value}`;
    return `${v}${l}${op}${r}${value}`;
  });
const { marker: markerArb } = fc.letrec<{ marker: string; group: string }>((tie) => ({
  marker: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: markerAtom },
    {
      weight: 2,
      arbitrary: fc.tuple(tie('group'), fc.constantFrom('and', 'or'), ws1, ws1, tie('group')).map(([a, op, s1, s2, b]) => `${a}${s1}${op}${s2}${b}`),
    },
  ),
  group: fc.oneof(
    { depthSize: 'small' },
    { weight: 3, arbitrary: markerAtom },
    { weight: 1, arbitrary: fc.tuple(ws, tie('marker'), ws).map(([a, m, b]) => `(${a}${m}${b})`) },
  ),
}));

const HEX = '0123456789abcdef';
const hexArb = (n: number) => fc.string({ unit: fc.constantFrom(...HEX.split('')), minLength: n, maxLength: n });
const urlArb = fc.oneof(
  fc.constantFrom(
    'https://example.com/pkg-1.0.tar.gz',
    'https://files.pythonhosted.org/packages/ab/cd/flask-3.0.0-py3-none-any.whl',
    'git+https://github.com/org/repo.git@v1.2#egg=repo',
    'git+ssh://git@github.com/org/repo.git',
    'git+https://github.com/org/repo@0123abcd#subdirectory=pkg',
    'file:///tmp/pkg',
    'file:///C:/work/pkg.zip',
    'file:tmp/pkg',
    'https:/missing-host',
    'ftp://host/x.zip',
    'https://host:8080/a?b=c&d=e',
    'http://[::1]/x.tar.gz',
    'hg+https://hg.example.org/repo',
    'https://user:pass@host/x.whl',
    'relative/path.tar.gz',
    'https://example.com/x;y',
  ),
  hexArb(64).map((h) => `https://files.example.org/p/pkg-2.0.tar.gz#sha256=${h}`),
);

/** A PEP 508 requirement from the grammar (most are valid; a few operator/version combos are not). */
const pep508Arb = fc
  .tuple(
    ws,
    nameArb,
    fc.option(fc.tuple(ws, extrasArb), { freq: 3 }),
    fc.nat({ max: 9 }),
    fc.tuple(ws, specifierArb),
    fc.tuple(ws, ws, urlArb),
    fc.option(fc.tuple(ws, ws, markerArb), { freq: 2 }),
    fc.constantFrom(' ', ' ', '', '  '),
    ws,
  )
  .map(([lead, name, extras, kind, [specGap, spec], [atGap1, atGap2, url], marker, urlMarkerGap, trail]) => {
    let s = lead + name + (extras ? extras[0] + extras[1] : '');
    let isUrl = false;
    if (kind <= 5) s += specGap + spec;
    else if (kind <= 7) {
      s += `${atGap1 || ' '}@${atGap2}${url}`;
      isUrl = true;
    }
    if (marker) s += `${isUrl ? urlMarkerGap : marker[0]};${marker[1]}${marker[2]}`;
    return s + trail;
  });

const MUTATION_CHARS = [
  '[',
  ']',
  '(',
  ')',
  '<',
  '>',
  '=',
  '!',
  '~',
  '*',
  '.',
  ',',
  ';',
  '@',
  "'",
  '"',
  ' ',
  '\t',
  '-',
  '_',
  '#',
  'a',
  'Z',
  '0',
  '9',
  '\\',
  '/',
  ':',
  '+',
  '$',
  'é',
  '\u00a0',
  '\x1c',
  '\ufeff',
  '\u0661',
  'in',
  'or',
  'and',
  'not ',
  '.*',
  '==',
  '\n',
];
const mutationArb = fc.tuple(fc.nat(), fc.constantFrom('del', 'ins', 'ins', 'dup', 'swap'), fc.constantFrom(...MUTATION_CHARS), fc.integer({ min: 1, max: 4 }));
const mutatedArb = fc.tuple(pep508Arb, fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([s, edits]) => {
  for (const [at, kind, ch, len] of edits) {
    const p = s.length === 0 ? 0 : at % (s.length + 1);
    if (kind === 'del') s = s.slice(0, p) + s.slice(p + len);
    else if (kind === 'ins') s = s.slice(0, p) + ch + s.slice(p);
    else if (kind === 'dup') s = s.slice(0, p + len) + s.slice(p);
    else if (p + 1 < s.length) s = s.slice(0, p) + s[p + 1] + s[p] + s.slice(p + 2);
  }
  return s;
});

// --- whole requirements files -------------------------------------------------

const hashOpt = fc.tuple(hexArb(64), fc.constantFrom('--hash=sha256:', '--hash sha256:', '--hash=sha256:')).map(([h, p]) => `${p}${h}`);
const inlineComment = fc.constantFrom('', '', '', '  # via foo', ' # comment', '\t# tab comment', '  #', '  # pypi-status: ignore');
const optionLineArb = fc.constantFrom(
  '-r base.txt',
  '-r ${REQ_DIR}/common.txt',
  '--requirement other.in',
  '--requirement=other.in',
  '-rcompact.txt',
  '-c constraints.txt',
  '--constraint=${REQ_DIR}/c.txt',
  '-c c1.txt -r r1.txt',
  '-r a.txt -r b.txt',
  '-i https://pypi.org/simple',
  '--index-url https://pypi.org/simple',
  '--index-url=https://${PIP_TOKEN}@${INDEX_HOST}/simple',
  '--extra-index-url https://download.pytorch.org/whl/cpu  # torch wheels',
  '--extra-index-url=https://a.example/simple --extra-index-url=https://b.example/simple',
  '-i https://a/simple --extra-index-url https://b/simple',
  '--index-url https://${UNSET_VAR}/simple',
  '--index-url https://${lower}/simple',
  '--no-index',
  '--find-links https://example.org/wheels',
  '-f ./wheelhouse',
  '--trusted-host example.org',
  '--pre',
  '--prefer-binary',
  '--only-binary :all:',
  '--no-binary=lxml',
  '--require-hashes',
  '--use-feature=truststore',
  '--extra-index',
  '--index-url',
  '--bogus-option',
  '-x foo',
  '--index-url "https://quoted.example/simple"',
  "--index-url 'https://unterminated",
  '-r base.txt foo==1.0',
);
const editableArb = fc.constantFrom(
  '-e .',
  '-e .[dev,test]',
  '-e ./packages/core',
  '--editable=./pkg',
  '-e git+https://github.com/org/repo.git@main#egg=Repo_Name',
  '-e git+https://github.com/org/repo.git#egg=x&subdirectory=y',
  '-e hg+https://hg.example.org/repo#egg=hgpkg',
  '-e git+https://github.com/org/noegg.git',
);
const bareUrlArb = fc.constantFrom(
  'https://x.org/a.tar.gz#egg=zed',
  'https://x.org/pkg-1.0.tar.gz',
  'git+https://github.com/a/b#egg=b',
  './dist/foo-1.0-py3-none-any.whl',
  'foo-1.0-py3-none-any.whl',
  '../sibling',
  './local[extra]',
  'https://example.org/pkg.zip; python_version >= "3.8"',
  'https://example.org/pkg.zip;python_version >= "3.8"',
  'file:///opt/wheels/pkg-2.0-py3-none-any.whl',
);
const weirdReqArb = fc.constantFrom(
  'foo==1.0 --index-url https://ignored.example/simple',
  'foo -r ignored.txt',
  'foo ; ',
  'foo;',
  'foo ; python_version < "3.8" --hash=sha256:' + '0'.repeat(64),
  'foo = 1.0',
  'foo[bar] @ https://example.org/foo.zip ; python_version >= "3"',
  'foo @ https://example.org/foo.whl;python_version >= "3"',
  'foo==1.0#not-a-comment',
  'foo==1.0 #a comment',
  'foo>=1.0[extra]',
  '${PIP_TOKEN}',
  'pkg-${REQ_DIR}==1.0',
  'pkg==1.0 ; platform_release == "-1"',
  'Foo\tBar',
  'a\\b',
  'pinned===1.0',
  'pinned===1.0,>=0.9',
  'arbitrary===a,b',
  'legacy==1.0-foo',
  'spaced == 1.0 , != 1.0.1',
  'paren (>=1.0)',
  'egg @ https://x.org/egg-1.0.zip#egg=egg',
);

/** One "logical" entry of a generated file, rendered as one or more physical lines. */
const entryArb: fc.Arbitrary<string[]> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .tuple(pep508Arb, fc.array(hashOpt, { maxLength: 3 }), fc.boolean(), inlineComment, fc.nat({ max: 5 }))
      .map(([req, hashes, continued, comment, split]) => {
        const r = req.replace(/^[ \t]+/, (m) => (split === 0 ? m : ''));
        if (hashes.length === 0) {
          // continuation inside the requirement, at a space
          const spaces = [...r.matchAll(/ /g)].map((m) => m.index);
          if (split === 1 && spaces.length > 0) {
            const at = spaces[Math.floor(spaces.length / 2)]!;
            return [`${r.slice(0, at)} \\`, `  ${r.slice(at + 1)}${comment}`];
          }
          return [r + comment];
        }
        if (!continued) return [`${r} ${hashes.join(' ')}${comment}`];
        return [`${r} \\`, ...hashes.map((h, i) => `    ${h}${i < hashes.length - 1 ? ' \\' : ''}`)].map((l, i, a) => (i === a.length - 1 ? l + comment : l));
      }),
  },
  // Mutated strings may contain characters Python's splitlines() breaks at; keep pip's and LSP's
  // line numbering aligned here (the dedicated 'Python line boundaries' test covers them).
  { weight: 3, arbitrary: mutatedArb.map((s) => [s.replace(PY_ONLY_LINE_BREAKS, ' ').replace(/[\r\n]/g, ' ')]) },
  { weight: 2, arbitrary: fc.constantFrom('', '   ', '\t').map((s) => [s]) },
  { weight: 2, arbitrary: fc.constantFrom('# comment', '#comment', '   # indented', '# -r not-an-include.txt', '#!/x \\').map((s) => [s]) },
  { weight: 3, arbitrary: optionLineArb.map((s) => [s]) },
  { weight: 1, arbitrary: editableArb.map((s) => [s]) },
  { weight: 1, arbitrary: bareUrlArb.map((s) => [s]) },
  { weight: 2, arbitrary: weirdReqArb.map((s) => [s]) },
  {
    weight: 1,
    // a continuation followed by a comment line: pip ends the logical line at the comment
    arbitrary: fc.tuple(nameArb, fc.constantFrom('# via x', '  # note')).map(([n, c]) => [`${n}>=1 \\`, c]),
  },
  { weight: 1, arbitrary: nameArb.map((n) => ['\\', n]) },
);

/** Fixed PEP 508 inputs: every discrepancy found so far (kept as regression cases). */
const PEP508_REGRESSIONS = [
  'foo===1.0,>=2', // `===` must not swallow the following clauses
  'foo===a,b', // ... nor accept an invalid one
  'foo ==1.0,', // packaging accepts a trailing comma
  'foo @ https://f]oo/x', // urllib rejects the host: pip cannot parse it
  'foo @ http://[::==1]/x', // not an IPv6 address
  'foo @ http://[::11:]/x.tar.gz',
  'foo\n', // packaging's END is `$`, which matches before a final newline
  'foo>=1.0\n',
  'foo @ https://x/a\nb', // urllib drops \t\r\n from URLs
  'foo @\x1chttps://example.org/x.tar.gz', // URL token includes \x1c, urllib strips it
  'foo===1.0\x1c', // Python's \s includes \x1c-\x1f, JavaScript's does not
  'foo>=\x1c1',
  'foo===1.0\ufeff', // JavaScript's \s includes U+FEFF, Python's does not
  'foo>\ufeff1',
  'foo; os_name == "a\\"', // packaging evaluates quoted strings with ast.literal_eval
  'foo; os_name == "a\nb"',
  'foo; os_name == "nt" garbage', // rejected (packaging 23.0 bug backported in reference.py)
];

/** A fixed requirements file with every file-level discrepancy found so far. */
const FILE_REGRESSIONS = [
  '-c c.txt -r r.txt', // pip follows only the -r
  'foo==1.0 --index-url https://x.example/simple', // pip ignores options on requirement lines
  '-e . --extra-index-url https://y.example/simple',
  'pinned===1.0,>=0.9', // no pinnedVersion
  'arbitrary===a,b', // pip rejects the line
  'flask @ https://files.pythonhosted.org/packages/flask-3.0.0-py3-none-any.whl', // a named URL requirement
  'bad @ https:/missing-host', // pip rejects it: must be flagged
  '${PIP_TOKEN}', // name from an environment variable: nameRange covers ${PIP_TOKEN}
  'pkg-${REQ_DIR}==1.0',
  'bracket @ http://[::11:]/x.tar.gz ; python_version >= "3"',
  '',
].join('\n');

/**
 * Characters Python's str.splitlines() treats as line boundaries although LSP
 * (and editors) do not: pip reads a new requirement after each of them.
 */
const PY_LINE_BOUNDARY_TEXTS = [
  'foo==1.0\fbar==2.0\n',
  'alpha\x0bbeta>=1\n',
  'one\x1ctwo\x1dthree\x1efour\n',
  'uni==1\u2028code==2\u2029points==3\x85last==4\n',
  '# page break\fpkg==1\n',
  'requests>=2 ; python_version >= "3.8"\f# section 2\fflask\n',
];

const fileArb = (eols: string[]) =>
  fc
    .tuple(fc.array(entryArb, { minLength: 1, maxLength: 14 }), fc.constantFrom(...eols), fc.boolean(), fc.nat({ max: 19 }))
    .map(([entries, eol, finalEol, eofContinuation]) => {
      const lines = entries.flat();
      if (eofContinuation === 0) lines.push('trailing-pkg==1.0 \\');
      return lines.join(eol) + (finalEol ? eol : '');
    });

// ---------------------------------------------------------------------------
// Comparison of one requirements file

interface FileCase {
  id: string;
  text: string;
  env: Record<string, string>;
  ours: ParsedFile;
  ref: RefFileResult;
}

function markerNorm(markers: Map<string, RefMarkerResult>, ours: string): string | null | { error: string } {
  if (ours === '') return null;
  const r = markers.get(ours);
  if (!r) return { error: `marker not normalised: ${ours}` };
  return isRefError(r) ? { error: `packaging rejects our marker: ${r.error.split('\n')[0]}` } : r.normalized;
}

function expectedPin(clauses: Clause[]): string | undefined {
  if (clauses.length !== 1) return undefined;
  const [op, version] = clauses[0]!;
  if (op !== '==' && op !== '===') return undefined;
  if (version.endsWith('.*') || version === '') return undefined;
  return version;
}

/**
 * pip's _looks_like_path (plus `\` as on Windows), minus `name @ url`: such a line names a local
 * path whose existence decides what pip does, so staying silent on it is acceptable.
 */
function pipPathLike(requirement: string): boolean {
  const head = requirement.split(';')[0]!.trim();
  const looks = (x: string) => /[\\/]/.test(x) || x.startsWith('.');
  if (!looks(head)) return false;
  const at = head.indexOf('@');
  return at < 0 || looks(head.slice(0, at));
}

/** Errors of pip that come from the filesystem or from a link, where no problem is expected from us. */
const PATHLIKE_PIP_ERROR = /not installable|InvalidWheelFilename|does not appear to be a Python project/i;

function compareFile(suite: string, c: FileCase, markers: Map<string, RefMarkerResult>, out: Mismatch[]): number {
  const { text, ours, ref, env } = c;
  const starts = lineStarts(text);
  const logicalOf = (line0: number) => {
    const l1 = line0 + 1;
    for (const r of ref.lines) if (r.lineno <= l1 && l1 <= r.endLineno) return r;
    return undefined;
  };
  const spanOf = (lineno: number, end: number) => physicalLines(text, lineno, end).replace(/\r?\n$|\r$/, '');
  const push = (category: string, input: string, where: string, oursV: unknown, refV: unknown) =>
    out.push({ suite, category, input, where: `${c.id}:${where}`, ours: oursV, reference: refV });

  if (ref.fatal) {
    push('reference could not read the file', '', '', null, ref.fatal);
    return 0;
  }

  // Our dependencies grouped by the pip logical line that holds their name.
  const oursByLine = new Map<number, Dependency[]>();
  for (const d of ours.dependencies) {
    const sliced = sliceRange(text, starts, d.nameRange);
    // A name may come (partly) from a `${VAR}` reference; the range must then cover the reference.
    const expanded = sliced?.replace(/\$\{([A-Z0-9_]+)\}/g, (m, v: string) => env[v] || m);
    if (expanded !== d.name) {
      push(
        'nameRange does not cover the name',
        spanOf(d.nameRange.start.line + 1, d.nameRange.start.line + 1),
        `${d.nameRange.start.line + 1}`,
        { name: d.name, nameRange: d.nameRange, sliced },
        d.name,
      );
    }
    const reqText = sliceRange(text, starts, d.requirementRange);
    const nameOff = offsetOf(starts, text, d.nameRange.start.line, d.nameRange.start.character);
    const reqOff = offsetOf(starts, text, d.requirementRange.start.line, d.requirementRange.start.character);
    const reqEnd = offsetOf(starts, text, d.requirementRange.end.line, d.requirementRange.end.character);
    const nameEnd = offsetOf(starts, text, d.nameRange.end.line, d.nameRange.end.character);
    if (reqText === undefined || reqOff > nameOff || reqEnd < nameEnd) {
      push(
        'requirementRange does not contain nameRange',
        spanOf(d.nameRange.start.line + 1, d.nameRange.start.line + 1),
        `${d.nameRange.start.line + 1}`,
        { requirementRange: d.requirementRange, nameRange: d.nameRange },
        null,
      );
    }
    const logical = logicalOf(d.nameRange.start.line);
    const key = logical ? logical.lineno : -(d.nameRange.start.line + 1);
    const list = oursByLine.get(key) ?? [];
    list.push(d);
    oursByLine.set(key, list);
  }

  let compared = 0;
  for (const r of ref.lines) {
    const input = spanOf(r.lineno, r.endLineno);
    const where = `${r.lineno}`;
    const mine = oursByLine.get(r.lineno) ?? [];
    oursByLine.delete(r.lineno);
    const pipV = r.pip;
    const lineProblems = ours.problems.filter((p) => p.range.start.line + 1 >= r.lineno && p.range.start.line + 1 <= r.endLineno);

    if (r.editable) {
      // Our parser does not report editable installs (they are not looked up on the index).
      if (mine.length > 0)
        push(
          'editable requirement reported as a dependency',
          input,
          where,
          mine.map((d) => d.name),
          { editable: r.requirement, pip: pipV },
        );
      continue;
    }
    if (isRefError(pipV)) {
      if (mine.length > 0) {
        push(
          'dependency reported where pip rejects the requirement',
          input,
          where,
          mine.map((d) => ({ name: d.name, specifier: d.specifier, marker: d.marker, url: d.url })),
          pipV.error.split('\n')[0],
        );
      } else if (lineProblems.length === 0 && !PATHLIKE_PIP_ERROR.test(pipV.error) && !pipPathLike(r.requirement)) {
        push('no problem reported for a requirement pip rejects', input, where, [], pipV.error.split('\n')[0]);
      }
      continue;
    }
    // A named PEP 508 requirement: pip's name came from the requirement text, not from a URL/path.
    if (pipV.fromLink || pipV.name === null) {
      if (mine.length > 0)
        push(
          'dependency reported for a bare URL/path requirement',
          input,
          where,
          mine.map((d) => d.name),
          { requirement: r.requirement, pipName: pipV.name, url: pipV.url },
        );
      continue;
    }
    // A deliberate divergence: packaging accepts a name ending in "_", which PEP 508 and every
    // index reject; we report it as an invalid requirement instead of a dependency.
    if (mine.length === 0 && pipV.name !== null && /_$/.test(pipV.name)) {
      if (!lineProblems.some((p) => p.code === 'invalid-requirement')) push('no problem reported for a name ending in "_"', input, where, [], pipV.name);
      continue;
    }
    if (mine.length !== 1) {
      push(
        mine.length === 0 ? 'requirement line missing from our dependencies' : 'several dependencies for one pip requirement',
        input,
        where,
        mine.map((d) => d.name),
        pipV.name,
      );
      continue;
    }
    compared++;
    const d = mine[0]!;
    const oursV = {
      name: d.name,
      canonical: d.normalizedName,
      extras: [...d.extras].sort(),
      specifier: specifierClauses(d.specifier),
      marker: markerNorm(markers, d.marker),
      url: d.url ?? null,
    };
    const refV = { name: pipV.name, canonical: pipV.canonical, extras: pipV.extras, specifier: pipV.specifier, marker: pipV.marker, url: pipV.url };
    for (const field of ['name', 'canonical', 'extras', 'specifier', 'marker', 'url'] as const) {
      if (!sameJson(oursV[field], refV[field])) push(`field differs: ${field}`, input, where, oursV[field], refV[field]);
    }
    if (d.pinnedVersion !== expectedPin(pipV.specifier))
      push('pinnedVersion differs', input, where, d.pinnedVersion ?? null, expectedPin(pipV.specifier) ?? null);
  }
  for (const [key, list] of oursByLine) {
    const line = Math.abs(key);
    const opt = ref.includes.find((i) => i.lineno === key) ?? ref.indexUrls.find((i) => i.lineno === key) ?? ref.errors.find((e) => e.lineno === key);
    push(
      'dependency on a line pip does not read as a requirement',
      spanOf(line, line),
      `${line}`,
      list.map((d) => ({ name: d.name, specifier: d.specifier })),
      opt ?? 'no requirement on this line',
    );
  }

  // -r / -c includes: one per option line, the path pip follows.
  const oursInc = ours.includes.map((i) => ({
    kind: i.kind,
    path: i.path,
    line: logicalOf(i.range.start.line)?.lineno ?? lineOfOption(ref, i.range.start.line + 1),
  }));
  const refInc = ref.includes.map((i) => ({ kind: i.kind, path: i.path, line: i.lineno }));
  diffLists('includes differ', oursInc, refInc, (x) => x.line, c, suite, out);

  const oursIdx = ours.indexUrls.map((i) => ({ url: i.url, extra: i.extra, line: lineOfOption(ref, i.range.start.line + 1) }));
  const refIdx = ref.indexUrls.map((i) => ({ url: i.url, extra: i.extra, line: i.lineno }));
  diffLists('index URLs differ', oursIdx, refIdx, (x) => x.line, c, suite, out);

  // Lines pip's option parser rejects (pip aborts the whole file there): we must flag them.
  for (const e of ref.errors) {
    const has = ours.problems.some((p) => p.range.start.line + 1 >= e.lineno && p.range.start.line + 1 <= e.endLineno);
    if (!has)
      push(
        'no problem reported for a line pip rejects',
        spanOf(e.lineno, e.endLineno),
        `${e.lineno}`,
        ours.problems.map((p) => p.code),
        e.error.trim(),
      );
  }
  return compared;
}

/** The 1-based first line of the logical line holding a physical line (option lines included). */
function lineOfOption(ref: RefFileResult, line1: number): number {
  for (const x of [...ref.includes, ...ref.indexUrls, ...ref.errors, ...ref.lines]) {
    if (x.lineno <= line1 && line1 <= x.endLineno) return x.lineno;
  }
  return line1;
}

function diffLists<T>(category: string, ours: T[], ref: T[], lineOf: (x: T) => number, c: FileCase, suite: string, out: Mismatch[]): void {
  if (sameJson(ours, ref)) return;
  const lines = new Set([...ours.map(lineOf), ...ref.map(lineOf)]);
  for (const line of [...lines].sort((a, b) => a - b)) {
    const o = ours.filter((x) => lineOf(x) === line);
    const r = ref.filter((x) => lineOf(x) === line);
    if (sameJson(o, r)) continue;
    const end = [...c.ref.lines, ...c.ref.includes, ...c.ref.indexUrls, ...c.ref.errors].find((x) => x.lineno === line)?.endLineno ?? line;
    out.push({ suite, category, input: physicalLines(c.text, line, end).replace(/\r?\n$|\r$/, ''), where: `${c.id}:${line}`, ours: o, reference: r });
  }
  // order across lines
  if (ours.length === ref.length && !sameJson(ours, ref) && sameJson([...ours].map(json).sort(), [...ref].map(json).sort())) {
    out.push({ suite, category: `${category} (order only)`, input: c.id, ours, reference: ref });
  }
}

// ---------------------------------------------------------------------------
// Comparison of one PEP 508 string

function comparePep508(input: string, ref: RefPep508Result, markers: Map<string, RefMarkerResult>, out: Mismatch[]): 'accept' | 'reject' | 'mismatch' {
  const ours = parsePep508(input);
  const oursErr = 'error' in ours;
  const push = (category: string, o: unknown, r: unknown) => out.push({ suite: 'pep508', category, input, ours: o, reference: r });
  if (oursErr && isRefError(ref)) return 'reject';
  if (oursErr) {
    push('ours rejects, packaging accepts', ours, ref);
    return 'mismatch';
  }
  if (isRefError(ref)) {
    push(
      'ours accepts, packaging rejects',
      { name: ours.name, extras: ours.extras, specifier: ours.specifier, marker: ours.marker, url: ours.url },
      ref.error.split('\n')[0],
    );
    return 'mismatch';
  }
  const before = out.length;
  const r = ref;
  if (input.slice(ours.nameStart, ours.nameEnd) !== ours.name)
    push('nameStart/nameEnd do not cover the name', { nameStart: ours.nameStart, nameEnd: ours.nameEnd, name: ours.name }, r.name);
  const oursV = {
    name: ours.name,
    canonical: normalizeName(ours.name),
    extras: [...ours.extras].sort(),
    specifier: specifierClauses(ours.specifier),
    marker: markerNorm(markers, ours.marker),
    url: ours.url ?? null,
  };
  for (const field of ['name', 'canonical', 'extras', 'specifier', 'marker', 'url'] as const) {
    if (!sameJson(oursV[field], r[field])) push(`field differs: ${field}`, oursV[field], r[field]);
  }
  const structured = (ours as { clauses?: { operator: string; version: string }[] }).clauses;
  if (structured && !sameJson(sortClauses(structured.map((c) => [c.operator, c.version] as Clause)), r.specifier)) {
    push('field differs: clauses (structured)', structured, r.specifier);
  }
  return out.length === before ? 'accept' : 'mismatch';
}

// ---------------------------------------------------------------------------

interface State {
  versions: ReferenceVersions;
  corpus: FileCase[];
  generated: FileCase[];
  crFiles: FileCase[];
  boundaries: FileCase[];
  pepInputs: { kind: 'regression' | 'valid' | 'mutated'; input: string }[];
  pepRefs: RefPep508Result[];
  markers: Map<string, RefMarkerResult>;
  ms: Record<string, number>;
}

let state: State;
let setupError: unknown;

/** Every test fails (not skips, not cancels) with the setup error, e.g. a missing reference. */
function ready(): State {
  if (setupError !== undefined) {
    throw setupError instanceof Error ? setupError : new Error(typeof setupError === 'string' ? setupError : inspect(setupError));
  }
  return state;
}

describe('differential: our parsers vs pip / packaging (Debian reference)', () => {
  before(async () => {
    try {
      await setup();
    } catch (e) {
      setupError = e;
    }
  });

  async function setup(): Promise<void> {
    const t0 = performance.now();
    const corpus = loadCorpus();
    const generatedTexts = [FILE_REGRESSIONS, ...fc.sample(fileArb(['\n', '\n', '\r\n']), { seed: SEED, numRuns: N_FILES })];
    const crTexts = fc.sample(fileArb(['\r']), { seed: SEED + 1, numRuns: N_CR_FILES });
    const valid = fc.sample(pep508Arb, { seed: SEED + 2, numRuns: N_VALID });
    const mutated = fc.sample(mutatedArb, { seed: SEED + 3, numRuns: N_MUTATED });
    const pepInputs = [
      ...PEP508_REGRESSIONS.map((input) => ({ kind: 'regression' as const, input })),
      ...valid.map((input) => ({ kind: 'valid' as const, input })),
      ...mutated.map((input) => ({ kind: 'mutated' as const, input })),
    ];
    const t1 = performance.now();

    // Our side first, so that every marker we produced can be normalised by packaging in the same call.
    const oursCorpus = corpus.map((f) => parseRequirements(f.text, { env: {} }));
    const oursGenerated = generatedTexts.map((t) => parseRequirements(t, { env: FILE_ENV }));
    const oursCr = crTexts.map((t) => parseRequirements(t, { env: FILE_ENV }));
    const oursBoundaries = PY_LINE_BOUNDARY_TEXTS.map((t) => parseRequirements(t, { env: {} }));
    const markerSet = new Set<string>();
    for (const pf of [...oursCorpus, ...oursGenerated, ...oursCr, ...oursBoundaries]) for (const d of pf.dependencies) if (d.marker) markerSet.add(d.marker);
    for (const { input } of pepInputs) {
      const r = parsePep508(input);
      if (!('error' in r) && r.marker) markerSet.add(r.marker);
    }
    const markerInputs = [...markerSet];
    const t2 = performance.now();

    const { results, versions } = await referenceBatch([
      { mode: 'requirements', files: corpus.map((f) => f.file), env: {} },
      { mode: 'requirements', texts: generatedTexts, env: FILE_ENV },
      { mode: 'requirements', texts: crTexts, env: FILE_ENV },
      { mode: 'requirements', texts: PY_LINE_BOUNDARY_TEXTS, env: {} },
      { mode: 'pep508', inputs: pepInputs.map((p) => p.input) },
      { mode: 'markers', inputs: markerInputs },
    ] as const);
    const t3 = performance.now();
    const [refCorpus, refGenerated, refCr, refBoundaries, pepRefs, markerRefs] = results;
    state = {
      versions,
      corpus: corpus.map((f, i) => ({ id: f.rel, text: f.text, env: {}, ours: oursCorpus[i]!, ref: refCorpus[i]! })),
      generated: generatedTexts.map((text, i) => ({
        id: i === 0 ? 'regressions' : `generated#${i}`,
        text,
        env: FILE_ENV,
        ours: oursGenerated[i]!,
        ref: refGenerated[i]!,
      })),
      crFiles: crTexts.map((text, i) => ({ id: `cr#${i}`, text, env: FILE_ENV, ours: oursCr[i]!, ref: refCr[i]! })),
      boundaries: PY_LINE_BOUNDARY_TEXTS.map((text, i) => ({ id: `boundary#${i}`, text, env: {}, ours: oursBoundaries[i]!, ref: refBoundaries[i]! })),
      pepInputs,
      pepRefs,
      markers: new Map(markerInputs.map((m, i) => [m, markerRefs[i]!])),
      ms: { generate: t1 - t0, ours: t2 - t1, reference: t3 - t2 },
    };
  }

  it('uses the Debian reference implementations', () => {
    ready();
    const v = state.versions;
    assert.ok(v.pip && v.packaging, `reference versions missing: ${json(v)} (${REFERENCE_PYTHON})`);
    if (process.env.PYPI_STATUS_REFERENCE_PYTHON === undefined) {
      // python3-pip / python3-packaging, not some other installation shadowing them.
      for (const p of [v.pipPath, v.packagingPath]) {
        assert.match(p, /^\/usr\/lib\/python3\/dist-packages\//, `reference module not from Debian's dist-packages: ${json(v)}`);
      }
    }
  });

  it('harness: specifier splitting mirrors SpecifierSet', () => {
    assert.deepEqual(specifierClauses(' ( >= 1.0 , <2,) '), [
      ['<', '2'],
      ['>=', '1.0'],
    ]);
    assert.deepEqual(specifierClauses('===1.0,>=0.9'), [
      ['===', '1.0'],
      ['>=', '0.9'],
    ]);
    assert.deepEqual(specifierClauses(''), []);
    assert.deepEqual(specifierClauses('=1'), [['?', '=1']]);
  });

  it('corpus: every pip-format requirements file parses like pip', (t) => {
    ready();
    const out: Mismatch[] = [];
    let lines = 0;
    let compared = 0;
    assert.ok(state.corpus.length >= 30, `expected >= 30 requirements-style files in ${CORPUS_DIR}, found ${state.corpus.length}`);
    for (const c of state.corpus) {
      lines += c.ref.lines.length;
      compared += compareFile('corpus', c, state.markers, out);
    }
    assert.ok(lines > 3000 && compared > 3000, `corpus unexpectedly small: ${lines} requirement lines, ${compared} compared`);
    const title = `corpus (${state.corpus.length} files, ${lines} pip requirement lines, ${compared} dependencies compared field by field)`;
    t.diagnostic(title);
    assertNoMismatches(title, out);
  });

  it('generated PEP 508 strings: parsePep508 agrees with packaging.requirements.Requirement', (t) => {
    ready();
    const out: Mismatch[] = [];
    const tally = {
      regression: { accept: 0, reject: 0, mismatch: 0 },
      valid: { accept: 0, reject: 0, mismatch: 0 },
      mutated: { accept: 0, reject: 0, mismatch: 0 },
    };
    state.pepInputs.forEach(({ kind, input }, i) => {
      const outcome = comparePep508(input, state.pepRefs[i]!, state.markers, out);
      tally[kind][outcome]++;
      if (kind === 'valid' && outcome === 'reject' && rejectedSamples.length < 200) {
        rejectedSamples.push({ input, reference: (state.pepRefs[i] as { error: string }).error.split('\n')[0]! });
      }
    });
    // The generators must exercise both outcomes, or the comparison is vacuous.
    assert.ok(tally.valid.accept > N_VALID * 0.5, `grammar generator produced too few valid strings: ${json(tally)}`);
    assert.ok(tally.mutated.reject > N_MUTATED * 0.2 && tally.mutated.accept > N_MUTATED * 0.1, `mutations are not mixed enough: ${json(tally)}`);
    const title = `PEP 508 (${state.pepInputs.length} strings: ${json(tally)})`;
    t.diagnostic(title);
    assertNoMismatches(title, out);
  });

  it('generated requirements files (\\n and \\r\\n): parseRequirements agrees with pip', (t) => {
    ready();
    const out: Mismatch[] = [];
    let lines = 0;
    let compared = 0;
    for (const c of state.generated) {
      lines += c.ref.lines.length + c.ref.includes.length + c.ref.indexUrls.length + c.ref.errors.length;
      compared += compareFile('files', c, state.markers, out);
    }
    assert.ok(compared > N_FILES * 2, `too few requirements compared: ${compared}`);
    const title = `generated files (${state.generated.length} files, ${lines} pip logical lines, ${compared} dependencies compared)`;
    t.diagnostic(`${title}; timings ms: ${json(state.ms)}`);
    assertNoMismatches(title, out);
  });

  it('generated requirements files with lone \\r line breaks: parseRequirements agrees with pip', () => {
    ready();
    const out: Mismatch[] = [];
    let compared = 0;
    for (const c of state.crFiles) compared += compareFile('cr-files', c, state.markers, out);
    assert.ok(compared > 0);
    assertNoMismatches(`lone-CR files (${state.crFiles.length} files, ${compared} dependencies compared)`, out);
  });

  it('Python line boundaries (\\f \\v \\x1c-\\x1e \\x85 \\u2028 \\u2029): the same requirements as pip', () => {
    ready();
    // pip numbers lines with str.splitlines(), LSP does not break at these characters, so
    // only the requirements found (name + specifier) are compared, not their lines.
    const out: Mismatch[] = [];
    for (const c of state.boundaries) {
      const ours = c.ours.dependencies.map((d) => json([d.name, specifierClauses(d.specifier)])).sort();
      const ref = c.ref.lines
        .filter((l) => !l.editable && !isRefError(l.pip) && !l.pip.fromLink && l.pip.name !== null)
        .map((l) => json([(l.pip as RefPipView).name, (l.pip as RefPipView).specifier]))
        .sort();
      if (!sameJson(ours, ref)) {
        out.push({
          suite: 'line-boundaries',
          category: 'different requirements',
          input: c.text,
          where: c.id,
          ours: ours.map((x): unknown => JSON.parse(x)),
          reference: ref.map((x): unknown => JSON.parse(x)),
        });
      }
    }
    assertNoMismatches(`Python line boundaries (${state.boundaries.length} texts)`, out);
  });

  after(() => {
    // Full list of mismatches (the assertion messages only show the shortest examples).
    if (state === undefined) return;
    fs.mkdirSync(path.dirname(REPORT_PATH), { recursive: true });
    fs.writeFileSync(
      REPORT_PATH,
      JSON.stringify({ seed: SEED, versions: state.versions, timingsMs: state.ms, mismatches: allMismatches, rejectedSamples }, null, 1),
    );
  });
});
