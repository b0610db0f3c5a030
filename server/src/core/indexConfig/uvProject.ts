/**
 * The project-level uv configuration a pyproject.toml's dependencies are resolved with, found as
 * uv finds it. A workspace member's settings are its workspace root's: uv starts its search at the
 * root and ignores any uv.toml or [tool.uv] settings of members, since the workspace is locked as
 * one. The search takes the nearest folder, walking up, with a uv.toml or a pyproject.toml that has
 * a [tool.uv] table. The root's [tool.uv.sources] apply to every member unless the member's own
 * name the same dependency, and a pin may name an index of the member's [[tool.uv.index]] or of the
 * root's. A folder is a member when the first pyproject.toml above it declares [tool.uv.workspace]
 * and its `members` globs match the folder and its `exclude` globs do not.
 */
import type { ConfigContext } from './model.js';
import { readProjectIndexConfig, readUvToml, type ProjectIndexConfig, type UvPin } from './project.js';
import { paths } from './urls.js';
import type { UvSource } from './uv.js';

export interface UvWorkspaceRoot {
  /** The root's folder. */
  dir: string;
  config: ProjectIndexConfig;
}

export interface UvProject {
  /** The project's settings (the layer whose indexes are looked up), then layers that only name indexes for pins. */
  layers: UvSource[];
  /** The settings layer, when there is one: what an untrusted workspace is told it names. */
  settings?: UvSource;
  /** Normalized dependency name → its index pin, the member's over the root's. */
  sources: Map<string, UvPin>;
  /** The workspace root, when the file is a member's (not the root's own). */
  root?: UvWorkspaceRoot;
}

/** The uv workspace a project folder is a member of (not counting a root's own folder), if any. */
export function findUvWorkspaceRoot(ctx: ConfigContext, projectDir: string): UvWorkspaceRoot | undefined {
  const p = paths(ctx);
  for (let dir = p.dirname(projectDir), last = projectDir; dir !== last; last = dir, dir = p.dirname(dir)) {
    const text = ctx.readFile(p.join(dir, 'pyproject.toml'));
    if (text === undefined) continue;
    // uv looks no further than the first pyproject.toml above: a project that is not a workspace root stops the search.
    const config = readProjectIndexConfig(text);
    const workspace = config.uvWorkspace;
    if (!workspace) return undefined;
    const rel = p.relative(dir, projectDir).split(p.sep).join('/');
    const matches = (globs: string[]) => globs.some((g) => globToRegExp(g).test(rel));
    return matches(workspace.members) && !matches(workspace.exclude) ? { dir, config } : undefined;
  }
  return undefined;
}

/** The uv configuration of the project whose pyproject.toml is `file` (`config` is its own, as the editor holds it). */
export function uvProject(ctx: ConfigContext, file: string, config: ProjectIndexConfig | undefined): UvProject {
  const p = paths(ctx);
  const dir = p.dirname(file);
  const root = config?.uvWorkspace ? undefined : findUvWorkspaceRoot(ctx, dir);
  const known = new Map<string, ProjectIndexConfig | undefined>([[dir, config]]);
  if (root) known.set(root.dir, root.config);
  const settings = nearestSettings(ctx, root?.dir ?? dir, dir, known);
  const layers: UvSource[] = settings ? [settings.source] : [];
  // The member's own [[tool.uv.index]], then the root's pyproject's, name indexes that pins may use.
  for (const [where, own] of [[dir, config] as const, ...(root ? [[root.dir, root.config] as const] : [])]) {
    if (own?.uv && !(settings?.dir === where && settings.isPyproject))
      layers.push({ layer: own.uv, from: label(ctx, dir, where, 'pyproject.toml [tool.uv]'), workspace: true, namesOnly: true });
  }
  const sources = new Map(root?.config.uvSources ?? []);
  for (const [name, pin] of config?.uvSources ?? []) sources.set(name, pin);
  const project: UvProject = { layers, sources };
  if (settings) project.settings = settings.source;
  if (root) project.root = root;
  return project;
}

/** The nearest folder from `start` up with a uv.toml (unless UV_CONFIG_FILE replaces it), else a pyproject.toml with [tool.uv]. */
function nearestSettings(
  ctx: ConfigContext,
  start: string,
  fileDir: string,
  known: Map<string, ProjectIndexConfig | undefined>,
): { source: UvSource; dir: string; isPyproject: boolean } | undefined {
  const p = paths(ctx);
  for (let dir = start, last = ''; dir !== last; last = dir, dir = p.dirname(dir)) {
    const uvToml = ctx.env.UV_CONFIG_FILE ? undefined : ctx.readFile(p.join(dir, 'uv.toml'));
    if (uvToml !== undefined)
      return { source: { layer: readUvToml(uvToml), from: label(ctx, fileDir, dir, 'uv.toml'), workspace: true }, dir, isPyproject: false };
    let config = known.get(dir);
    if (!known.has(dir)) {
      const text = ctx.readFile(p.join(dir, 'pyproject.toml'));
      config = text === undefined ? undefined : readProjectIndexConfig(text);
    }
    if (config?.uv)
      return { source: { layer: config.uv, from: label(ctx, fileDir, dir, 'pyproject.toml [tool.uv]'), workspace: true }, dir, isPyproject: true };
  }
  return undefined;
}

/** `uv.toml` beside the file; `../../pyproject.toml [tool.uv]` for the root's, so that a hover names the file it means. */
function label(ctx: ConfigContext, fileDir: string, dir: string, what: string): string {
  if (dir === fileDir) return what;
  const p = paths(ctx);
  return `${p.relative(fileDir, dir).split(p.sep).join('/')}/${what}`;
}

/**
 * A workspace glob as uv matches it (the `glob` crate's defaults): `*` and `**` also cross `/`, `?` is
 * one character, `[...]` and `[!...]` are classes; a leading `./` and a trailing `/` mean nothing.
 */
export function globToRegExp(glob: string): RegExp {
  const g = glob
    .replace(/\\/g, '/')
    .replace(/^(?:\.\/)+/, '')
    .replace(/\/+$/, '');
  let out = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*') {
      out += '.*';
      while (g[i + 1] === '*') i++;
    } else if (c === '?') out += '.';
    else if (c === '[') {
      const close = g.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      const body = g.slice(i + 1, close);
      out += `[${body.startsWith('!') ? `^${escapeClass(body.slice(1))}` : escapeClass(body)}]`;
      i = close;
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function escapeClass(body: string): string {
  return body.replace(/[\\\]^]/g, '\\$&');
}
