/**
 * Poetry's sources: the (deprecated) default source, then primary sources in order, then PyPI
 * unless a primary or default source disables it (a source named `pypi` puts it where it is
 * listed), then secondary and supplemental ones. An `explicit` source serves only the
 * dependencies that name it, and a dependency that names a source is looked up there only.
 */
import { PYPI_SIMPLE_URL } from '../settings.js';
import type { ConfigContext, IndexRef } from './model.js';
import type { PoetrySource } from './project.js';
import { splitIndexUrl } from './urls.js';

export interface PoetryIndexes {
  general: IndexRef[];
  named: Map<string, IndexRef>;
  warnings: string[];
}

const RANK: Record<string, number> = { default: 0, primary: 1, secondary: 3, supplemental: 4, explicit: 5 };

export function poetryCredentialVariable(name: string, part: 'USERNAME' | 'PASSWORD'): string {
  return `POETRY_HTTP_BASIC_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${part}`;
}

export function poetryIndexes(ctx: ConfigContext, sources: readonly PoetrySource[], from: string): PoetryIndexes {
  const warnings: string[] = [];
  const named = new Map<string, IndexRef>();
  const ranked: { ref: IndexRef; rank: number }[] = [];
  for (const source of sources) {
    const rank = RANK[source.priority];
    if (rank === undefined) {
      warnings.push(`${from}: source ${source.name} has an unknown priority ${JSON.stringify(source.priority)}; ignored`);
      continue;
    }
    const isPypi = source.name.toLowerCase() === 'pypi' && source.url === undefined;
    const split = isPypi ? { url: PYPI_SIMPLE_URL } : source.url === undefined ? undefined : splitIndexUrl(source.url, from);
    if (!split) {
      warnings.push(`${from}: source ${source.name} has no http(s) URL; ignored`);
      continue;
    }
    const user = ctx.env[poetryCredentialVariable(source.name, 'USERNAME')];
    const password = ctx.env[poetryCredentialVariable(source.name, 'PASSWORD')];
    const hint = `${poetryCredentialVariable(source.name, 'USERNAME')} and ${poetryCredentialVariable(source.name, 'PASSWORD')}, or a ~/.netrc entry for ${new URL(split.url).hostname}`;
    const ref: IndexRef = { name: source.name, url: split.url, from: `${from} [[tool.poetry.source]]`, workspace: true, credentialHint: hint };
    if (user !== undefined || password !== undefined) ref.credentials = { username: user ?? '', password: password ?? '', from: 'POETRY_HTTP_BASIC_*' };
    else if ('credentials' in split && split.credentials) ref.credentials = split.credentials;
    named.set(source.name.toLowerCase(), ref);
    ranked.push({ ref, rank });
  }
  const explicitPypi = ranked.some((r) => r.ref.url === PYPI_SIMPLE_URL);
  const disablesPypi = ranked.some((r) => r.rank <= RANK.primary!);
  if (!explicitPypi && !disablesPypi)
    ranked.push({ ref: { url: PYPI_SIMPLE_URL, from: "Poetry's implicit PyPI", workspace: false, credentialHint: '' }, rank: 2 });
  const general = ranked
    .filter((r) => r.rank < RANK.explicit!)
    .sort((a, b) => a.rank - b.rank)
    .map((r) => r.ref);
  return { general, named, warnings };
}
