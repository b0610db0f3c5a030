/**
 * A source that sends some projects to indexes of their own: uv's `[tool.uv.sources]` pins,
 * Poetry's `source = "name"`, PDM's include/exclude patterns. Every other project goes to the
 * general source. A pinned index without a JSON API has no release documents to offer, and the
 * general source's JSON API is never asked about a pinned project (that would describe another
 * project of the same name, and tell its index the private one's name).
 */
import { normalizeName } from '../pep508.js';
import type { IndexSource, Lookup } from './client.js';
import type { ProjectInfo, ReleaseInfo } from './model.js';
import type { AttestationBundle } from './provenance.js';

export class RoutingSource implements IndexSource {
  readonly key: string;

  constructor(
    private readonly general: IndexSource,
    private readonly pinned: Map<string, IndexSource>,
  ) {
    const pins = [...pinned].map(([name, source]) => `${name}=${source.key}`).sort();
    this.key = `${general.key} | ${pins.join(', ')}`;
  }

  private route(name: string): IndexSource {
    return this.pinned.get(normalizeName(name)) ?? this.general;
  }

  get hasJsonApi(): boolean {
    return this.general.hasJsonApi;
  }

  retryDelay(): number {
    return Math.max(this.general.retryDelay(), ...[...this.pinned.values()].map((s) => s.retryDelay()));
  }

  project(name: string): Promise<Lookup<ProjectInfo>> {
    return this.route(name).project(name);
  }

  release(name: string, version: string): Promise<Lookup<ReleaseInfo>> {
    const source = this.route(name);
    if (!source.hasJsonApi) return Promise.resolve({ state: 'not-found', fetchedAt: Date.now() });
    return source.release(name, version);
  }

  peekProject(name: string): Lookup<ProjectInfo> | undefined {
    return this.route(name).peekProject(name);
  }

  peekRelease(name: string, version: string): Lookup<ReleaseInfo> | undefined {
    const source = this.route(name);
    if (!source.hasJsonApi) return { state: 'not-found', fetchedAt: Date.now() };
    return source.peekRelease(name, version);
  }

  projectPage(name: string): string | undefined {
    return this.route(name).projectPage(name);
  }

  answeredBy(name: string): string | undefined {
    return this.route(name).answeredBy?.(name);
  }

  provenance(name: string, url: string): Promise<Lookup<AttestationBundle[]>> {
    const source = this.route(name);
    return source.provenance?.(name, url) ?? Promise.resolve({ state: 'unknown', reason: 'this index is not asked for provenance' });
  }
}
