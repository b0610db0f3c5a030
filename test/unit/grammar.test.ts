/**
 * The TextMate grammar for pip requirements files (syntaxes/pip-requirements.tmLanguage.json),
 * tokenized the way VS Code does it: vscode-textmate on the vscode-oniguruma WASM build.
 *
 *   node --import tsx --test test/unit/grammar.test.ts
 *
 * Two kinds of checks:
 *  - snapshots over the hand-written fixtures in test/fixtures/grammar/: for chosen tokens,
 *    the exact token text and its full scope list (below the root scope);
 *  - properties over the fixtures and every requirements file of test/data/files, judged against a
 *    small model of pip's own reading (req_file.join_lines, COMMENT_RE, break_args_options):
 *    tokens cover each line, a logical line's rule closes exactly where pip ends the line,
 *    comment scopes agree with what pip strips as a comment, and the first option, project
 *    name, URL/path and marker words of every logical line carry the expected scope.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vsctm from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';
import { corpusFilesDir } from '../support/data.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const grammarPath = path.join(repoRoot, 'syntaxes/pip-requirements.tmLanguage.json');
const fixturesDir = path.join(repoRoot, 'test/fixtures/grammar');
const corpusDir = corpusFilesDir();
const ROOT_SCOPE = 'source.pip-requirements';

// ---------------------------------------------------------------------------------------------
// Tokenizing

interface Token {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Scopes below the root scope, outermost first. */
  readonly scopes: readonly string[];
}

interface TokenizedLine {
  readonly text: string;
  readonly tokens: readonly Token[];
  /** Depth of the rule stack after the line (1 = back at the top level). */
  readonly depthAfter: number;
  readonly rootScoped: boolean;
  readonly stoppedEarly: boolean;
}

let grammar: vsctm.IGrammar;

async function loadGrammar(): Promise<vsctm.IGrammar> {
  const wasm = fs.readFileSync(path.join(repoRoot, 'node_modules/vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: (scopeName: string) =>
      Promise.resolve(scopeName === ROOT_SCOPE ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath) : null),
  });
  const loaded = await registry.loadGrammar(ROOT_SCOPE);
  assert.ok(loaded, `grammar ${ROOT_SCOPE} did not load`);
  return loaded;
}

/** VS Code's line split: \r\n, \r and \n. */
function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

function tokenize(lines: readonly string[]): TokenizedLine[] {
  let stack = vsctm.INITIAL;
  return lines.map((text) => {
    const result = grammar.tokenizeLine(text, stack);
    stack = result.ruleStack;
    return {
      text,
      tokens: result.tokens.map((t) => ({
        start: t.startIndex,
        end: Math.min(t.endIndex, text.length),
        text: text.slice(t.startIndex, t.endIndex),
        scopes: t.scopes.slice(1),
      })),
      depthAfter: stack.depth,
      rootScoped: result.tokens.every((t) => t.scopes[0] === ROOT_SCOPE),
      stoppedEarly: result.stoppedEarly,
    };
  });
}

function scopesAt(line: TokenizedLine, col: number): readonly string[] {
  const token = line.tokens.find((t) => t.start <= col && col < t.end);
  assert.ok(token, `no token at column ${col} of ${JSON.stringify(line.text)}`);
  return token.scopes;
}

const hasScope = (scopes: readonly string[], prefix: string): boolean => scopes.some((s) => s === prefix || s.startsWith(`${prefix}.`));

function dumpLine(line: TokenizedLine): string {
  return line.tokens.map((t) => `  ${JSON.stringify(t.text)}  ${t.scopes.join(' ')}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// A model of how pip reads a requirements file (pip/_internal/req/req_file.py)

interface Position {
  readonly line: number;
  readonly col: number;
}

interface LogicalLine {
  /** The joined line, as pip's join_lines yields it. */
  readonly text: string;
  /** Where each character of `text` comes from (null: the space pip puts before a comment line). */
  readonly origin: readonly (Position | null)[];
  readonly firstLine: number;
  readonly lastLine: number;
  /** False when the file ended in the middle of a continuation. */
  readonly closed: boolean;
}

/** COMMENT_RE.match(line): the line starts with a comment. */
const startsWithComment = (line: string): boolean => /^\s*#/.test(line);

/** join_lines: a line ending in a backslash continues, unless it starts with a comment. */
function pipLogicalLines(lines: readonly string[]): LogicalLine[] {
  const out: LogicalLine[] = [];
  let text = '';
  let origin: (Position | null)[] = [];
  let firstLine = -1;
  const append = (s: string, line: number, from: number): void => {
    if (firstLine < 0) firstLine = line;
    text += s;
    for (let i = 0; i < s.length; i++) origin.push({ line, col: from + i });
  };
  const flush = (lastLine: number, closed: boolean): void => {
    out.push({ text, origin, firstLine, lastLine, closed });
    text = '';
    origin = [];
    firstLine = -1;
  };
  lines.forEach((line, n) => {
    const comment = startsWithComment(line);
    if (!line.endsWith('\\') || comment) {
      if (comment) {
        if (firstLine < 0) firstLine = n;
        text += ' ';
        origin.push(null);
      }
      append(line, n, 0);
      flush(n, true);
    } else {
      // line.strip("\\")
      let a = 0;
      let b = line.length;
      while (a < b && line[a] === '\\') a++;
      while (b > a && line[b - 1] === '\\') b--;
      if (firstLine < 0) firstLine = n;
      append(line.slice(a, b), n, a);
    }
  });
  if (firstLine >= 0) flush(lines.length - 1, false);
  return out;
}

/** Index of the `#` that COMMENT_RE = (^|\s+)#.*$ strips from, or -1. */
function commentStart(text: string): number {
  const m = /(?:^|\s+)#/.exec(text);
  return m ? m.index + m[0].length - 1 : -1;
}

const MARKER_VARIABLES = new Set([
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
  'extras',
  'dependency_groups',
  'os.name',
  'sys.platform',
  'platform.version',
  'platform.machine',
  'platform.python_implementation',
  'python_implementation',
]);
const MARKER_WORDS = new Set(['and', 'or', 'in']);
const isUrl = (s: string): boolean => /^(?:[A-Za-z][A-Za-z0-9+.-]+:\/\/|file:)/.test(s);
const ARCHIVE = /\.(?:whl|zip|tar|tgz|tbz|txz|tlz|tar\.(?:gz|bz2|xz|lz))$/;
function looksLikePath(args: string): boolean {
  const first = /^[^\s;[]*/.exec(args)?.[0] ?? '';
  return /^(?:[.~/\\]|[A-Za-z]:[\\/])/.test(args) || /^[^@=<>!~(),'"]*\//.test(first) || ARCHIVE.test(first);
}

interface Expectation {
  readonly pos: Position;
  /** A scope prefix: `support.variable.marker` is met by `support.variable.marker.legacy.pip-requirements`. */
  readonly scope: string;
  readonly why: string;
}

/**
 * What pip's reading says about a logical line: break_args_options splits the comment-free,
 * stripped line on " " and hands everything from the first token starting with "-" on to
 * optparse; the rest is the requirement (name or URL or path, then `;` marker).
 */
function expectationsFor(logical: LogicalLine): Expectation[] {
  const out: Expectation[] = [];
  const cut = commentStart(logical.text);
  const content = cut >= 0 ? logical.text.slice(0, cut) : logical.text;
  const lead = content.length - content.trimStart().length;
  const stripped = content.trim();
  const at = (i: number): Position | null => logical.origin[lead + i] ?? null;
  const expect = (i: number, scope: string, why: string): void => {
    const pos = at(i);
    if (pos) out.push({ pos, scope, why });
  };

  let offset = 0;
  let argsEnd = stripped.length;
  for (const token of stripped.split(' ')) {
    if (token.startsWith('-')) {
      expect(offset, 'keyword.control.option', 'first option token');
      argsEnd = offset;
      break;
    }
    offset += token.length + 1;
  }
  const args = stripped.slice(0, argsEnd).trimEnd();
  if (!args) return out;

  let markerFrom: number;
  if (isUrl(args)) {
    expect(0, 'markup.underline.link', 'bare URL');
    markerFrom = args.indexOf('; ');
  } else if (looksLikePath(args)) {
    expect(0, 'string.unquoted.path', 'bare path');
    markerFrom = args.indexOf(';');
  } else {
    const name = /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(args)?.[0] ?? '';
    for (let i = 0; i < name.length; i++) expect(i, 'entity.name.tag.package', 'project name');
    markerFrom = args.indexOf(';');
  }
  if (markerFrom < 0) return out;
  expect(markerFrom, 'punctuation.separator.marker', 'marker separator');
  // Words of the marker outside quotes.
  const marker = args.slice(markerFrom + 1);
  const words = /"[^"]*"|'[^']*'|([A-Za-z_][A-Za-z0-9_.]*)/g;
  for (let m = words.exec(marker); m; m = words.exec(marker)) {
    const word = m[1];
    if (word === undefined) continue;
    const i = markerFrom + 1 + m.index;
    if (MARKER_VARIABLES.has(word)) expect(i, 'support.variable.marker', `marker variable ${word}`);
    else if (MARKER_WORDS.has(word)) expect(i, 'keyword.operator.logical', `marker operator ${word}`);
  }
  return out;
}

/** Every check that compares the tokenization of a whole file with pip's reading of it. */
function pipDisagreements(name: string, lines: readonly string[], tokenized: readonly TokenizedLine[]): string[] {
  const problems: string[] = [];
  const where = (p: Position): string => `${name}:${p.line + 1}:${p.col + 1}`;
  tokenized.forEach((line, n) => {
    if (line.stoppedEarly) problems.push(`${name}:${n + 1}: tokenization stopped early`);
    if (!line.rootScoped) problems.push(`${name}:${n + 1}: a token lacks the root scope`);
    // Tokens are contiguous and cover the line.
    let expected = 0;
    for (const t of line.tokens) {
      if (t.start !== expected) problems.push(`${name}:${n + 1}: tokens leave a gap or overlap at column ${t.start + 1}`);
      expected = Math.max(expected, t.end);
    }
    if (expected < line.text.length) problems.push(`${name}:${n + 1}: tokens stop at column ${expected + 1} of ${line.text.length}`);
  });
  for (const logical of pipLogicalLines(lines)) {
    // The rule opened for a logical line is closed exactly at its last physical line.
    for (let n = logical.firstLine; n <= logical.lastLine; n++) {
      const open = tokenized[n]!.depthAfter > 1;
      const shouldBeOpen = n < logical.lastLine || !logical.closed;
      if (open !== shouldBeOpen) {
        problems.push(
          `${name}:${n + 1}: grammar ${open ? 'continues past' : 'ends'} this line, pip ${shouldBeOpen ? 'continues' : 'ends'} the logical line here`,
        );
      }
    }
    // Comment scopes match pip's comment stripping (on non-blank characters pip did not strip as backslashes).
    const cut = commentStart(logical.text);
    logical.origin.forEach((pos, i) => {
      if (!pos || /\s/.test(logical.text[i]!)) return;
      const pip = cut >= 0 && i >= cut;
      const ours = hasScope(scopesAt(tokenized[pos.line]!, pos.col), 'comment');
      if (pip !== ours) problems.push(`${where(pos)}: pip says ${pip ? '' : 'not '}a comment, grammar says ${ours ? '' : 'not '}a comment`);
    });
    for (const e of expectationsFor(logical)) {
      const scopes = scopesAt(tokenized[e.pos.line]!, e.pos.col);
      if (!hasScope(scopes, e.scope)) problems.push(`${where(e.pos)}: ${e.why}: expected ${e.scope}, got [${scopes.join(' ')}]`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Snapshots of the fixtures

const P = '.pip-requirements';
const REQ = `meta.requirement${P}`;
const OPT = `meta.option${P}`;
const MARKER = `meta.marker${P}`;
const EXTRAS = `meta.extras${P}`;
const NAME = `entity.name.tag.package${P}`;
const CMP = `keyword.operator.comparison${P}`;
const LOGICAL = `keyword.operator.logical${P}`;
const VERSION = `constant.numeric.version${P}`;
const COMMA = `punctuation.separator.comma${P}`;
const BRACKET_BEGIN = `punctuation.section.brackets.begin${P}`;
const BRACKET_END = `punctuation.section.brackets.end${P}`;
const PAREN_BEGIN = `punctuation.parenthesis.begin${P}`;
const PAREN_END = `punctuation.parenthesis.end${P}`;
const EXTRA = `variable.parameter.extra${P}`;
const SEMICOLON = `punctuation.separator.marker${P}`;
const MARKER_VAR = `support.variable.marker${P}`;
const MARKER_VAR_LEGACY = `support.variable.marker.legacy${P}`;
const DQ = `string.quoted.double${P}`;
const SQ = `string.quoted.single${P}`;
const STR_BEGIN = `punctuation.definition.string.begin${P}`;
const STR_END = `punctuation.definition.string.end${P}`;
const COMMENT = `comment.line.number-sign${P}`;
const COMMENT_PUNCT = `punctuation.definition.comment${P}`;
const CONT = `constant.character.escape.line-continuation${P}`;
const OPTION = `keyword.control.option${P}`;
const ASSIGN = `keyword.operator.assignment${P}`;
const PATH = `string.unquoted.path${P}`;
const LINK = `markup.underline.link${P}`;
const AT = `keyword.operator.at${P}`;
const ENV = `variable.other.environment${P}`;
const ENV_BEGIN = `punctuation.definition.variable.begin${P}`;
const ENV_END = `punctuation.definition.variable.end${P}`;
const CONSTANT = `constant.language${P}`;
const HOST = `string.unquoted.host${P}`;
const FEATURE = `constant.other.feature${P}`;
const HASH_ALGO = `support.type.hash-algorithm${P}`;
const HASH_SEP = `punctuation.separator.hash${P}`;
const HASH = `constant.other.hash${P}`;
const ARG = `string.unquoted.argument${P}`;
const SETTING = `entity.other.attribute-name.config-setting${P}`;

/** [1-based line, exact token text, full scope list below the root, which occurrence on the line (default 0)] */
type Snapshot = readonly [line: number, text: string, scopes: readonly string[], occurrence?: number];

const SNAPSHOTS: Readonly<Record<string, readonly Snapshot[]>> = {
  'basics.txt': [
    [1, '#', [COMMENT, COMMENT_PUNCT]],
    [1, ' Project names, extras and version specifiers (PEP 508 / PEP 440).', [COMMENT]],
    [2, 'requests', [REQ, NAME]],
    [3, 'Django', [REQ, NAME]],
    [3, '==', [REQ, CMP]],
    [3, '4.2.11', [REQ, VERSION]],
    [4, 'zope.interface', [REQ, NAME]],
    [4, '>=', [REQ, CMP]],
    [4, ',', [REQ, COMMA]],
    [4, '<', [REQ, CMP]],
    [4, '7', [REQ, VERSION]],
    [5, 'typing_extensions', [REQ, NAME]],
    [5, '~=', [REQ, CMP]],
    [6, 'pkg-name', [REQ, NAME]],
    [6, '!=', [REQ, CMP]],
    [6, '1.0.*', [REQ, VERSION]],
    [7, '===', [REQ, CMP]],
    [7, '1.0-custom', [REQ, VERSION]],
    [8, '1!2.0.post1+local.7', [REQ, VERSION]],
    [9, 'uvicorn', [REQ, NAME]],
    [9, '[', [REQ, EXTRAS, BRACKET_BEGIN]],
    [9, 'standard', [REQ, EXTRAS, EXTRA]],
    [9, ',', [REQ, EXTRAS, COMMA]],
    [9, 'http2', [REQ, EXTRAS, EXTRA]],
    [9, ']', [REQ, EXTRAS, BRACKET_END]],
    [9, '>=', [REQ, CMP]],
    [9, '0.29', [REQ, VERSION]],
    [9, ',', [REQ, COMMA], 1],
    [9, '1', [REQ, VERSION]],
    [10, 'Deprecated_Project', [REQ, NAME]],
    [10, 'extra2', [REQ, EXTRAS, EXTRA]],
    [10, '>', [REQ, CMP]],
    [11, 'cryptography', [REQ, NAME]],
    [11, '(', [REQ, PAREN_BEGIN]],
    [11, '>=', [REQ, CMP]],
    [11, '41.0', [REQ, VERSION]],
    [11, '43', [REQ, VERSION]],
    [11, ')', [REQ, PAREN_END]],
  ],
  'markers.txt': [
    [2, 'pywin32', [REQ, NAME]],
    [2, '306', [REQ, VERSION]],
    [2, ';', [REQ, MARKER, SEMICOLON]],
    [2, 'sys_platform', [REQ, MARKER, MARKER_VAR]],
    [2, '==', [REQ, MARKER, CMP]],
    [2, '"', [REQ, MARKER, DQ, STR_BEGIN]],
    [2, 'win32', [REQ, MARKER, DQ]],
    [2, '"', [REQ, MARKER, DQ, STR_END], 1],
    [3, 'python_version', [REQ, MARKER, MARKER_VAR]],
    [3, '<', [REQ, MARKER, CMP]],
    [3, "'", [REQ, MARKER, SQ, STR_BEGIN]],
    [3, '3.11', [REQ, MARKER, SQ]],
    [3, "'", [REQ, MARKER, SQ, STR_END], 1],
    [4, 'platform_python_implementation', [REQ, MARKER, MARKER_VAR]],
    [4, '!=', [REQ, MARKER, CMP]],
    [4, 'and', [REQ, MARKER, LOGICAL]],
    [4, '(', [REQ, MARKER, PAREN_BEGIN]],
    [4, 'or', [REQ, MARKER, LOGICAL]],
    [4, 'darwin', [REQ, MARKER, DQ]],
    [4, ')', [REQ, MARKER, PAREN_END]],
    [5, 'os_name', [REQ, MARKER, MARKER_VAR]],
    [5, 'platform_machine', [REQ, MARKER, MARKER_VAR]],
    [5, 'in', [REQ, MARKER, LOGICAL]],
    [5, 'x86_64 AMD64', [REQ, MARKER, DQ]],
    [6, 'pytest-cov', [REQ, NAME]],
    [6, 'extra', [REQ, MARKER, MARKER_VAR]],
    [6, 'test', [REQ, MARKER, SQ]],
    [6, 'python_full_version', [REQ, MARKER, MARKER_VAR]],
    [6, 'not in', [REQ, MARKER, LOGICAL]],
    [7, 'sys.platform', [REQ, MARKER, MARKER_VAR_LEGACY]],
    [7, 'os.name', [REQ, MARKER, MARKER_VAR_LEGACY]],
    // pip hands the first token starting with "-" to its option parser: the marker ends there.
    [8, 'backports.zoneinfo', [REQ, NAME]],
    [8, '3.9', [REQ, MARKER, DQ]],
    [8, '--hash', [REQ, OPTION]],
    [8, '=', [REQ, ASSIGN]],
    [8, 'sha256', [REQ, HASH_ALGO]],
    [8, 'abc123', [REQ, HASH]],
    [9, 'Linux', [REQ, MARKER, DQ]],
    [9, '#', [REQ, MARKER, COMMENT, COMMENT_PUNCT]],
    [9, ' inline comment', [REQ, MARKER, COMMENT]],
  ],
  'options.txt': [
    [2, '-r', [OPT, OPTION]],
    [2, 'base.txt', [OPT, PATH]],
    [3, '--requirement', [OPT, OPTION]],
    [3, '=', [OPT, ASSIGN]],
    [3, 'dev/requirements.txt', [OPT, PATH]],
    [4, '-c', [OPT, OPTION]],
    [4, 'constraints.txt', [OPT, PATH]],
    [5, '--constraint', [OPT, OPTION]],
    [5, '../constraints.txt', [OPT, PATH]],
    [6, '-r', [OPT, OPTION]],
    [6, 'local.txt', [OPT, PATH]],
    [7, '-i', [OPT, OPTION]],
    [7, 'https://pypi.org/simple', [OPT, LINK]],
    [8, '--index-url', [OPT, OPTION]],
    [8, 'https://', [OPT, LINK]],
    [8, '${', [OPT, LINK, ENV, ENV_BEGIN]],
    [8, 'PIP_USER', [OPT, LINK, ENV]],
    [8, '}', [OPT, LINK, ENV, ENV_END]],
    [8, 'PIP_TOKEN', [OPT, LINK, ENV]],
    [8, '@pypi.example.com/simple/', [OPT, LINK]],
    [9, '--extra-index-url', [OPT, OPTION]],
    [9, 'https://download.pytorch.org/whl/cpu', [OPT, LINK]],
    [10, '-f', [OPT, OPTION]],
    [10, './wheelhouse', [OPT, PATH]],
    [11, '--find-links', [OPT, OPTION]],
    [11, 'https://example.com/wheels/', [OPT, LINK]],
    [12, '--no-index', [OPT, OPTION]],
    [13, '--no-binary', [OPT, OPTION]],
    [13, ':all:', [OPT, CONSTANT]],
    [14, '--only-binary', [OPT, OPTION]],
    [14, 'numpy', [OPT, NAME]],
    [14, ',', [OPT, COMMA]],
    [14, 'scipy', [OPT, NAME]],
    [15, '--prefer-binary', [OPT, OPTION]],
    [16, '--require-hashes', [OPT, OPTION]],
    [17, '--pre', [OPT, OPTION]],
    [18, '--trusted-host', [OPT, OPTION]],
    [18, 'pypi.example.com:8080', [OPT, HOST]],
    [19, '--use-feature', [OPT, OPTION]],
    [19, 'truststore', [OPT, FEATURE]],
    [20, '-e', [OPT, OPTION]],
    [20, '.', [OPT, PATH]],
    [20, '[', [OPT, EXTRAS, BRACKET_BEGIN]],
    [20, 'dev', [OPT, EXTRAS, EXTRA]],
    [20, ']', [OPT, EXTRAS, BRACKET_END]],
    [21, '--editable', [OPT, OPTION]],
    [21, 'git+https://github.com/pypa/pip.git@main#egg=pip', [OPT, LINK]],
    [22, 'mypkg', [REQ, NAME]],
    [22, '--global-option', [REQ, OPTION]],
    [22, '"', [REQ, DQ, STR_BEGIN]],
    [22, '--no-user-cfg', [REQ, DQ]],
    [22, '--config-settings', [REQ, OPTION]],
    [22, 'editable_mode', [REQ, SETTING]],
    [22, '=', [REQ, ASSIGN], 1],
    [22, 'compat', [REQ, ARG]],
    [23, '-C', [REQ, OPTION]],
    [23, '--build-option=--plat-name', [REQ, DQ]],
    [23, '--hash', [REQ, OPTION]],
    [23, 'sha512', [REQ, HASH_ALGO]],
    [23, ':', [REQ, HASH_SEP]],
    [23, 'deadbeef', [REQ, HASH]],
    // An abbreviated option (optparse accepts unambiguous prefixes).
    [24, '--extra-index', [OPT, OPTION]],
    [24, 'https://example.com/simple', [OPT, LINK]],
  ],
  'urls-paths-env.txt': [
    [2, 'flask', [REQ, NAME]],
    [2, '@', [REQ, AT]],
    [2, 'https://files.pythonhosted.org/packages/flask-3.0.0-py3-none-any.whl', [REQ, LINK]],
    [3, 'pydantic-extra-types', [REQ, NAME]],
    [3, 'all', [REQ, EXTRAS, EXTRA]],
    [3, '@', [REQ, AT]],
    [3, 'git+https://github.com/pydantic/pydantic-extra-types.git@v2.0', [REQ, LINK]],
    [3, ';', [REQ, MARKER, SEMICOLON]],
    [3, 'python_version', [REQ, MARKER, MARKER_VAR]],
    [4, 'https://example.com/archives/pkg-1.0.tar.gz', [REQ, LINK]],
    [5, 'git+ssh://git@github.com/org/repo.git#egg=repo', [REQ, LINK]],
    [6, 'file:///opt/wheels/local-1.0-py3-none-any.whl', [REQ, LINK]],
    [7, './downloads/numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl', [REQ, PATH]],
    [8, '../sibling', [REQ, PATH]],
    [8, 'test', [REQ, EXTRAS, EXTRA]],
    [9, 'numpy-1.26.4-cp311-cp311-win_amd64.whl', [REQ, PATH]],
    [10, 'vendor/lib', [REQ, PATH]],
    [11, '${', [REQ, NAME, ENV, ENV_BEGIN]],
    [11, 'PACKAGE_NAME', [REQ, NAME, ENV]],
    [11, '}', [REQ, NAME, ENV, ENV_END]],
    [11, '==', [REQ, CMP]],
    [11, 'PACKAGE_VERSION', [REQ, VERSION, ENV]],
    [12, 'mypkg', [REQ, NAME]],
    [12, 'HOST', [REQ, LINK, ENV]],
    [12, '/mypkg.zip', [REQ, LINK]],
  ],
  'comments-continuations.txt': [
    [1, '#', [COMMENT, COMMENT_PUNCT]],
    [2, ' An indented comment.', [COMMENT]],
    // `#` only starts a comment at the start of a line or after whitespace.
    [3, '1.0', [REQ, VERSION]],
    [3, '#not-a-comment', [REQ]],
    [4, '#', [REQ, COMMENT, COMMENT_PUNCT]],
    [4, ' an inline comment', [REQ, COMMENT]],
    [5, 'baz', [REQ, NAME]],
    [5, '\\', [REQ, CONT]],
    [6, '--hash', [REQ, OPTION]],
    [6, '0123abcd', [REQ, HASH]],
    [6, '\\', [REQ, CONT]],
    [7, '--hash', [REQ, OPTION]],
    [7, '4567ef89', [REQ, HASH]],
    [9, 'extra', [REQ, EXTRAS, EXTRA]],
    [10, ';', [REQ, MARKER, SEMICOLON]],
    [10, '\\', [REQ, MARKER, CONT]],
    // The marker carries on over the continuation.
    [11, 'and', [REQ, MARKER, LOGICAL]],
    [11, 'os_name', [REQ, MARKER, MARKER_VAR]],
    [11, 'posix', [REQ, MARKER, DQ]],
    // pip joins lines before stripping comments: an inline comment ending in a backslash swallows the next line.
    [12, '#', [REQ, COMMENT, COMMENT_PUNCT]],
    [12, '\\', [REQ, COMMENT, CONT]],
    [13, 'this line is part of the comment', [REQ, COMMENT]],
    [14, 'after', [REQ, NAME]],
    // A comment line ends a continuation, even when it ends in a backslash itself.
    [15, '\\', [REQ, CONT]],
    [16, ' a comment line ends the continuation \\', [COMMENT]],
    [17, 'notcontinued', [REQ, NAME]],
    // An option's value on the next physical line.
    [18, '-r', [OPT, OPTION]],
    [18, '\\', [OPT, CONT]],
    [19, 'more.txt', [OPT, PATH]],
    [20, '\\', [REQ, CONT]],
    [22, 'tail', [REQ, NAME]],
    // An unclosed bracket does not leak into the next line.
    [23, 'extra', [REQ, EXTRAS, EXTRA]],
    [24, 'next', [REQ, NAME]],
    // pip strips " #..." even inside quotes.
    [25, ' "a ', [REQ, MARKER]],
    [25, '#', [REQ, MARKER, COMMENT, COMMENT_PUNCT]],
    [25, 'b"', [REQ, MARKER, COMMENT]],
    [26, '#', [REQ, COMMENT, COMMENT_PUNCT]],
  ],
};

/** Non-blank text the grammar leaves without any scope but meta.* (deliberately: it is not valid there). */
const UNSCOPED_ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'comments-continuations.txt': ['#not-a-comment', '"a'],
};

function findToken(line: TokenizedLine, text: string, occurrence: number): Token | undefined {
  return line.tokens.filter((t) => t.text === text)[occurrence];
}

// ---------------------------------------------------------------------------------------------

const fixtureFiles = fs
  .readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.txt'))
  .sort();
const readLines = (file: string): string[] => splitLines(fs.readFileSync(file, 'utf8'));
const fixtureCache = new Map<string, { lines: string[]; tokenized: TokenizedLine[] }>();
function fixture(name: string): { lines: string[]; tokenized: TokenizedLine[] } {
  let cached = fixtureCache.get(name);
  if (!cached) {
    const lines = readLines(path.join(fixturesDir, name));
    cached = { lines, tokenized: tokenize(lines) };
    fixtureCache.set(name, cached);
  }
  return cached;
}

before(async () => {
  grammar = await loadGrammar();
});

describe('pip-requirements grammar: contribution', () => {
  it('is the grammar package.json contributes for the pip-requirements language', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      contributes: { grammars: { language: string; scopeName: string; path: string }[] };
    };
    const entry = pkg.contributes.grammars.find((g) => g.language === 'pip-requirements');
    assert.ok(entry, 'no grammar contributed for pip-requirements');
    assert.equal(entry.scopeName, ROOT_SCOPE);
    assert.equal(path.resolve(repoRoot, entry.path), grammarPath);
    const raw = JSON.parse(fs.readFileSync(grammarPath, 'utf8')) as { scopeName: string };
    assert.equal(raw.scopeName, ROOT_SCOPE);
  });
});

describe('pip-requirements grammar: fixture snapshots', () => {
  it('has a snapshot for every fixture', () => {
    assert.deepEqual(Object.keys(SNAPSHOTS).sort(), fixtureFiles);
  });

  for (const [name, snapshots] of Object.entries(SNAPSHOTS)) {
    it(`${name}: token texts and scopes`, () => {
      const { tokenized } = fixture(name);
      for (const [lineNo, text, scopes, occurrence = 0] of snapshots) {
        const line = tokenized[lineNo - 1];
        assert.ok(line, `${name}:${lineNo}: no such line`);
        const token = findToken(line, text, occurrence);
        assert.ok(token, `${name}:${lineNo}: no token ${JSON.stringify(text)} (#${occurrence}) in\n${dumpLine(line)}`);
        assert.deepEqual(token.scopes, scopes, `${name}:${lineNo}: scopes of ${JSON.stringify(text)}`);
      }
    });
  }

  it('gives every non-blank character of the fixtures a scope beyond meta.*', () => {
    const bare: string[] = [];
    for (const name of fixtureFiles) {
      const allowed = UNSCOPED_ALLOWED[name] ?? [];
      fixture(name).tokenized.forEach((line, n) => {
        for (const t of line.tokens) {
          if (!t.text.trim() || t.scopes.some((s) => !s.startsWith('meta.'))) continue;
          if (!allowed.includes(t.text.trim())) bare.push(`${name}:${n + 1}: ${JSON.stringify(t.text)}`);
        }
      });
    }
    assert.deepEqual(bare, []);
  });

  it('agrees with pip on the fixtures (line ends, comments, options, names, markers)', () => {
    const problems = fixtureFiles.flatMap((name) => {
      const { lines, tokenized } = fixture(name);
      return pipDisagreements(name, lines, tokenized);
    });
    assert.deepEqual(problems, []);
  });
});

describe('pip-requirements grammar: the model of pip used by the corpus checks', () => {
  it('joins continued lines and stops at comment lines like join_lines', () => {
    const logical = pipLogicalLines(['a \\', '  b', 'c # x \\', 'd', 'e \\', '# f \\', 'g', 'h \\']);
    assert.deepEqual(
      logical.map((l) => [l.text, l.firstLine, l.lastLine, l.closed]),
      [
        ['a   b', 0, 1, true],
        ['c # x d', 2, 3, true],
        ['e  # f \\', 4, 5, true],
        ['g', 6, 6, true],
        ['h ', 7, 7, false],
      ],
    );
    assert.equal(commentStart('foo==1.0#bar'), -1);
    assert.equal(commentStart('foo  # bar'), 5);
    assert.equal(commentStart('# bar'), 0);
  });
});

describe('pip-requirements grammar: corpus', () => {
  const corpusFiles = fs
    .readdirSync(corpusDir, { recursive: true, encoding: 'utf8' })
    // Every .txt/.in file of the corpus is a requirements or constraints file (see its INDEX.md).
    .filter((f) => /\.(?:txt|in)$/.test(f))
    .sort();

  it('finds requirements files in the corpus', () => {
    assert.ok(corpusFiles.length >= 20, `only ${corpusFiles.length} requirements files in ${corpusDir}`);
  });

  it('tokenizes every corpus requirements file in agreement with pip', () => {
    assert.ok(corpusFiles.length > 0, `no corpus at ${corpusDir}`);
    let lineCount = 0;
    const problems: string[] = [];
    for (const file of corpusFiles) {
      const lines = readLines(path.join(corpusDir, file));
      lineCount += lines.length;
      problems.push(...pipDisagreements(file, lines, tokenize(lines)));
    }
    assert.ok(lineCount > 1000, `only ${lineCount} lines tokenized`);
    assert.deepEqual(problems.slice(0, 50), [], `${problems.length} disagreements`);
  });
});
