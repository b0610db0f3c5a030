/**
 * Which indexes answer for a file's dependencies, by the rules of the tool that installs the
 * file: a requirements file, pip's configuration and the file's own options (as pip applies
 * them line by line); a pyproject.toml, uv's, Poetry's or PDM's configuration (whichever manages
 * the project), else pip's. The user's own index setting replaces all the tools' configuration.
 * What the workspace names is used only in a trusted workspace; credentials come from the
 * configuration, the environment, the editor's secret storage or `.netrc`.
 */
import { normalizeName } from '../pep508.js';
import { PYPI_SIMPLE_URL } from '../settings.js';
import type { ParsedFile } from '../types.js';
import { loadNetrc, withMachineCredentials, type SecretLookup } from './credentials.js';
import { indexLabel, type ConfigContext, type IndexPlan, type IndexRef, type Tool } from './model.js';
import { pdmIndexes } from './pdm.js';
import { readPipConfig } from './pip.js';
import { poetryIndexes } from './poetry.js';
import { splitIndexUrl, paths } from './urls.js';
import { uvIndexes, uvMachineFiles, type UvSource } from './uv.js';
import { findUvWorkspaceRoot, uvProject, type UvProject } from './uvProject.js';

export interface ResolveInput {
  /** Absolute path of the file. */
  file: string;
  kind: 'requirements' | 'pyproject';
  parsed: ParsedFile;
  trusted: boolean;
  /** The user's own index (pypiStatus.indexUrl, --index-url, PYPI_STATUS_INDEX_URL), when set. */
  override?: { url: string; from: string };
  secret?: SecretLookup;
}

const PYPI: IndexRef = { url: PYPI_SIMPLE_URL, from: 'the default (PyPI)', workspace: false, credentialHint: '' };

export function resolveIndexPlan(input: ResolveInput, ctx: ConfigContext): IndexPlan {
  const plan = trustFilter(input.kind === 'requirements' ? requirementsPlan(input, ctx) : pyprojectPlan(input, ctx), input.trusted);
  const netrc = loadNetrc(ctx);
  const credit = (ref: IndexRef) => withMachineCredentials(ref, netrc, input.secret);
  plan.indexes = plan.indexes.map(credit);
  for (const [name, refs] of plan.pinned) plan.pinned.set(name, refs.map(credit));
  return plan;
}

function overrideRef(input: ResolveInput): IndexRef | undefined {
  if (!input.override) return undefined;
  const split = splitIndexUrl(input.override.url, input.override.from);
  if (!split) return undefined;
  const ref: IndexRef = {
    url: split.url,
    from: input.override.from,
    workspace: false,
    credentialHint: `a ~/.netrc entry for ${new URL(split.url).hostname}, or the URL in ${input.override.from}`,
  };
  if (split.credentials) ref.credentials = split.credentials;
  return ref;
}

function emptyPlan(tool: Tool, indexes: IndexRef[]): IndexPlan {
  return { tool, indexes, pinned: new Map(), untrusted: [], warnings: [] };
}

function requirementsPlan(input: ResolveInput, ctx: ConfigContext): IndexPlan {
  const override = overrideRef(input);
  const plan = emptyPlan('pip', override ? [override] : []);
  if (!override) {
    const pip = readPipConfig(ctx);
    plan.warnings.push(...pip.warnings);
    if (pip.noIndex?.value) plan.unusable = `pip's configuration sets no-index (${pip.noIndex.from})`;
    const index = pip.indexUrl ? toRef(pip.indexUrl.value, pip.indexUrl.from, pip.indexUrl.workspace, plan) : undefined;
    plan.indexes.push(index ?? PYPI);
    for (const url of pip.extraIndexUrls?.value ?? []) {
      const ref = toRef(url, pip.extraIndexUrls!.from, pip.extraIndexUrls!.workspace, plan);
      if (ref) plan.indexes.push(ref);
    }
  }
  const { parsed } = input;
  if (parsed.indexUrls.length === 0 && !parsed.noIndex) return trustFilter(plan, input.trusted);
  if (!input.trusted) {
    plan.untrusted.push(`this file names its own index (${parsed.noIndex ? '--no-index' : parsed.indexUrls.map((u) => hostOf(u.url)).join(', ')})`);
    return trustFilter(plan, false);
  }
  if (parsed.noIndex) {
    plan.unusable = 'this file installs with --no-index';
    return plan;
  }
  const from = paths(ctx).basename(input.file);
  for (const option of parsed.indexUrls) {
    const ref = toRef(option.url, `${from} ${option.extra ? '--extra-index-url' : '--index-url'}`, true, plan);
    if (!ref) {
      plan.unusable = `this file's index is not an http(s) index`;
      return plan;
    }
    // pip: --index-url replaces every index so far (the configuration's extra ones too); --extra-index-url adds one.
    if (option.extra) plan.indexes.push(ref);
    else plan.indexes = [ref];
  }
  plan.indexes = dedupe(plan.indexes);
  return plan;
}

function pyprojectPlan(input: ResolveInput, ctx: ConfigContext): IndexPlan {
  const override = overrideRef(input);
  const config = input.parsed.projectIndexes;
  const p = paths(ctx);
  const dir = p.dirname(input.file);
  const beside = (name: string) => ctx.exists(p.join(dir, name));
  // A uv workspace member is uv's even with nothing of uv's beside it: the lock and the settings are the root's.
  const uvMember = () => !config?.uvWorkspace && findUvWorkspaceRoot(ctx, dir) !== undefined;
  const tool: Tool =
    beside('uv.lock') || config?.tools.uv || beside('uv.toml') || uvMember()
      ? 'uv'
      : beside('poetry.lock') || config?.tools.poetry
        ? 'poetry'
        : beside('pdm.lock') || config?.tools.pdm
          ? 'pdm'
          : 'pip';
  if (override) return emptyPlan(tool, [override]);
  if (tool === 'pip') return requirementsPlan({ ...input, kind: 'requirements', parsed: { ...input.parsed, indexUrls: [], noIndex: false } }, ctx);
  const plan = emptyPlan(tool, []);
  const names = input.parsed.dependencies.map((d) => d.normalizedName);
  if (tool === 'uv') uvPlan(plan, input, ctx, uvProject(ctx, input.file, config));
  else if (tool === 'poetry') {
    const sources = input.trusted ? (config?.poetry ?? []) : [];
    if (!input.trusted && config?.poetry?.length)
      plan.untrusted.push(`this file names its own Poetry sources (${config.poetry.map((s) => s.name).join(', ')})`);
    const poetry = poetryIndexes(ctx, sources, 'pyproject.toml');
    plan.warnings.push(...poetry.warnings);
    plan.indexes = poetry.general;
    for (const [dep, source] of input.trusted ? (config?.poetryPins ?? []) : []) pin(plan, dep, [source.toLowerCase()], poetry.named, false);
  } else {
    const sources = input.trusted ? (config?.pdm ?? []) : [];
    if (!input.trusted && config?.pdm?.length) plan.untrusted.push(`this file names its own PDM sources (${config.pdm.map((s) => s.name).join(', ')})`);
    const pdm = pdmIndexes(ctx, sources, 'pyproject.toml', names);
    plan.warnings.push(...pdm.warnings);
    plan.indexes = pdm.general;
    for (const [dep, refs] of pdm.pinned) plan.pinned.set(dep, refs);
  }
  return plan;
}

function uvPlan(plan: IndexPlan, input: ResolveInput, ctx: ConfigContext, project: UvProject): void {
  const { settings } = project;
  const layers: UvSource[] = input.trusted ? [...project.layers] : [];
  if (!input.trusted && settings && (settings.layer.indexes.length > 0 || settings.layer.indexUrl !== undefined || settings.layer.extraIndexUrls.length > 0))
    plan.untrusted.push(`this project names its own indexes in ${settings.from}`);
  layers.push(...uvMachineFiles(ctx));
  const uv = uvIndexes(ctx, layers);
  plan.warnings.push(...uv.warnings);
  plan.indexes = uv.general;
  if (!input.trusted) return;
  for (const [dep, { indexes, partial }] of project.sources) if (indexes.length > 0) pin(plan, dep, indexes, uv.named, partial);
}

/** Pins a dependency to named indexes (then the general ones, when the pin covers only some platforms). */
function pin(plan: IndexPlan, dep: string, names: string[], named: Map<string, IndexRef>, partial: boolean): void {
  const refs = names.map((n) => named.get(n));
  const missing = names.filter((_, i) => refs[i] === undefined);
  if (missing.length > 0) {
    plan.warnings.push(`pyproject.toml: ${dep} names the index ${missing.join(', ')}, which is not defined; its installer would fail`);
    return;
  }
  const chosen = refs as IndexRef[];
  plan.pinned.set(normalizeName(dep), dedupe(partial ? [...chosen, ...plan.indexes] : chosen));
}

function toRef(raw: string, from: string, workspace: boolean, plan: IndexPlan): IndexRef | undefined {
  const split = splitIndexUrl(raw, from);
  if (!split) {
    plan.warnings.push(`${from}: not an http(s) index URL; ignored`);
    return undefined;
  }
  const ref: IndexRef = { url: split.url, from, workspace, credentialHint: `a ~/.netrc entry for ${new URL(split.url).hostname}, or the URL in ${from}` };
  if (split.credentials) ref.credentials = split.credentials;
  return ref;
}

/** Without what the workspace names, when it is not trusted; PyPI when nothing is left. */
function trustFilter(plan: IndexPlan, trusted: boolean): IndexPlan {
  if (trusted) return plan;
  const kept = plan.indexes.filter((r) => !r.workspace);
  for (const ref of plan.indexes) if (ref.workspace) plan.untrusted.push(`${ref.from} names ${indexLabel(ref)}`);
  plan.indexes = kept.length > 0 ? kept : [PYPI];
  return plan;
}

/** The first of each URL: asking an index twice cannot change its answer. */
function dedupe(refs: IndexRef[]): IndexRef[] {
  return refs.filter((r, i) => refs.findIndex((o) => o.url === r.url) === i);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'a non-http location';
  }
}
