/** Replacements and ignore comments change exactly one dependency, in every corpus file and format. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { candidatesFromText } from '../../server/src/core/alternatives.js';
import { applyEdits, ignoreCommentEdit, pinEdits, replacementEdits, type TextEdit } from '../../server/src/core/edits.js';
import { isValidProjectName, normalizeName } from '../../server/src/core/pep508.js';
import { parsePyproject } from '../../server/src/core/pyproject.js';
import { parseRequirements } from '../../server/src/core/requirements.js';
import { LineMap } from '../../server/src/core/text.js';
import type { Dependency, ParsedFile } from '../../server/src/core/types.js';
import { corpusFilesDir } from '../support/data.js';
import { REPO_ROOT } from '../support/lsp-client.js';

const NEW = 'replacement-name';

interface CorpusFile {
  name: string;
  text: string;
  parse: (text: string) => ParsedFile;
}

function corpusFiles(): CorpusFile[] {
  const dir = corpusFilesDir();
  const files: CorpusFile[] = [];
  for (const project of readdirSync(dir, { withFileTypes: true })) {
    if (!project.isDirectory()) continue;
    for (const file of readdirSync(path.join(dir, project.name))) {
      const text = readFileSync(path.join(dir, project.name, file), 'utf8');
      if (/pyproject\.toml/.test(file)) files.push({ name: `${project.name}/${file}`, text, parse: parsePyproject });
      else if (/\.(txt|in)(@|$)|requirements|constraints|\.lock$/.test(file) && !/\.toml|Pipfile|\.cfg/.test(file)) {
        files.push({ name: `${project.name}/${file}`, text, parse: (t) => parseRequirements(t, { env: {} }) });
      }
    }
  }
  return files;
}

function shape(d: Dependency) {
  return { name: d.name, specifier: d.specifier, marker: d.marker, extras: d.extras, section: d.section, url: d.url };
}

function span(text: string, edits: TextEdit[]): [number, number] {
  const map = new LineMap(text);
  return [Math.min(...edits.map((e) => map.offset(e.range.start))), Math.max(...edits.map((e) => map.offset(e.range.end)))];
}

describe('replacement edits', () => {
  const files = corpusFiles();

  it('finds the corpus files', () => {
    assert.ok(files.length > 40, `only ${files.length} corpus files`);
  });

  it('replace each dependency of each corpus file, and nothing else', () => {
    let count = 0;
    for (const file of files) {
      const before = file.parse(file.text);
      before.dependencies.forEach((dep, i) => {
        if (dep.url !== undefined) return;
        const edits = replacementEdits(dep, NEW);
        const after = applyEdits(file.text, edits);
        const reparsed = file.parse(after);
        const where = `${file.name}: ${dep.name} (#${i})`;
        assert.equal(reparsed.dependencies.length, before.dependencies.length, where);
        assert.equal(reparsed.problems.length, before.problems.length, `${where}: new problems ${JSON.stringify(reparsed.problems)}`);
        const replaced = reparsed.dependencies[i]!;
        assert.equal(replaced.name, NEW, where);
        assert.equal(replaced.marker, dep.marker, `${where}: marker kept`);
        assert.deepEqual(replaced.extras, [], `${where}: extras dropped`);
        assert.equal(replaced.pinnedVersion, undefined, `${where}: pin dropped`);
        assert.equal(replaced.removals, undefined, `${where}: hashes dropped`);
        if (dep.form === 'poetry-key') assert.match(replaced.specifier, /^(\*( \|\| \*)*)?$/, where);
        else assert.equal(replaced.specifier, '', where);
        reparsed.dependencies.forEach((other, j) => j !== i && assert.deepEqual(shape(other), shape(before.dependencies[j]!), `${where}: changed #${j}`));
        // Bytes outside the edited span are untouched (line endings, indentation, comments).
        const [s, e] = span(file.text, edits);
        assert.ok(after.startsWith(file.text.slice(0, s)), where);
        assert.ok(after.endsWith(file.text.slice(e)), where);
        count++;
      });
    }
    assert.ok(count > 3000, `replaced ${count} dependencies`);
  });

  it('move each exact pin of each corpus file to another version, and change nothing else', () => {
    const NEW_VERSION = '99.0.1';
    let count = 0;
    const forms = new Set<string>();
    for (const file of files) {
      const before = file.parse(file.text);
      before.dependencies.forEach((dep, i) => {
        if (dep.pinnedVersion === undefined) return;
        const edits = pinEdits(dep, NEW_VERSION);
        const where = `${file.name}: ${dep.name} (#${i})`;
        // Every pin the corpus writes is written as it reads (no ${VAR}, no TOML escape).
        assert.ok(edits, `${where}: no pin range`);
        const after = applyEdits(file.text, edits);
        const reparsed = file.parse(after);
        assert.equal(reparsed.dependencies.length, before.dependencies.length, where);
        assert.equal(reparsed.problems.length, before.problems.length, `${where}: new problems ${JSON.stringify(reparsed.problems)}`);
        const moved = reparsed.dependencies[i]!;
        assert.equal(moved.pinnedVersion, NEW_VERSION, where);
        assert.equal(moved.name, dep.name, where);
        assert.equal(moved.marker, dep.marker, `${where}: marker kept`);
        assert.deepEqual(moved.extras, dep.extras, `${where}: extras kept`);
        assert.equal(moved.specifier, dep.specifier.replace(dep.pinnedVersion, NEW_VERSION), `${where}: operator kept`);
        assert.equal(moved.removals, undefined, `${where}: hashes dropped`);
        assert.equal(moved.ignored, dep.ignored, where);
        reparsed.dependencies.forEach((other, j) => j !== i && assert.deepEqual(shape(other), shape(before.dependencies[j]!), `${where}: changed #${j}`));
        const [s, e] = span(file.text, edits);
        assert.ok(after.startsWith(file.text.slice(0, s)), where);
        assert.ok(after.endsWith(file.text.slice(e)), where);
        forms.add(dep.form);
        count++;
      });
    }
    assert.deepEqual([...forms].sort(), ['pep508-string', 'poetry-key', 'requirements']);
    assert.ok(count > 1000, `moved ${count} pins`);
  });

  it('add an ignore comment that silences exactly that dependency', () => {
    let count = 0;
    for (const file of files) {
      const before = file.parse(file.text);
      before.dependencies.forEach((dep, i) => {
        const edit = ignoreCommentEdit(dep);
        if (!edit || dep.ignored) return;
        const reparsed = file.parse(applyEdits(file.text, [edit]));
        const where = `${file.name}: ${dep.name}`;
        assert.equal(reparsed.dependencies[i]!.ignored, true, where);
        assert.equal(reparsed.dependencies[i]!.name, dep.name, where);
        // Others on other lines keep their state.
        reparsed.dependencies.forEach((o, j) => {
          if (j !== i && o.nameRange.start.line !== dep.nameRange.start.line && !(dep.commentAt && o.commentAt?.line === dep.commentAt.line)) {
            assert.equal(o.ignored, before.dependencies[j]!.ignored, `${where}: #${j}`);
          }
        });
        count++;
      });
    }
    assert.ok(count > 3000, `commented ${count} dependencies`);
  });

  it('writes each format as the issue asks', () => {
    const req = 'pkg[extra]==1.0 ; python_version >= "3.8" \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb  # keep me\nother==2\n';
    const dep = parseRequirements(req).dependencies[0]!;
    assert.equal(applyEdits(req, replacementEdits(dep, 'new-pkg')), 'new-pkg ; python_version >= "3.8"  # keep me\nother==2\n');
    const opts = 'pkg==1.0 --global-option=x --hash=sha256:aaa\r\n';
    assert.equal(applyEdits(opts, replacementEdits(parseRequirements(opts).dependencies[0]!, 'new')), 'new --global-option=x\r\n');

    const toml =
      '[project]\ndependencies = [\n  \'pkg[a]>=1 ; os_name == "nt"\',  # note\n]\n[tool.poetry.dependencies]\nold = { version = "^1", extras = ["x"], optional = true, markers = "os_name == \'nt\'" }\nsimple = "1.0"\n[tool.poetry.group.dev.dependencies.sub]\nversion = "2"\n';
    const deps = parsePyproject(toml).dependencies;
    assert.equal(applyEdits(toml, replacementEdits(deps[0]!, 'new')), toml.replace("'pkg[a]>=1 ; os_name", "'new ; os_name"));
    assert.equal(
      applyEdits(toml, replacementEdits(deps[1]!, 'new')),
      toml.replace(
        'old = { version = "^1", extras = ["x"], optional = true, markers = "os_name == \'nt\'" }',
        'new = { version = "*", optional = true, markers = "os_name == \'nt\'" }',
      ),
    );
    assert.equal(applyEdits(toml, replacementEdits(deps[2]!, 'new')), toml.replace('simple = "1.0"', 'new = "*"'));
    assert.equal(applyEdits(toml, replacementEdits(deps[3]!, 'new')), toml.replace('dependencies.sub]\nversion = "2"', 'dependencies.new]\nversion = "*"'));
  });

  it('moves a pin as the issue asks, in each format', () => {
    const move = (text: string, parse: (t: string) => ParsedFile, version = '2.0.1') => applyEdits(text, pinEdits(parse(text).dependencies[0]!, version)!);
    const req = (t: string) => parseRequirements(t, { env: {} });
    assert.equal(
      move('pkg[extra] == 1.0 ; python_version >= "3.8" \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb  # keep me\nother==2\n', req),
      'pkg[extra] == 2.0.1 ; python_version >= "3.8"  # keep me\nother==2\n',
    );
    assert.equal(move('pkg===1.0\r\n', req), 'pkg===2.0.1\r\n');
    assert.equal(move('pkg (==1.0)\n', req), 'pkg (==2.0.1)\n');
    assert.equal(
      move('[project]\ndependencies = [\'pkg[a]==1.0 ; os_name == "nt"\']  # note\n', parsePyproject),
      '[project]\ndependencies = [\'pkg[a]==2.0.1 ; os_name == "nt"\']  # note\n',
    );
    assert.equal(move('[tool.poetry.dependencies]\npkg = "==1.0"\n', parsePyproject), '[tool.poetry.dependencies]\npkg = "==2.0.1"\n');
    assert.equal(
      move("[tool.poetry.dependencies]\npkg = { version = '1.0 ', optional = true }\n", parsePyproject),
      "[tool.poetry.dependencies]\npkg = { version = '2.0.1 ', optional = true }\n",
    );
    assert.equal(move('[tool.poetry.dependencies.pkg]\nversion = "1.0"\n', parsePyproject), '[tool.poetry.dependencies.pkg]\nversion = "2.0.1"\n');
    // A pin the document does not hold as it reads cannot be moved by editing it.
    const fromEnv = parseRequirements('pkg==${PKG_VERSION}\n', { env: { PKG_VERSION: '1.0' } }).dependencies[0]!;
    assert.equal(fromEnv.pinnedVersion, '1.0');
    assert.equal(pinEdits(fromEnv, '2'), undefined);
    assert.equal(pinEdits(parsePyproject('[project]\ndependencies = ["pkg==\\u0031.0"]\n').dependencies[0]!, '2'), undefined);
  });

  it('keeps every field of a Poetry dependency but its version and extras, in every form', () => {
    const replace = (toml: string) => {
      const deps = parsePyproject(toml).dependencies;
      assert.equal(deps.length, 1, toml);
      const after = applyEdits(toml, replacementEdits(deps[0]!, 'new'));
      const reparsed = parsePyproject(after);
      assert.deepEqual(reparsed.problems, [], after);
      assert.deepEqual(
        reparsed.dependencies.map((d) => [d.name, d.extras]),
        [['new', []]],
        after,
      );
      return after;
    };
    // platform, allow-prereleases and source say where and how it is installed: dropping them would widen that.
    assert.equal(
      replace(
        '[tool.poetry.dependencies]\nold = { version = "^1", extras = ["x"], platform = "linux", allow-prereleases = true, source = "internal", python = "<3.9", optional = true }\n',
      ),
      '[tool.poetry.dependencies]\nnew = { version = "*", platform = "linux", allow-prereleases = true, source = "internal", python = "<3.9", optional = true }\n',
    );
    assert.equal(
      replace('[tool.poetry.dependencies.old]\nversion = "^1"\nextras = ["x"]\nplatform = "linux"\n'),
      '[tool.poetry.dependencies.new]\nversion = "*"\nextras = []\nplatform = "linux"\n',
    );
  });

  it('renames a Poetry dependency everywhere its name is written', () => {
    const replace = (toml: string) => {
      const before = parsePyproject(toml).dependencies;
      const after = applyEdits(
        toml,
        replacementEdits(
          before.find((d) => d.name === 'old')!,
          'new',
        ),
      );
      const reparsed = parsePyproject(after);
      assert.deepEqual(reparsed.problems, [], after);
      assert.deepEqual(
        reparsed.dependencies.map((d) => d.name),
        before.map((d) => (d.name === 'old' ? 'new' : d.name)),
        after,
      );
      return after;
    };
    assert.equal(
      replace('[tool.poetry.dependencies]\nold.version = "^1"\nkeep = "1"\nold.markers = "os_name == \'nt\'"\nold.extras = ["x"]\n'),
      '[tool.poetry.dependencies]\nnew.version = "*"\nkeep = "1"\nnew.markers = "os_name == \'nt\'"\nnew.extras = []\n',
    );
    assert.equal(
      replace(
        '[[tool.poetry.dependencies.old]]\nversion = "1.24"\npython = "<3.12"\n[[tool.poetry.dependencies."old"]]\nversion = "1.26"\npython = ">=3.12"\n',
      ),
      '[[tool.poetry.dependencies.new]]\nversion = "*"\npython = "<3.12"\n[[tool.poetry.dependencies."new"]]\nversion = "*"\npython = ">=3.12"\n',
    );
  });
});

describe('edits that keep a TOML file meaning what it says', () => {
  it('quotes a new Poetry name that a bare key cannot hold, in every form', () => {
    const replace = (toml: string) => {
      const old = parsePyproject(toml).dependencies.find((d) => d.name === 'old')!;
      const after = applyEdits(toml, replacementEdits(old, 'ruamel.yaml'));
      const reparsed = parsePyproject(after);
      assert.deepEqual(reparsed.problems, [], after);
      assert.ok(
        reparsed.dependencies.some((d) => d.name === 'ruamel.yaml'),
        after,
      );
      assert.ok(!reparsed.dependencies.some((d) => d.name === 'ruamel' || d.name === 'old'), after);
      return after;
    };
    assert.equal(replace('[tool.poetry.dependencies]\nold = "^1.0"\n'), '[tool.poetry.dependencies]\n"ruamel.yaml" = "*"\n');
    assert.equal(replace('[tool.poetry.dependencies]\n"old" = "^1.0"\n'), '[tool.poetry.dependencies]\n"ruamel.yaml" = "*"\n');
    assert.equal(
      replace('[tool.poetry.dependencies]\nold = { version = "^1.0", optional = true }\n'),
      '[tool.poetry.dependencies]\n"ruamel.yaml" = { version = "*", optional = true }\n',
    );
    assert.equal(replace('[tool.poetry.dependencies.old]\nversion = "^1.0"\n'), '[tool.poetry.dependencies."ruamel.yaml"]\nversion = "*"\n');
    assert.equal(
      replace('[tool.poetry.dependencies]\nold.version = "^1"\nold.optional = true\n'),
      '[tool.poetry.dependencies]\n"ruamel.yaml".version = "*"\n"ruamel.yaml".optional = true\n',
    );
    // A name a bare key can hold stays bare.
    const plain = parsePyproject('[tool.poetry.dependencies]\nold = "^1.0"\n').dependencies[0]!;
    assert.equal(
      applyEdits('[tool.poetry.dependencies]\nold = "^1.0"\n', replacementEdits(plain, 'new_name-2')),
      '[tool.poetry.dependencies]\nnew_name-2 = "*"\n',
    );
  });

  it('offers no ignore comment where a multi-line string runs across the line end', () => {
    const commentable = (toml: string) =>
      parsePyproject(toml)
        .dependencies.filter((d) => d.commentAt !== undefined)
        .map((d) => d.name);
    assert.deepEqual(commentable('[project]\ndependencies = ["oldpkg==1.0", """\nrequests"""]\n'), []);
    assert.deepEqual(commentable('[tool.poetry.dependencies]\noldpkg = """\n1.0"""\n'), []);
    assert.deepEqual(commentable('[tool.poetry.dependencies]\noldpkg = { version = """1.0\n""" }\n'), []);
    // Elsewhere the comment goes at the line end and silences just that dependency.
    const toml = '[project]\ndependencies = [\n  "oldpkg==1.0",\n  """requests""",\n]\n';
    assert.deepEqual(commentable(toml), ['oldpkg']);
    const after = applyEdits(toml, [ignoreCommentEdit(parsePyproject(toml).dependencies[0]!)!]);
    assert.deepEqual(
      parsePyproject(after).dependencies.map((d) => [d.name, d.ignored]),
      [
        ['oldpkg', true],
        ['requests', false],
      ],
    );
  });
});

describe('alternatives', () => {
  it('reads the phrases maintainers use, and nothing else', () => {
    const names = (text: string, self = 'old') => candidatesFromText(text, self).map((c) => c.name);
    assert.deepEqual(names('This package is deprecated, use `new-thing` instead.'), ['new-thing']);
    assert.deepEqual(names('snowchange is now schemachange', 'snowchange'), ['schemachange']);
    assert.deepEqual(names('This package has been renamed. Use `pip install schemachange` instead.', 'snowchange'), ['schemachange']);
    assert.deepEqual(names('Superseded by **httpx**; see https://pypi.org/project/httpx/'), ['httpx']);
    assert.deepEqual(names('It was replaced by the requests-toolbelt package. Moved to pkg.two'), ['requests-toolbelt', 'pkg.two']);
    assert.deepEqual(names('Successor: foo-bar. Deprecated in favour of baz'), ['foo-bar', 'baz']);
    assert.deepEqual(names('This project is now archived. Use it instead. Replaced by old.'), [], 'stop words and the project itself');
    assert.deepEqual(names('Other-lib is now something-else'), [], '"X is now Y" only when X is the project');
  });

  it('ships a curated table that validates against its schema', () => {
    const dir = path.join(REPO_ROOT, 'server', 'data');
    const schema = JSON.parse(readFileSync(path.join(dir, 'alternatives.schema.json'), 'utf8')) as object;
    const data = JSON.parse(readFileSync(path.join(dir, 'alternatives.json'), 'utf8')) as {
      entries: Record<string, { alternatives: string[]; source: string }>;
    };
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    assert.ok(validate(data), JSON.stringify(validate.errors));
    for (const [name, entry] of Object.entries(data.entries)) {
      assert.equal(name, normalizeName(name), `${name} is normalized`);
      for (const alt of entry.alternatives) {
        assert.ok(isValidProjectName(alt));
        assert.notEqual(normalizeName(alt), name);
      }
      assert.doesNotThrow(() => new URL(entry.source));
    }
  });
});
