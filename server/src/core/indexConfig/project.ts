/**
 * The index configuration a pyproject.toml or uv.toml holds: uv's indexes and sources, Poetry's
 * sources and the dependencies that name one, PDM's sources. Read with the data reader of lock
 * files (the syntax tree the dependency walk uses has no values); a file that names none of these
 * tables is not read twice.
 */
import { normalizeName } from '../pep508.js';
import { asArray, asString, asTable, readToml, tablesOf, type TomlTable, type TomlValue } from '../lock/toml.js';

export interface NamedIndex {
  name?: string;
  url: string;
  default?: boolean;
  explicit?: boolean;
}

/** uv's index settings of one configuration layer (a uv.toml, or a pyproject's [tool.uv]). */
export interface UvLayer {
  indexes: NamedIndex[];
  indexUrl?: string;
  extraIndexUrls: string[];
}

export interface UvPin {
  /** Index names, in the order written. */
  indexes: string[];
  /** Some entry has a marker (or is not an index): elsewhere the default indexes serve. */
  partial: boolean;
}

export interface PoetrySource {
  name: string;
  url?: string;
  /** primary, supplemental, explicit (and the deprecated default, secondary). */
  priority: string;
}

export interface PdmSource {
  name: string;
  url: string;
  type: string;
  include: string[];
  exclude: string[];
}

export interface ProjectIndexConfig {
  uv?: UvLayer;
  /** Normalized dependency name → [tool.uv.sources] index pins (none for a git, path or URL source). */
  uvSources: Map<string, UvPin>;
  /** [tool.uv.workspace]: this file is a uv workspace's root; its globs say which folders are members. */
  uvWorkspace?: { members: string[]; exclude: string[] };
  poetry?: PoetrySource[];
  /** Normalized dependency name → the Poetry source it names. */
  poetryPins: Map<string, string>;
  pdm?: PdmSource[];
  /** Which tools' tables the file has (a [tool.poetry] without sources still says Poetry installs it). */
  tools: { uv: boolean; poetry: boolean; pdm: boolean };
}

const MENTIONS = /tool\s*\.\s*(?:uv|poetry|pdm)|^\s*\[\s*tool\s*\]|\bindex|\bsource/m;

/** The configuration in a pyproject.toml's text (only what is well-formed; the dependency walk reports errors). */
export function readProjectIndexConfig(text: string): ProjectIndexConfig {
  const config: ProjectIndexConfig = { uvSources: new Map(), poetryPins: new Map(), tools: { uv: false, poetry: false, pdm: false } };
  if (!MENTIONS.test(text)) return config;
  const tool = asTable(readToml(text).root.tool);
  if (!tool) return config;
  const uv = asTable(tool.uv);
  const poetry = asTable(tool.poetry);
  const pdm = asTable(tool.pdm);
  config.tools = { uv: uv !== undefined, poetry: poetry !== undefined, pdm: pdm !== undefined };
  if (uv) {
    config.uv = uvLayer(uv);
    readUvSources(asTable(uv.sources), config.uvSources);
    const workspace = asTable(uv.workspace);
    if (workspace) config.uvWorkspace = { members: stringList(workspace.members), exclude: stringList(workspace.exclude) };
  }
  if (poetry) readPoetry(poetry, config);
  if (pdm && pdm.source !== undefined) {
    config.pdm = tablesOf(pdm.source).flatMap((s) => {
      const name = asString(s.name);
      const url = asString(s.url);
      if (name === undefined || url === undefined) return [];
      return [{ name, url, type: asString(s.type) ?? 'index', include: stringList(s.include_packages), exclude: stringList(s.exclude_packages) }];
    });
  }
  return config;
}

/** A uv.toml's index settings (the same keys as [tool.uv], at the top level). */
export function readUvToml(text: string): UvLayer {
  return uvLayer(readToml(text).root);
}

function uvLayer(table: TomlTable): UvLayer {
  const layer: UvLayer = { indexes: [], extraIndexUrls: stringList(table['extra-index-url']) };
  const indexUrl = asString(table['index-url']);
  if (indexUrl !== undefined) layer.indexUrl = indexUrl;
  for (const entry of tablesOf(table.index)) {
    const url = asString(entry.url);
    if (url === undefined) continue;
    const index: NamedIndex = { url };
    const name = asString(entry.name);
    if (name !== undefined) index.name = name;
    if (entry.default === true) index.default = true;
    if (entry.explicit === true) index.explicit = true;
    layer.indexes.push(index);
  }
  return layer;
}

function readUvSources(sources: TomlTable | undefined, into: Map<string, UvPin>): void {
  for (const [name, value] of Object.entries(sources ?? {})) {
    const entries = Array.isArray(value) ? tablesOf(value) : asTable(value) ? [asTable(value)!] : [];
    const indexes = entries.map((e) => asString(e.index)).filter((i): i is string => i !== undefined);
    // A git, path or URL source pins to no index, yet it is the project's entry: a workspace member's
    // replaces the root's for that project, as uv merges them.
    if (indexes.length === 0) {
      into.set(normalizeName(name), { indexes: [], partial: false });
      continue;
    }
    const partial = entries.some((e) => e.index === undefined || e.marker !== undefined);
    into.set(normalizeName(name), { indexes: [...new Set(indexes)], partial });
  }
}

function readPoetry(poetry: TomlTable, config: ProjectIndexConfig): void {
  if (poetry.source !== undefined) {
    config.poetry = tablesOf(poetry.source).flatMap((s) => {
      const name = asString(s.name);
      if (name === undefined) return [];
      const source: PoetrySource = {
        name,
        priority: asString(s.priority) ?? (s.default === true ? 'default' : s.secondary === true ? 'secondary' : 'primary'),
      };
      const url = asString(s.url);
      if (url !== undefined) source.url = url;
      return [source];
    });
  }
  const tables = [asTable(poetry.dependencies), asTable(poetry['dev-dependencies'])];
  for (const group of Object.values(asTable(poetry.group) ?? {})) tables.push(asTable(asTable(group)?.dependencies));
  for (const deps of tables) {
    for (const [name, value] of Object.entries(deps ?? {})) {
      const source = sourceOf(value);
      if (source !== undefined) config.poetryPins.set(normalizeName(name), source);
    }
  }
}

/** The source a Poetry dependency names: in its table, or in the first of its constraints that names one. */
function sourceOf(value: TomlValue): string | undefined {
  const table = asTable(value);
  if (table) return asString(table.source);
  for (const entry of asArray(value)) {
    const source = asString(asTable(entry)?.source);
    if (source !== undefined) return source;
  }
  return undefined;
}

function stringList(value: TomlValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  return asArray(value).filter((v): v is string => typeof v === 'string');
}
