/** The index configuration readers (pip, uv, Poetry, PDM, .netrc) and the resolver's precedence, on a fake machine. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDocument } from '../../server/src/core/analyze.js';
import { IniError, readIni } from '../../server/src/core/indexConfig/ini.js';
import type { ConfigContext, IndexPlan } from '../../server/src/core/indexConfig/model.js';
import { netrcFor, readNetrc } from '../../server/src/core/indexConfig/netrc.js';
import { pipConfigFiles, readPipConfig } from '../../server/src/core/indexConfig/pip.js';
import { resolveIndexPlan, type ResolveInput } from '../../server/src/core/indexConfig/resolve.js';
import { globToRegExp } from '../../server/src/core/indexConfig/uvProject.js';

const DATA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'data', 'index-config');
const data = (name: string) => readFileSync(path.join(DATA, name), 'utf8');
const PYPI = 'https://pypi.org/simple/';

function machine(
  files: Record<string, string>,
  env: Record<string, string> = {},
  platform: NodeJS.Platform = 'linux',
  roots: string[] = ['/work/project'],
): ConfigContext {
  return {
    env,
    home: platform === 'win32' ? 'C:\\Users\\me' : '/home/me',
    platform,
    workspaceRoots: roots,
    readFile: (file) => files[file],
    exists: (file) => file in files,
  };
}

function plan(ctx: ConfigContext, file: string, text: string, trusted = true, extra: Partial<ResolveInput> = {}): IndexPlan {
  const kind = file.endsWith('pyproject.toml') ? 'pyproject' : 'requirements';
  return resolveIndexPlan({ file, kind, parsed: parseDocument(kind, text, ctx.env), trusted, ...extra }, ctx);
}

const urls = (p: IndexPlan) => p.indexes.map((r) => r.url);

describe('pip configuration files (configparser semantics)', () => {
  const cases = [
    '[global]\nindex-url = https://a.example/simple\n',
    '[global]\nextra-index-url =\n    https://a.example/simple\n\n    https://b.example/simple\n# note\n  https://c.example/x\n[install]\nno-index: yes\n',
    '[DEFAULT]\ntimeout = 5\n[global]\nIndex-URL = x\n',
    ';c\n[a]\nk=v\n  more\n[b]\nk = 1\n',
    '[global]\nk = 1\nk = 2\n',
    'k = 1\n[global]\n',
    '[global]\njust words\n',
    '[global]\n[global]\n',
    data('datadog-pip.conf'),
    data('cocotb-pip.ini'),
    data('openhands-pip.conf'),
  ];
  // Python's own reader, as pip uses it: the same sections and values, or an error both ways.
  const python = execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      'import configparser,json,sys\nout=[]\nfor t in json.load(sys.stdin):\n  p=configparser.RawConfigParser()\n  try:\n    p.read_string(t)\n    out.append({s: dict(p.items(s)) for s in p.sections()})\n  except configparser.Error:\n    out.append(None)\nprint(json.dumps(out))',
    ],
    { input: JSON.stringify(cases), encoding: 'utf8' },
  );
  const expected = JSON.parse(python) as (Record<string, Record<string, string>> | null)[];
  for (const [i, text] of cases.entries()) {
    it(`reads case ${i} as Python does`, () => {
      let ours: Record<string, Record<string, string>> | null;
      try {
        ours = Object.fromEntries([...readIni(text)].map(([s, o]) => [s, Object.fromEntries(o)]));
      } catch (e) {
        assert.ok(e instanceof IniError);
        ours = null;
      }
      assert.deepEqual(ours, expected[i]);
    });
  }
});

describe('pip configuration', () => {
  it("reads the files in pip's order on Linux, macOS and Windows", () => {
    assert.deepEqual(pipConfigFiles(machine({}, { XDG_CONFIG_DIRS: '/x:/y', VIRTUAL_ENV: '/venv' })), [
      '/x/pip/pip.conf',
      '/y/pip/pip.conf',
      '/etc/pip.conf',
      '/home/me/.pip/pip.conf',
      '/home/me/.config/pip/pip.conf',
      '/venv/pip.conf',
    ]);
    assert.deepEqual(pipConfigFiles(machine({}, {}, 'darwin')), [
      '/Library/Application Support/pip/pip.conf',
      '/home/me/.pip/pip.conf',
      '/home/me/.config/pip/pip.conf',
    ]);
    assert.deepEqual(pipConfigFiles(machine({}, { APPDATA: 'C:\\Users\\me\\AppData\\Roaming', ProgramData: 'C:\\ProgramData' }, 'win32')), [
      'C:\\ProgramData\\pip\\pip.ini',
      'C:\\Users\\me\\pip\\pip.ini',
      'C:\\Users\\me\\AppData\\Roaming\\pip\\pip.ini',
    ]);
    // An existing PIP_CONFIG_FILE replaces the user's files; the null device, every file.
    assert.deepEqual(pipConfigFiles(machine({ '/cfg': '' }, { PIP_CONFIG_FILE: '/cfg' })), ['/etc/xdg/pip/pip.conf', '/etc/pip.conf', '/cfg']);
    assert.deepEqual(pipConfigFiles(machine({}, { PIP_CONFIG_FILE: '/dev/null' })), []);
  });

  it('lets a later file win key by key, [install] win over [global], and a variable over both', () => {
    const files = {
      '/etc/pip.conf': '[install]\nindex-url = https://global-install.example/simple\n',
      '/home/me/.config/pip/pip.conf':
        '[global]\nindex-url = https://user.example/simple\nextra-index-url = https://e1.example/simple https://e2.example/simple\n',
    };
    const config = readPipConfig(machine(files));
    assert.equal(config.indexUrl?.value, 'https://global-install.example/simple');
    assert.deepEqual(config.extraIndexUrls?.value, ['https://e1.example/simple', 'https://e2.example/simple']);
    const env = readPipConfig(machine(files, { PIP_INDEX_URL: 'https://env.example/simple' }));
    assert.equal(env.indexUrl?.from, 'PIP_INDEX_URL');
  });

  it('reads a real pip.conf, and reports a file pip would refuse', () => {
    const p = plan(machine({ '/home/me/.config/pip/pip.conf': data('datadog-pip.conf') }), '/work/project/requirements.txt', 'six\n');
    assert.deepEqual(urls(p), ['https://depot-read-api-python.us1.ddbuild.io/magicmirror/magicmirror/@current/simple/']);
    const broken = plan(machine({ '/etc/pip.conf': '[global]\nindex-url = a\nindex-url = b\n' }), '/work/project/requirements.txt', 'six\n');
    assert.deepEqual(urls(broken), [PYPI]);
    assert.match(broken.warnings.join(), /set twice/);
  });

  it("applies a requirements file's options as pip does, line by line, only when trusted", () => {
    const ctx = machine({}, { PIP_INDEX_URL: 'https://corp.example/simple', PIP_EXTRA_INDEX_URL: 'https://extra.example/simple' });
    assert.deepEqual(urls(plan(ctx, '/work/project/requirements.txt', 'six\n')), ['https://corp.example/simple/', 'https://extra.example/simple/']);
    const text = '--extra-index-url https://b.example/simple\n-i https://a.example/simple\n--extra-index-url https://c.example/simple\nsix\n';
    assert.deepEqual(urls(plan(ctx, '/work/project/requirements.txt', text)), ['https://a.example/simple/', 'https://c.example/simple/']);
    const untrusted = plan(ctx, '/work/project/requirements.txt', text, false);
    assert.deepEqual(urls(untrusted), ['https://corp.example/simple/', 'https://extra.example/simple/']);
    assert.match(untrusted.untrusted.join(), /names its own index/);
    assert.match(plan(machine({}, { PIP_NO_INDEX: 'true' }), '/work/project/requirements.txt', 'six\n').unusable ?? '', /no-index/);
  });

  it('uses a site pip.conf inside the workspace only when trusted', () => {
    const ctx = machine({ '/work/project/.venv/pip.conf': '[global]\nindex-url = https://venv.example/simple\n' }, { VIRTUAL_ENV: '/work/project/.venv' });
    assert.deepEqual(urls(plan(ctx, '/work/project/requirements.txt', 'six\n')), ['https://venv.example/simple/']);
    assert.deepEqual(urls(plan(ctx, '/work/project/requirements.txt', 'six\n', false)), [PYPI]);
  });
});

describe('uv', () => {
  it('pins dependencies to explicit indexes (crewAI), and uses them for nothing else', () => {
    const p = plan(machine({}), '/work/project/pyproject.toml', data('crewai-pyproject.toml'));
    assert.equal(p.tool, 'uv');
    assert.deepEqual(urls(p), [PYPI]);
    // Pinned with markers: the explicit indexes first, PyPI on the other platforms.
    assert.deepEqual(
      p.pinned.get('torch')?.map((r) => r.name ?? r.url),
      ['pytorch-nightly', 'pytorch', PYPI],
    );
    assert.equal(p.pinned.get('pytorch'), undefined);
  });

  it("orders UV_INDEX, the project, the user's uv.toml, and the default index last", () => {
    const files = {
      '/home/me/.config/uv/uv.toml':
        '[[index]]\nname = "user"\nurl = "https://user.example/simple"\n\n[[index]]\nname = "corp"\nurl = "https://corp.example/simple"\ndefault = true\n',
    };
    const pyproject = '[project]\nname = "x"\ndependencies = ["six"]\n[[tool.uv.index]]\nname = "proj"\nurl = "https://proj.example/simple"\n';
    const ctx = machine(files, { UV_INDEX: 'env=https://env.example/simple', UV_INDEX_ENV_USERNAME: 'u', UV_INDEX_ENV_PASSWORD: 'p' });
    const p = plan(ctx, '/work/project/pyproject.toml', pyproject);
    assert.deepEqual(urls(p), ['https://env.example/simple/', 'https://proj.example/simple/', 'https://user.example/simple/', 'https://corp.example/simple/']);
    assert.deepEqual(p.indexes[0]?.credentials, { username: 'u', password: 'p', from: 'UV_INDEX_*_USERNAME/PASSWORD' });
    assert.deepEqual(
      urls(plan(machine(files, { UV_DEFAULT_INDEX: 'https://d.example/simple' }), '/work/project/pyproject.toml', pyproject)).at(-1),
      'https://d.example/simple/',
    );
    // Untrusted: the project's index is left out and said so; the user's are kept.
    const untrusted = plan(ctx, '/work/project/pyproject.toml', pyproject, false);
    assert.deepEqual(urls(untrusted), ['https://env.example/simple/', 'https://user.example/simple/', 'https://corp.example/simple/']);
    assert.match(untrusted.untrusted.join(), /names its own indexes/);
  });

  it('lets a uv.toml beside the project replace its [tool.uv], and reads a real one', () => {
    const files = { '/work/project/uv.toml': '[[index]]\nurl = "https://beside.example/simple"\ndefault = true\n' };
    const p = plan(machine(files), '/work/project/pyproject.toml', data('tgi-uv-pyproject.toml'));
    assert.deepEqual(urls(p), ['https://beside.example/simple/']);
    assert.equal(p.pinned.get('torch')?.[0]?.url, 'https://download.pytorch.org/whl/cu128/');
    const real = plan(machine({ '/work/project/uv.toml': data('uv-test-uv.toml') }), '/work/project/pyproject.toml', '[project]\nname = "x"\n');
    assert.deepEqual(urls(real), [PYPI]);
  });
});

describe('uv workspaces', () => {
  const ROOT = [
    '[project]\nname = "root"\ndependencies = []',
    '[tool.uv.workspace]\nmembers = ["packages/*", "./libs/core"]\nexclude = ["packages/legacy"]',
    '[tool.uv.sources]\nsix = { index = "internal" }\nattrs = { index = "internal" }',
    '[[tool.uv.index]]\nname = "internal"\nurl = "https://internal.example/simple"\nexplicit = true',
    '[[tool.uv.index]]\nname = "mirror"\nurl = "https://mirror.example/simple"',
  ].join('\n');
  const MEMBER = '[project]\nname = "a"\ndependencies = ["six", "attrs", "requests"]\n';
  const root = (extra: Record<string, string> = {}) => machine({ '/work/project/pyproject.toml': ROOT, ...extra });
  const pinnedTo = (p: IndexPlan, dep: string) => p.pinned.get(dep)?.map((r) => r.name ?? r.url);

  it("gives a member with nothing of its own the root's indexes and sources", () => {
    for (const file of ['/work/project/packages/a/pyproject.toml', '/work/project/libs/core/pyproject.toml']) {
      const p = plan(root(), file, MEMBER);
      assert.equal(p.tool, 'uv', file);
      assert.deepEqual(urls(p), ['https://mirror.example/simple/', PYPI]);
      assert.deepEqual(pinnedTo(p, 'six'), ['internal']);
      assert.equal(p.pinned.get('six')?.[0]?.from, '../../pyproject.toml [tool.uv] [[index]]');
    }
  });

  it("lets a member's own sources override the root's, with its own or the root's indexes, and ignores its own settings", () => {
    const member = [
      MEMBER,
      '[tool.uv]\nindex-url = "https://ignored.example/simple"',
      '[tool.uv.sources]\nsix = { index = "mine" }',
      '[[tool.uv.index]]\nname = "mine"\nurl = "https://mine.example/simple"',
    ].join('\n');
    const files = { '/work/project/packages/a/uv.toml': '[[index]]\nurl = "https://ignored-too.example/simple"\ndefault = true\n' };
    const p = plan(root(files), '/work/project/packages/a/pyproject.toml', member);
    // uv reads the root's settings only: the member's index-url, its uv.toml and its non-explicit index serve nothing but pins.
    assert.deepEqual(urls(p), ['https://mirror.example/simple/', PYPI]);
    assert.deepEqual(pinnedTo(p, 'six'), ['mine']);
    assert.deepEqual(pinnedTo(p, 'attrs'), ['internal']);
    // A member's git source for a project replaces the root's index pin of it.
    const fromGit = plan(
      root(),
      '/work/project/packages/a/pyproject.toml',
      `${MEMBER}\n[tool.uv.sources]\nsix = { git = "https://github.com/benjaminp/six" }\n`,
    );
    assert.equal(fromGit.pinned.has('six'), false);
    assert.deepEqual(pinnedTo(fromGit, 'attrs'), ['internal']);
  });

  it("takes the root's uv.toml over its [tool.uv] settings, whose indexes still serve pins", () => {
    const files = { '/work/project/uv.toml': '[[index]]\nname = "corp"\nurl = "https://corp.example/simple"\ndefault = true\n' };
    const p = plan(root(files), '/work/project/packages/a/pyproject.toml', MEMBER);
    assert.deepEqual(urls(p), ['https://corp.example/simple/']);
    assert.equal(p.indexes[0]?.from, '../../uv.toml [[index]]');
    assert.deepEqual(pinnedTo(p, 'six'), ['internal']);
  });

  it('leaves a folder that is not a member alone', () => {
    const own = '[project]\nname = "x"\ndependencies = ["six"]\n[tool.uv]\ndev-dependencies = []\n';
    // Excluded, not matched by the members globs, or below another project: uv does not take it into the workspace.
    const nested = { '/work/project/packages/a/pyproject.toml': MEMBER };
    for (const [file, extra] of [
      ['/work/project/packages/legacy/pyproject.toml', {}],
      ['/work/project/tools/x/pyproject.toml', {}],
      ['/work/project/packages/a/examples/pyproject.toml', nested],
    ] as const) {
      const p = plan(root(extra), file, own);
      assert.deepEqual(urls(p), [PYPI], file);
      assert.equal(p.pinned.size, 0, file);
    }
    // Without anything of uv's, a non-member is not uv's at all.
    assert.equal(plan(root(), '/work/project/tools/x/pyproject.toml', '[project]\nname = "x"\ndependencies = ["six"]\n').tool, 'pip');
    // The root's own file is read as itself.
    const self = plan(root(), '/work/project/pyproject.toml', ROOT);
    assert.deepEqual(pinnedTo(self, 'six'), ['internal']);
  });

  it("uses the root's configuration only in a trusted workspace, and says so", () => {
    const p = plan(root(), '/work/project/packages/a/pyproject.toml', MEMBER, false);
    assert.deepEqual(urls(p), [PYPI]);
    assert.equal(p.pinned.size, 0);
    assert.match(p.untrusted.join(), /names its own indexes in \.\.\/\.\.\/pyproject\.toml \[tool\.uv\]/);
  });

  it("matches members globs as uv's glob crate does", () => {
    const matches = (glob: string, rel: string) => globToRegExp(glob).test(rel);
    assert.ok(matches('packages/*', 'packages/a'));
    assert.ok(matches('packages/*', 'packages/a/b'));
    assert.ok(matches('./libs/core/', 'libs/core'));
    assert.ok(matches('libs/**', 'libs/x/y'));
    assert.ok(matches('pkg-?', 'pkg-1'));
    assert.ok(matches('pkg-[ab]', 'pkg-b'));
    assert.ok(!matches('pkg-[!ab]', 'pkg-b'));
    assert.ok(!matches('packages/*', 'packagesx'));
    assert.ok(!matches('libs.core', 'libsxcore'));
  });
});

describe('Poetry and PDM', () => {
  it('serves an explicit Poetry source only to the dependencies that name it', () => {
    const p = plan(machine({}), '/work/project/pyproject.toml', data('tgi-poetry-pyproject.toml'));
    assert.equal(p.tool, 'poetry');
    assert.deepEqual(urls(p), [PYPI]);
    assert.equal(p.pinned.size, 0);
    const named =
      '[tool.poetry.dependencies]\ntorch = { version = "*", source = "gpu" }\nsix = "*"\n[[tool.poetry.source]]\nname = "gpu"\nurl = "https://gpu.example/simple"\npriority = "explicit"\n';
    assert.deepEqual(
      plan(machine({}), '/work/project/pyproject.toml', named)
        .pinned.get('torch')
        ?.map((r) => r.url),
      ['https://gpu.example/simple/'],
    );
  });

  it("orders Poetry's primary sources before PyPI only when one is a pypi source, supplemental after", () => {
    const text = (extra: string) =>
      `[tool.poetry]\nname = "x"\n[[tool.poetry.source]]\nname = "corp"\nurl = "https://corp.example/simple"\n${extra}[[tool.poetry.source]]\nname = "more"\nurl = "https://more.example/simple"\npriority = "supplemental"\n`;
    assert.deepEqual(urls(plan(machine({}), '/work/project/pyproject.toml', text(''))), ['https://corp.example/simple/', 'https://more.example/simple/']);
    assert.deepEqual(urls(plan(machine({}), '/work/project/pyproject.toml', text('[[tool.poetry.source]]\nname = "PyPI"\npriority = "primary"\n'))), [
      'https://corp.example/simple/',
      PYPI,
      'https://more.example/simple/',
    ]);
    const creds = plan(machine({}, { POETRY_HTTP_BASIC_CORP_USERNAME: 'a', POETRY_HTTP_BASIC_CORP_PASSWORD: 'b' }), '/work/project/pyproject.toml', text(''));
    assert.equal(creds.indexes[0]?.credentials?.username, 'a');
  });

  it('reads PDM sources after PyPI, and PDM_PYPI_URL', () => {
    const p = plan(machine({}), '/work/project/pyproject.toml', data('pdm-demo-pyproject.toml'));
    assert.equal(p.tool, 'pdm');
    assert.deepEqual(urls(p), [PYPI, 'https://test.pypi.org/simple/']);
    assert.deepEqual(
      urls(plan(machine({}, { PDM_PYPI_URL: 'https://mirror.example/simple' }), '/work/project/pyproject.toml', data('pdm-demo-pyproject.toml')))[0],
      'https://mirror.example/simple/',
    );
    const patterns =
      '[project]\nname = "x"\ndependencies = ["corp-lib", "six"]\n[[tool.pdm.source]]\nname = "corp"\nurl = "https://corp.example/simple"\ninclude_packages = ["corp-*"]\n';
    const routed = plan(machine({}), '/work/project/pyproject.toml', patterns);
    assert.deepEqual(
      routed.pinned.get('corp-lib')?.map((r) => r.url),
      ['https://corp.example/simple/'],
    );
    assert.deepEqual(urls(routed), [PYPI]);
  });
});

describe("credentials and the user's override", () => {
  it('reads .netrc as Python does: last entry wins, default, macdef skipped', () => {
    const netrc = readNetrc(
      'machine a.example login x password y\nmacdef init\nmachine evil login z\n\nmachine A.example login u password "p w"\ndefault login d password e\n',
    );
    assert.deepEqual(netrcFor(netrc, 'a.example'), { login: 'u', password: 'p w' });
    assert.deepEqual(netrcFor(netrc, 'other.example'), { login: 'd', password: 'e' });
    assert.equal(netrc.machines.has('evil'), false);
  });

  it('takes credentials from the URL, else the secret store, else .netrc (NETRC first)', () => {
    const files = { '/home/me/.netrc': 'machine corp.example login n password np\n', '/alt': 'machine corp.example login alt password ap\n' };
    const p = plan(machine(files, { PIP_INDEX_URL: 'https://corp.example/simple' }), '/work/project/requirements.txt', 'six\n');
    assert.deepEqual(p.indexes[0]?.credentials, { username: 'n', password: 'np', from: '~/.netrc' });
    assert.equal(
      plan(machine(files, { PIP_INDEX_URL: 'https://corp.example/simple', NETRC: '/alt' }), '/work/project/requirements.txt', 'six\n').indexes[0]?.credentials
        ?.username,
      'alt',
    );
    const inUrl = plan(machine(files, { PIP_INDEX_URL: 'https://me:s%40cret@corp.example/simple' }), '/work/project/requirements.txt', 'six\n');
    assert.deepEqual(inUrl.indexes[0]?.credentials, { username: 'me', password: 's@cret', from: 'the URL in PIP_INDEX_URL' });
    assert.equal(inUrl.indexes[0]?.url, 'https://corp.example/simple/');
    const secret = plan(machine(files, { PIP_INDEX_URL: 'https://corp.example/simple' }), '/work/project/requirements.txt', 'six\n', true, {
      secret: (url) => (url === 'https://corp.example/simple/' ? { username: '__token__', password: 't', from: 'the editor' } : undefined),
    });
    assert.equal(secret.indexes[0]?.credentials?.from, 'the editor');
  });

  it("lets the user's own index replace every tool's configuration", () => {
    const ctx = machine({}, { PIP_INDEX_URL: 'https://corp.example/simple', UV_INDEX: 'https://uv.example/simple' });
    const override = { url: 'https://mine.example/simple/', from: 'pypiStatus.indexUrl' };
    assert.deepEqual(urls(plan(ctx, '/work/project/requirements.txt', 'six\n', true, { override })), ['https://mine.example/simple/']);
    const uv = plan(ctx, '/work/project/pyproject.toml', data('crewai-pyproject.toml'), true, { override });
    assert.deepEqual(urls(uv), ['https://mine.example/simple/']);
    assert.equal(uv.pinned.size, 0);
  });
});
