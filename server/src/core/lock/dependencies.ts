/**
 * A lock file as the rest of the checker sees any dependency file: each package locked from a
 * registry is an exact pin of its locked version, on its name inside the quotes, so that the same
 * lookups and rules (status, yanked, missing release, vulnerable) apply unchanged. Packages from
 * git, a URL, a path or the workspace are kept as direct references, which are never looked up.
 */
import type { Dependency, ParsedFile } from '../types.js';
import type { LockedPackage, LockFile } from './model.js';

/** PyPI's simple index as lock files write it: the configured index (PyPI or the user's mirror of it) answers for it. */
const PYPI_SIMPLE = /^https?:\/\/pypi\.(org|python\.org)\/simple\/?$/i;

export function isPypiRegistry(url: string | undefined): boolean {
  return url === undefined || PYPI_SIMPLE.test(url.trim());
}

function section(p: LockedPackage): string {
  return p.groups.length > 0 ? `lock: ${p.groups.join(', ')}` : 'lock';
}

function toDependency(p: LockedPackage, index: number): Dependency {
  const d: Dependency = {
    name: p.name,
    normalizedName: p.normalizedName,
    nameRange: p.nameRange,
    requirementRange: p.nameRange,
    nameSpecRange: p.nameRange,
    extras: p.extras ?? [],
    specifier: p.version !== undefined ? `==${p.version}` : '',
    marker: p.marker ?? '',
    ignored: false,
    form: 'lock-entry',
    section: section(p),
    lockPackage: index,
  };
  const s = p.source;
  if (s.kind === 'registry') {
    if (p.version !== undefined) d.pinnedVersion = p.version;
    if (!isPypiRegistry(s.url)) d.registry = s.url!;
  } else {
    d.url = 'url' in s ? s.url : s.path;
  }
  return d;
}

/**
 * The lock's packages as dependencies, and its problems. A package an earlier entry already locks
 * at the same version from the same place (pdm writes one entry per set of extras) is not repeated.
 */
export function packageKey(p: LockedPackage): string {
  const s = p.source;
  return `${p.normalizedName}\0${p.version ?? ''}\0${s.kind}\0${'path' in s ? s.path : (s.url ?? '')}`;
}

export function lockAsParsedFile(lock: LockFile): ParsedFile {
  const seen = new Set<string>();
  const dependencies: Dependency[] = [];
  lock.packages.forEach((p, i) => {
    const key = packageKey(p);
    if (seen.has(key)) return;
    seen.add(key);
    dependencies.push(toDependency(p, i));
  });
  return { dependencies, includes: [], indexUrls: [], problems: lock.problems };
}
