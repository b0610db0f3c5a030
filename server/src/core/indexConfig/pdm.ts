/**
 * PDM's sources: PyPI (or PDM_PYPI_URL, or a source named `pypi`) first, then the others in order.
 * A source whose `include_packages` matches a dependency is the only one asked for it; a source
 * is never asked for the dependencies its `exclude_packages` matches. `find_links` sources are
 * not indexes and are left out.
 */
import { PYPI_SIMPLE_URL } from '../settings.js';
import type { ConfigContext, IndexRef } from './model.js';
import type { PdmSource } from './project.js';
import { splitIndexUrl } from './urls.js';

export interface PdmIndexes {
  general: IndexRef[];
  /** Normalized dependency name → its indexes, where include/exclude patterns change them. */
  pinned: Map<string, IndexRef[]>;
  warnings: string[];
}

export function pdmIndexes(ctx: ConfigContext, sources: readonly PdmSource[], from: string, names: readonly string[]): PdmIndexes {
  const warnings: string[] = [];
  const fromEnv = ctx.env.PDM_PYPI_URL?.trim();
  const pypiSplit = fromEnv ? splitIndexUrl(fromEnv, 'PDM_PYPI_URL') : undefined;
  if (fromEnv && !pypiSplit) warnings.push(`PDM_PYPI_URL: ${JSON.stringify(fromEnv)} is not an http(s) URL; ignored`);
  const hint = (url: string) => `a ~/.netrc entry for ${new URL(url).hostname}, or the source URL`;
  let pypi: IndexRef = pypiSplit
    ? { name: 'pypi', url: pypiSplit.url, from: 'PDM_PYPI_URL', workspace: false, credentialHint: hint(pypiSplit.url) }
    : { name: 'pypi', url: PYPI_SIMPLE_URL, from: "PDM's default (PyPI)", workspace: false, credentialHint: '' };
  if (pypiSplit?.credentials) pypi.credentials = pypiSplit.credentials;
  const others: { ref: IndexRef; source: PdmSource }[] = [];
  let pypiSource: PdmSource | undefined;
  for (const source of sources) {
    if (source.type !== 'index') continue;
    const split = splitIndexUrl(source.url, from);
    if (!split) {
      warnings.push(`${from}: source ${source.name} has no http(s) URL; ignored`);
      continue;
    }
    const ref: IndexRef = { name: source.name, url: split.url, from: `${from} [[tool.pdm.source]]`, workspace: true, credentialHint: hint(split.url) };
    if (split.credentials) ref.credentials = split.credentials;
    if (source.name === 'pypi') {
      pypi = ref;
      pypiSource = source;
    } else others.push({ ref, source });
  }
  const all = [{ ref: pypi, source: pypiSource }, ...others];
  const general = all.filter((s) => !s.source || s.source.include.length === 0).map((s) => s.ref);
  const pinned = new Map<string, IndexRef[]>();
  const patterned = all.some((s) => s.source && (s.source.include.length > 0 || s.source.exclude.length > 0));
  if (patterned) {
    for (const name of names) {
      const including = all.filter((s) => s.source?.include.some((p) => matches(p, name)));
      const chosen = (including.length > 0 ? including : all.filter((s) => !s.source || s.source.include.length === 0)).filter(
        (s) => !s.source?.exclude.some((p) => matches(p, name)),
      );
      const refs = chosen.map((s) => s.ref);
      if (refs.length !== general.length || refs.some((r, i) => r !== general[i])) pinned.set(name, refs);
    }
  }
  return { general, pinned, warnings };
}

/** fnmatch on the normalized name: `*`, `?` and `[...]`. */
function matches(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}
