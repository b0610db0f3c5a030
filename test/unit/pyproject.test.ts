import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { deepValues, estimateTomlTokens, MAX_TOML_NESTING, MAX_TOML_TOKENS, parsePyproject, withoutDeepValues } from '../../server/src/core/pyproject.js';
import { LineMap } from '../../server/src/core/text.js';
import type { Range } from '../../server/src/core/types.js';
import { corpusFilesDir } from '../support/data.js';

function slice(text: string, range: Range): string {
  const map = new LineMap(text);
  return text.slice(map.offset(range.start), map.offset(range.end));
}

const EVERY_FORM = `
[build-system]
requires = ["setuptools>=61", 'wheel']

[project]
name = "demo"
dependencies = [
  "requests[socks] >=2.31 ; python_version >= '3.8'",
  "ESCAPED\\u0041name==1.0",  # a \\u escape before the name's end
  """multi-line-string""",
  "flask @ https://example.com/flask.whl",
  "pepy==2.1.1",  # pypi-status: ignore
]
optional-dependencies.test = ["pytest"]
optional-dependencies.docs = ["sphinx"]

[dependency-groups]
dev = ["black", { include-group = "docs" }]
docs = ["mkdocs"]

[tool.poetry.dependencies]
python = "^3.9"
numpy = "1.26.4"
"Quoted.Name" = "^2.0"
pandas = { version = "^2", extras = ["sql"], markers = "sys_platform == 'linux'" }
mylib = { git = "https://github.com/x/mylib.git" }
local = { path = "../local", develop = true }
torch = [{ version = "2.1", source = "pypi" }, { version = "2.1", source = "cuda" }]

[tool.poetry.dependencies.scipy]
version = "1.11"

[[tool.poetry.group.test.dependencies.cffi]]
version = "*"

[tool.poetry.group.lint.dependencies]
ruff = "*"

[tool.poetry.dev-dependencies]
mypy = "^1"

[tool.uv]
dev-dependencies = ["uv-dev"]
constraint-dependencies = ["uv-constraint<2"]
override-dependencies = ["uv-override==1"]

[tool.pdm.dev-dependencies]
lint = ["pdm-lint", "-e file:///\${PROJECT_ROOT}/local"]

[tool.hatch.envs.default]
dependencies = ["hatch-dep"]
extra-dependencies = ["hatch-extra"]

[tool.other]
dependencies = ["not-a-dependency"]
`;

describe('pyproject.toml', () => {
  it('reads every section and form, with the name range inside the quotes or the key', () => {
    const parsed = parsePyproject(EVERY_FORM);
    assert.deepEqual(parsed.problems, []);
    const got = parsed.dependencies.map((d) => `${d.section}:${d.name}`);
    assert.deepEqual(got, [
      'build-system.requires:setuptools',
      'build-system.requires:wheel',
      'project.dependencies:requests',
      'project.dependencies:ESCAPEDAname',
      'project.dependencies:multi-line-string',
      'project.dependencies:flask',
      'project.dependencies:pepy',
      'project.optional-dependencies.test:pytest',
      'project.optional-dependencies.docs:sphinx',
      'dependency-groups.dev:black',
      'dependency-groups.docs:mkdocs',
      'tool.poetry.dependencies:numpy',
      'tool.poetry.dependencies:Quoted.Name',
      'tool.poetry.dependencies:pandas',
      'tool.poetry.dependencies:torch',
      'tool.poetry.dependencies:scipy',
      'tool.poetry.group.test.dependencies:cffi',
      'tool.poetry.group.lint.dependencies:ruff',
      'tool.poetry.dev-dependencies:mypy',
      'tool.uv.dev-dependencies:uv-dev',
      'tool.uv.constraint-dependencies:uv-constraint',
      'tool.uv.override-dependencies:uv-override',
      'tool.pdm.dev-dependencies.lint:pdm-lint',
      'tool.hatch.envs.default.dependencies:hatch-dep',
      'tool.hatch.envs.default.extra-dependencies:hatch-extra',
    ]);
    for (const d of parsed.dependencies) {
      const written = slice(EVERY_FORM, d.nameRange);
      if (d.name === 'ESCAPEDAname') assert.equal(written, 'ESCAPED\\u0041name');
      else assert.equal(written, d.name, `range of ${d.name}`);
    }
    const by = (name: string) => parsed.dependencies.find((d) => d.name === name)!;
    assert.equal(by('pepy').ignored, true);
    assert.equal(by('requests').ignored, false);
    assert.equal(by('flask').url, 'https://example.com/flask.whl');
    assert.equal(by('numpy').pinnedVersion, '1.26.4');
    assert.equal(by('scipy').pinnedVersion, '1.11');
    assert.equal(by('Quoted.Name').pinnedVersion, undefined);
    assert.deepEqual(by('pandas').extras, ['sql']);
    assert.equal(by('pandas').marker, "sys_platform == 'linux'");
    assert.equal(by('pandas').form, 'poetry-key');
    assert.equal(by('requests').form, 'pep508-string');
    assert.equal(slice(EVERY_FORM, by('requests').requirementRange), "requests[socks] >=2.31 ; python_version >= '3.8'");
  });

  it('reports a syntax error once and still reads the rest of the file', () => {
    const text = '[project]\ndependencies = [\n  "pepy",\n  "broken\n  "six",\n]\n\n[build-system]\nrequires = ["setuptools"]\n';
    const parsed = parsePyproject(text);
    assert.equal(parsed.problems.length, 1);
    assert.equal(parsed.problems[0]!.code, 'syntax-error');
    assert.equal(parsed.problems[0]!.range.start.line, 3);
    assert.deepEqual(
      parsed.dependencies.map((d) => d.name),
      ['pepy', 'six', 'setuptools'],
    );
  });

  describe('after a TOML syntax error', () => {
    /** Names with their sections, the syntax errors' lines, and every name range checked against the text. */
    function read(text: string) {
      const parsed = parsePyproject(text);
      for (const d of parsed.dependencies) assert.equal(slice(text, d.nameRange), d.name, `range of ${d.name}`);
      const errors = parsed.problems.filter((p) => p.code === 'syntax-error');
      assert.equal(errors.length, 1, JSON.stringify(parsed.problems));
      return { deps: parsed.dependencies.map((d) => `${d.section}:${d.name}`), line: errors[0]!.range.start.line, error: errors[0]! };
    }

    it('keeps the dependencies before a broken header and points at the header', () => {
      const text = '[project]\ndependencies = ["requests"]\n[tool.black\nline-length = 88\n';
      const r = read(text);
      assert.deepEqual(r.deps, ['project.dependencies:requests']);
      assert.equal(r.line, 2);
      assert.equal(slice(text, r.error.range), '[tool.black');
      assert.match(r.error.message, /table-key/);
    });

    it('keeps the dependencies around a bare key, which is the line reported', () => {
      const after = read('[project]\ndependencies = ["requests"]\nname\n');
      assert.deepEqual(after.deps, ['project.dependencies:requests']);
      assert.equal(after.line, 2);
      // The parser complains on the next line; blanking that one would lose the dependencies.
      const before = read('[project]\nname\ndependencies = ["requests"]\n');
      assert.deepEqual(before.deps, ['project.dependencies:requests']);
      assert.equal(before.line, 1);
    });

    it('keeps the sections before an unterminated multi-line string at the end of the file', () => {
      const r = read('[build-system]\nrequires = ["setuptools"]\n[project]\ndependencies = ["""requests\n');
      assert.deepEqual(r.deps, ['build-system.requires:setuptools']);
      assert.equal(r.line, 3);
    });

    it('keeps every section but the broken one, with exact ranges after it, whatever the break', () => {
      const good = (body: string) =>
        `[build-system]\nrequires = ["setuptools"]\n\n${body}\n[project]\nname = "x"\ndependencies = [\n  "requests",\n  'six',\n]\n` +
        `[tool.poetry.dependencies]\nnumpy = "1.26"\n"quoted" = "*"\n`;
      const expected = [
        'build-system.requires:setuptools',
        'project.dependencies:requests',
        'project.dependencies:six',
        'tool.poetry.dependencies:numpy',
        'tool.poetry.dependencies:quoted',
      ];
      const breaks = [
        '[tool.black\nline-length = 88',
        '[tool.black]\nline-length',
        '[tool.black]\nline-length = 88\nversio',
        '[tool.black]\nline-length = "88',
        '[tool.black]\ntarget = [\n  "py311",\n  "py312"\n',
        '[tool.black]\nx = { a = 1\n',
        '[tool.black]\nx = """never closed',
        '[tool.black]\nx = 1 junk',
        '[[tool.black]\nx = 1',
      ];
      for (const body of breaks) {
        const text = good(body);
        const r = read(text);
        assert.deepEqual(r.deps, expected, body);
        const brokenLines = text
          .split('\n')
          .map((l, i) => [l, i] as const)
          .filter(([l]) => body.includes(l) && l !== '')
          .map(([, i]) => i);
        assert.ok(brokenLines.includes(r.line), `${body}: error on line ${r.line}, not in ${brokenLines.join(',')}`);
      }
    });

    it('keeps both of two tables defined twice (each parses alone), with the error at the second', () => {
      const r = read('[project]\ndependencies = ["a"]\n[tool.x]\n[project]\nname = "x"\n[build-system]\nrequires = ["b"]\n');
      assert.deepEqual(r.deps, ['project.dependencies:a', 'build-system.requires:b']);
      assert.equal(r.line, 3);
      // The first error of the file is reported, even when a later section is the one that fails alone.
      assert.equal(read('[project]\ndependencies = ["a"]\n[project]\n[tool.y\n[build-system]\nrequires = ["b"]\n').line, 2);
    });

    it('blanks the second definition of a key, the one reported', () => {
      const r = read('[project]\ndependencies = ["a"]\ndependencies = ["b"]\n[build-system]\nrequires = ["c"]\n');
      assert.deepEqual(r.deps, ['project.dependencies:a', 'build-system.requires:c']);
      assert.equal(r.line, 2);
    });

    it('does not split at a header-like line inside a multi-line string', () => {
      const text = '[project]\ndescription = """\n[not.a.header]\n"""\ndependencies = ["a"]\n[tool.x\n';
      assert.deepEqual(read(text).deps, ['project.dependencies:a']);
    });

    it('stays within its time budget on a file of thousands of broken sections', () => {
      const text = '[project]\ndependencies = ["a"]\n' + '[x\ny = 1\n'.repeat(2500);
      const started = performance.now();
      const r = read(text);
      const ms = performance.now() - started;
      assert.deepEqual(r.deps, ['project.dependencies:a']);
      assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
    });
  });

  it('reads TOML 1.0, as pip, build and tomllib do: 1.1-only syntax is an error', () => {
    for (const text of [
      '[tool.poetry.dependencies]\nrequests = {\n  version = "^2",\n}\n',
      '[tool.poetry.dependencies]\nrequests = { version = "^2", }\n',
      '[project]\ndependencies = ["\\x72equests"]\n',
      '[project]\ndependencies = ["requests; os_name == \'\\e\'"]\n',
    ]) {
      assert.deepEqual(
        parsePyproject(text).problems.map((p) => p.code),
        ['syntax-error'],
        text,
      );
    }
  });

  it('reads a Poetry dependency written with dotted keys as one dependency, at the first name', () => {
    for (const text of [
      '[tool.poetry.dependencies]\nrequests.version = "^2"\nrequests.extras = ["socks"]\n',
      'tool.poetry.dependencies.requests.version = "^2"\ntool.poetry.dependencies.requests.extras = ["socks"]\n',
      '[tool.poetry]\ndependencies = { requests.version = "^2", requests.extras = ["socks"] }\n',
      '[tool.poetry.dependencies.requests]\nversion = "^2"\n[tool.poetry.dependencies.requests.extras-table]\n[tool.poetry.dependencies]\nrequests.extras = ["socks"]\n'.replace(
        /\[tool.poetry.dependencies.requests.extras-table\]\n\[tool.poetry.dependencies\]\nrequests.extras/,
        'extras',
      ),
    ]) {
      const parsed = parsePyproject(text);
      assert.deepEqual(parsed.problems, [], text);
      assert.deepEqual(
        parsed.dependencies.map((d) => [d.section, d.name, d.specifier, d.extras]),
        [['tool.poetry.dependencies', 'requests', '^2', ['socks']]],
        text,
      );
      const first = text.indexOf('requests');
      assert.deepEqual(parsed.dependencies[0]!.nameRange, new LineMap(text).range(first, first + 'requests'.length), text);
    }
  });

  it("reads Poetry's multiple constraints written as [[tables]] like the inline array: one dependency, no pin", () => {
    const tables =
      '[[tool.poetry.dependencies.numpy]]\nversion = "1.24"\npython = "<3.12"\n[[tool.poetry.dependencies.numpy]]\nversion = "1.26"\npython = ">=3.12"\n';
    const inline = '[tool.poetry.dependencies]\nnumpy = [{ version = "1.24", python = "<3.12" }, { version = "1.26", python = ">=3.12" }]\n';
    for (const text of [tables, inline]) {
      const deps = parsePyproject(text).dependencies;
      assert.deepEqual(
        deps.map((d) => [d.name, d.specifier, d.pinnedVersion]),
        [['numpy', '1.24 || 1.26', undefined]],
        text,
      );
      const first = text.indexOf('numpy');
      assert.deepEqual(deps[0]!.nameRange, new LineMap(text).range(first, first + 5));
    }
  });

  it('finds nothing under an array of tables: [[tool.hatch.envs]], [[tool.poetry.dependencies]]', () => {
    assert.deepEqual(parsePyproject('[[tool.hatch.envs]]\ndependencies = ["requests"]\n').dependencies, []);
    assert.deepEqual(parsePyproject('[[tool.poetry.dependencies]]\nrequests = "^2"\n').dependencies, []);
    assert.deepEqual(parsePyproject('[[tool]]\npoetry.dependencies.requests = "^2"\n').dependencies, []);
  });

  it('maps multi-line strings with CRLF line breaks exactly (the parser reads each as one "\\n")', () => {
    const text = "[project]\r\ndependencies = [\"\"\"requests ;\r\n python_version > '3' garbage\"\"\", '''\r\nsix>=1\r\n''']\r\n";
    const parsed = parsePyproject(text);
    assert.deepEqual(
      parsed.problems.map((p) => [p.code, slice(text, p.range)]),
      [['invalid-requirement', "requests ;\r\n python_version > '3' garbage"]],
    );
    assert.deepEqual(
      parsed.dependencies.map((d) => [d.name, slice(text, d.nameRange), slice(text, d.requirementRange)]),
      [['six', 'six', 'six>=1']],
    );
  });

  it('reports invalid requirement strings where they are and keeps the others', () => {
    const text = '[project]\ndependencies = ["good", "bad name!", "also-good>=1"]\n';
    const parsed = parsePyproject(text);
    assert.deepEqual(
      parsed.dependencies.map((d) => d.name),
      ['good', 'also-good'],
    );
    assert.equal(parsed.problems.length, 1);
    assert.equal(parsed.problems[0]!.code, 'invalid-requirement');
    assert.equal(parsed.problems[0]!.range.start.line, 1);
  });

  it('reads every pyproject.toml of the corpus with exact name ranges', () => {
    const dir = corpusFilesDir();
    let count = 0;
    for (const project of readdirSync(dir, { withFileTypes: true })) {
      if (!project.isDirectory()) continue;
      for (const file of readdirSync(path.join(dir, project.name))) {
        if (!/pyproject\.toml/.test(file)) continue;
        const text = readFileSync(path.join(dir, project.name, file), 'utf8');
        const parsed = parsePyproject(text);
        assert.deepEqual(parsed.problems, [], `${project.name}/${file}`);
        for (const d of parsed.dependencies) assert.equal(slice(text, d.nameRange), d.name, `${project.name}/${file}: ${d.name}`);
        count += parsed.dependencies.length;
      }
    }
    assert.ok(count > 500, `expected the corpus to hold hundreds of dependencies, found ${count}`);
  });

  it('counts TOML tokens: strings once, separators outside them, lines; comments not at all', () => {
    assert.equal(estimateTomlTokens('a = 1'), 1);
    assert.equal(estimateTomlTokens('a.b = [1, 2]\n'), 5);
    // Separators inside strings of every kind, escaped quotes, and a comment's separators are not counted.
    assert.equal(estimateTomlTokens('a = "x.y,z=[{\\"."\n'), 3);
    assert.equal(estimateTomlTokens("a = 'x\\'\n"), 3);
    assert.equal(estimateTomlTokens('a = """x\n\\""".\n"""\n'), 5);
    assert.equal(estimateTomlTokens("a = '''x,\n.'''\n"), 4);
    assert.equal(estimateTomlTokens('# a, b = [c.d]\nx = 1'), 2);
    // An unterminated basic string ends at the line break, as in the TOML parser.
    assert.equal(estimateTomlTokens('a = "x, y\nb = 1'), 4);
    assert.equal(estimateTomlTokens('a = """x, y\nb = 1'), 3);
  });

  it('does not give the TOML parser a file of more tokens than it reads quickly, and says why', () => {
    const keys = 'k = 1\n'.repeat(MAX_TOML_TOKENS / 2 + 1);
    const parsed = parsePyproject(`[project]\ndependencies = ["requests"]\n[x]\n${keys}`);
    assert.deepEqual(parsed.dependencies, []);
    assert.equal(parsed.problems.length, 1);
    assert.equal(parsed.problems[0]!.code, 'file-too-large');
    assert.match(parsed.problems[0]!.message, /about 16,0\d\d TOML tokens .* up to 16,000/);
  });

  it('reads a dependency list of 4,000 entries, far longer than any real one', () => {
    const deps = Array.from({ length: 4000 }, (_, i) => `  "package-${i}>=1.2.3",\n`).join('');
    const parsed = parsePyproject(`[project]\nname = "x"\ndependencies = [\n${deps}]\n`);
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.dependencies.length, 4000);
  });

  describe('values nested deeper than the parser can recurse', () => {
    const n = 5000;
    const before = '[project]\nname = "x"\ndependencies = ["requests"]\n';
    const after = '\n[tool.poetry.dependencies]\nflask = "^3"\n[dependency-groups]\ndev = ["pytest"]\n';
    const shapes: [string, string][] = [
      ['arrays', `a = ${'['.repeat(n)}${']'.repeat(n)}`],
      ['inline tables', `a = ${'{ b = '.repeat(n)}1${' }'.repeat(n)}`],
      ['arrays of inline tables', `a = ${'[{ b = '.repeat(n / 2)}1${' }]'.repeat(n / 2)}`],
      ['arrays over lines', `a = ${'[\n'.repeat(n)}${']\n'.repeat(n)}`],
      ['an unclosed array', `a = ${'['.repeat(n)}`],
    ];
    for (const [shape, value] of shapes) {
      it(`${shape}: one syntax error where the value starts, the rest of the file read`, () => {
        const text = `${before}[tool.x]\n${value}${after}`;
        const parsed = parsePyproject(text);
        const line = before.split('\n').length;
        assert.equal(parsed.problems[0]!.code, 'syntax-error');
        assert.equal(parsed.problems[0]!.range.start.line, line);
        assert.equal(parsed.problems[0]!.range.start.character, 4);
        assert.match(parsed.problems[0]!.message, new RegExp(`nests more than ${MAX_TOML_NESTING} arrays and inline tables deep`));
        const unclosed = shape === 'an unclosed array';
        // Past an unclosed array, the rest of the file is inside it (for TOML as for tomllib).
        assert.deepEqual(
          parsed.dependencies.map((d) => d.name),
          unclosed ? ['requests'] : ['requests', 'flask', 'pytest'],
        );
        if (!unclosed) assert.equal(parsed.problems.length, 1, JSON.stringify(parsed.problems));
      });
    }

    it('dotted keys and table headers thousands of keys long are read (they are not nesting the parser recurses into)', () => {
      const keys = Array.from({ length: n }, () => 'k').join('.');
      const parsed = parsePyproject(`${before}[tool.x]\n${keys} = 1\n[tool.${keys}]\nb = 1\n[[tool.y.${keys}]]\n${after}`);
      assert.deepEqual(parsed.problems, []);
      assert.deepEqual(
        parsed.dependencies.map((d) => d.name),
        ['requests', 'flask', 'pytest'],
      );
    });

    it(`reads values nested up to ${MAX_TOML_NESTING} deep, as real files are`, () => {
      const d = MAX_TOML_NESTING;
      const parsed = parsePyproject(`${before}[tool.x]\na = ${'['.repeat(d)}${']'.repeat(d)}\nb = ${'{ c = '.repeat(d)}1${' }'.repeat(d)}\n${after}`);
      assert.deepEqual(parsed.problems, []);
      assert.equal(parsed.dependencies.length, 3);
    });

    it('counts no bracket in strings, comments or table headers, and empties a deep value in place', () => {
      const deep = '['.repeat(101) + ']'.repeat(101);
      const quoted = `a = "${'['.repeat(200)}"\nb = '${'{'.repeat(200)}'\nc = """\n${'['.repeat(200)}\n"""\n# ${'['.repeat(200)}\n`;
      assert.deepEqual(deepValues(quoted), []);
      assert.deepEqual(deepValues(`[${'['.repeat(200)}\n`), [], 'a header line');
      assert.deepEqual(deepValues(`x = 1\na = ${deep}\n`), [{ start: 10, end: 10 + deep.length, closed: true }]);
      const text = `a = [1, ${deep}, 2] # c\nb = 1\n`;
      const emptied = withoutDeepValues(text, deepValues(text));
      assert.equal(emptied, `a = [${' '.repeat(text.indexOf(' # c') - 6)}] # c\nb = 1\n`);
      const multiline = `a = [\n${'[\n'.repeat(150)}${']\n'.repeat(150)}]\n`;
      const lines = withoutDeepValues(multiline, deepValues(multiline)).split('\n');
      assert.deepEqual(lines, ['a = [', ...Array<string>(300).fill(' '), ']', ''], 'line breaks stay');
    });
  });
});
