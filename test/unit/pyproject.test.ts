import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { estimateTomlTokens, MAX_TOML_TOKENS, parsePyproject } from '../../server/src/core/pyproject.js';
import { LineMap } from '../../server/src/core/text.js';
import type { Range } from '../../server/src/core/types.js';
import { corpusFilesDir } from '../support/corpus.js';

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

  it('reports invalid requirement strings where they are and keeps the others', () => {
    const text = '[project]\ndependencies = ["good", "bad name!", "also-good>=1"]\n';
    const parsed = parsePyproject(text);
    assert.deepEqual(parsed.dependencies.map((d) => d.name), ['good', 'also-good']);
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
    assert.equal(estimateTomlTokens("a = \'\'\'x,\n.\'\'\'\n"), 4);
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
});
