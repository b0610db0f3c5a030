import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRequirements } from '../../server/src/core/requirements.js';
import type { Dependency, Range } from '../../server/src/core/types.js';

function slice(text: string, range: Range): string {
  const lines = text.split(/\r\n|\r|\n/);
  if (range.start.line === range.end.line) return lines[range.start.line]!.slice(range.start.character, range.end.character);
  const parts = [lines[range.start.line]!.slice(range.start.character)];
  for (let l = range.start.line + 1; l < range.end.line; l++) parts.push(lines[l]!);
  parts.push(lines[range.end.line]!.slice(0, range.end.character));
  return parts.join('\n');
}

function names(deps: Dependency[]): string[] {
  return deps.map((d) => d.name);
}

describe('requirements files', () => {
  it('reads names, extras, specifiers, markers and pins with exact name ranges', () => {
    const text = [
      '# comment',
      '',
      'Django>=4.2,<5  # trailing comment',
      'requests[socks, security] == 2.31.0 ; python_version >= "3.8"',
      '  zope.interface===5.0',
      'numpy==1.*',
      'foo-bar_baz.qux~=1.2',
    ].join('\n');
    const { dependencies, problems } = parseRequirements(text);
    assert.deepEqual(problems, []);
    assert.deepEqual(names(dependencies), ['Django', 'requests', 'zope.interface', 'numpy', 'foo-bar_baz.qux']);
    for (const d of dependencies) assert.equal(slice(text, d.nameRange), d.name);
    const [django, requests, zope, numpy, foo] = dependencies;
    assert.equal(django!.specifier, '>=4.2,<5');
    assert.equal(django!.pinnedVersion, undefined);
    assert.deepEqual(requests!.extras, ['socks', 'security']);
    assert.equal(requests!.pinnedVersion, '2.31.0');
    assert.equal(requests!.marker, 'python_version >= "3.8"');
    assert.equal(slice(text, requests!.requirementRange), 'requests[socks, security] == 2.31.0 ; python_version >= "3.8"');
    assert.equal(zope!.pinnedVersion, '5.0');
    assert.equal(numpy!.pinnedVersion, undefined, 'a wildcard is not a pin');
    assert.equal(foo!.normalizedName, 'foo-bar-baz-qux');
  });

  it('joins backslash continuations and keeps ranges on the right physical line', () => {
    const text = 'six==1.16.0 \\\n    --hash=sha256:aaa \\\n    --hash=sha256:bbb\r\nattrs \\\n==23.1\n';
    const { dependencies, problems } = parseRequirements(text);
    assert.deepEqual(problems, []);
    assert.deepEqual(names(dependencies), ['six', 'attrs']);
    assert.deepEqual(dependencies[1]!.nameRange, { start: { line: 3, character: 0 }, end: { line: 3, character: 5 } });
    assert.equal(dependencies[1]!.pinnedVersion, '23.1');
  });

  it('records -r/-c includes, index options, and skips editables, URLs and paths', () => {
    const text = [
      '-r base.txt',
      '--requirement=dev.txt',
      '-cconstraints.txt',
      '-i https://user:secret@example.com/simple',
      '--extra-index-url=https://extra.example.com/simple/',
      '--extra-index https://abbrev.example.com/',
      '-e git+https://github.com/pypa/sampleproject.git#egg=sampleproject',
      '-e .',
      './local/pkg',
      'pkg-1.0.tar.gz',
      'https://example.com/a-1.0.whl',
      'flask @ https://files.example.com/flask-3.0.0-py3-none-any.whl',
      '--find-links https://example.com/wheels',
    ].join('\n');
    const parsed = parseRequirements(text);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.includes.map((i) => [i.kind, i.path, slice(text, i.range)]),
      [
        ['requirement', 'base.txt', 'base.txt'],
        ['requirement', 'dev.txt', 'dev.txt'],
        ['constraint', 'constraints.txt', 'constraints.txt'],
      ],
    );
    assert.deepEqual(
      parsed.indexUrls.map((u) => [u.url, u.extra]),
      [
        ['https://user:secret@example.com/simple', false],
        ['https://extra.example.com/simple/', true],
        ['https://abbrev.example.com/', true],
      ],
    );
    assert.deepEqual(names(parsed.dependencies), ['flask']);
    assert.equal(parsed.dependencies[0]!.url, 'https://files.example.com/flask-3.0.0-py3-none-any.whl');
  });

  it('expands ${VAR} like pip and maps the name back to the reference', () => {
    const text = '${PKG}==1.0\n${UNSET}==2\nplain${lower}\n';
    const { dependencies, problems } = parseRequirements(text, { env: { PKG: 'tablib', lower: 'x' } });
    assert.equal(dependencies[0]!.name, 'tablib');
    assert.deepEqual(dependencies[0]!.nameRange, { start: { line: 0, character: 0 }, end: { line: 0, character: 6 } });
    // pip leaves unset variables and lower-case names as written: both lines are invalid.
    assert.equal(dependencies.length, 1);
    assert.equal(problems.length, 2);
    assert.ok(problems.every((p) => p.code === 'invalid-requirement'));
  });

  it('treats # as a comment only at line start or after whitespace', () => {
    const text = 'foo==1.0#notacomment\nbar==2 # comment\n#baz\n';
    const parsed = parseRequirements(text);
    assert.deepEqual(names(parsed.dependencies), ['bar']);
    assert.equal(parsed.problems.length, 1, 'foo==1.0#notacomment is not a valid requirement for pip');
  });

  it('honours # pypi-status: ignore on the line', () => {
    const parsed = parseRequirements('pepy==2.1.1  # pypi-status: ignore\npil # PyPI-Status:Ignore because\nsix\n');
    assert.deepEqual(
      parsed.dependencies.map((d) => [d.name, d.ignored]),
      [
        ['pepy', true],
        ['pil', true],
        ['six', false],
      ],
    );
  });

  it('offers a place for the ignore comment that keeps the requirement, except after a backslash that ends the file', () => {
    const withComment = (text: string) => {
      const dep = parseRequirements(text).dependencies[0]!;
      if (!dep.commentAt) return undefined;
      const at = text.split('\n').slice(0, dep.commentAt.line).join('\n').length + (dep.commentAt.line > 0 ? 1 : 0) + dep.commentAt.character;
      return text.slice(0, at) + '  # pypi-status: ignore' + text.slice(at);
    };
    assert.equal(withComment('pepy==2.1.1\nsix\n'), 'pepy==2.1.1  # pypi-status: ignore\nsix\n');
    assert.equal(withComment('pepy==2.1.1 \\\n  --hash=sha256:abc\n'), 'pepy==2.1.1 \\\n  --hash=sha256:abc  # pypi-status: ignore\n');
    // pip accepts a final backslash; a comment after it would be joined into the requirement.
    assert.equal(withComment('pepy==2.1.1 \\'), undefined);
    assert.equal(parseRequirements('pepy==2.1.1 \\').dependencies[0]!.name, 'pepy');
  });

  it('keeps going after bad lines and reports each one where it is', () => {
    const text = 'good==1\nnot a requirement!\n--no-such-option x\nalso-good\n--only-binary=:all: hidden==1.0\nbad ; python_version >>> "3"\n';
    const parsed = parseRequirements(text);
    assert.deepEqual(names(parsed.dependencies), ['good', 'also-good']);
    assert.deepEqual(
      parsed.problems.map((p) => [p.code, p.range.start.line]),
      [
        ['invalid-requirement', 1],
        ['invalid-option', 2],
        ['ignored-by-pip', 4],
        ['invalid-requirement', 5],
      ],
    );
    assert.equal(slice(text, parsed.problems[2]!.range), 'hidden==1.0');
  });

  it('handles a file without a final newline, CRLF and lone CR line ends', () => {
    const parsed = parseRequirements('a==1\r\nb==2\rc==3');
    assert.deepEqual(
      parsed.dependencies.map((d) => [d.name, d.nameRange.start.line]),
      [
        ['a', 0],
        ['b', 1],
        ['c', 2],
      ],
    );
  });
});
