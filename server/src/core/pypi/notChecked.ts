/**
 * A source that asks nothing and answers every lookup "unknown" with one reason: for packages a lock
 * file locks from another registry, in a workspace not trusted to send names there. Unknown is
 * never "not found": the package is shown as not checked.
 */
import { redactUrl } from '../redact.js';
import type { IndexSource, Lookup } from './client.js';
import type { ProjectInfo, ReleaseInfo } from './model.js';

export class NotCheckedSource implements IndexSource {
  readonly key: string;
  readonly hasJsonApi = false;

  constructor(readonly reason: string) {
    this.key = `not checked: ${reason}`;
  }

  retryDelay(): number {
    return 0;
  }

  project(): Promise<Lookup<ProjectInfo>> {
    return Promise.resolve({ state: 'unknown', reason: this.reason });
  }

  release(): Promise<Lookup<ReleaseInfo>> {
    return Promise.resolve({ state: 'unknown', reason: this.reason });
  }

  peekProject(): Lookup<ProjectInfo> {
    return { state: 'unknown', reason: this.reason };
  }

  peekRelease(): Lookup<ReleaseInfo> {
    return { state: 'unknown', reason: this.reason };
  }

  projectPage(): undefined {
    return undefined;
  }
}

/** The source for a package locked from another registry, when that registry may not be asked. */
export function untrustedRegistry(url: string): NotCheckedSource {
  return new NotCheckedSource(`locked from ${redactUrl(url)}, another registry than the configured index: asked only in a trusted workspace`);
}
