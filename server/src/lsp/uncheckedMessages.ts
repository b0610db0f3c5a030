/**
 * For editors without the unchecked notification (Neovim, Helix, …): a warning message when a
 * file's check leaves dependencies unchecked, so that a clean-looking buffer is never taken for a
 * complete result. Never a diagnostic: a network fault is no finding of the dependency.
 *
 * Said once per index and kind of failure while it lasts, whichever files it touches: not at every
 * edit or re-check. Said again once every open file was checked on that index without it, and it recurs.
 */
import { redactUrl } from '../core/redact.js';

/** A dependency left unchecked: where it was looked up, and why it could not be. */
export interface UncheckedLookup {
  /** The key of its index source (IndexSource.key). */
  sourceKey: string;
  reason: string;
}

interface Group {
  count: number;
  reason: string;
  sourceKey: string;
}

export class UncheckedMessages {
  /** The groups of each open document's last complete check. */
  private readonly byUri = new Map<string, Map<string, Group>>();

  /** After a complete check of `uri`: the messages to show for groups no open file had before. */
  update(uri: string, fileName: string, unchecked: readonly UncheckedLookup[]): string[] {
    const before = this.activeKeys();
    const groups = new Map<string, Group>();
    for (const u of unchecked) {
      const key = `${u.sourceKey}\u0000${failureKind(u.reason)}`;
      const group = groups.get(key) ?? { count: 0, reason: u.reason, sourceKey: u.sourceKey };
      group.count++;
      groups.set(key, group);
    }
    if (groups.size > 0) this.byUri.set(uri, groups);
    else this.byUri.delete(uri);
    return [...groups].filter(([key]) => !before.has(key)).map(([, g]) => messageOf(g, fileName));
  }

  /** A closed document no longer keeps its failures current. */
  forget(uri: string): void {
    this.byUri.delete(uri);
  }

  private activeKeys(): Set<string> {
    const keys = new Set<string>();
    for (const groups of this.byUri.values()) for (const key of groups.keys()) keys.add(key);
    return keys;
  }
}

/**
 * The kind of failure, so that one outage is one message whatever its details become (a 503,
 * then "backed off, retrying in 8 s"), while credentials refused or a registry not asked are news.
 */
export function failureKind(reason: string): 'refused' | 'not-asked' | 'offline' | 'details' | 'unreachable' {
  // Only the JSON API failed: the index answered for the status, and what is missing is the release's details.
  if (reason.startsWith(JSON_API)) return 'details';
  if (/refused the request \(HTTP 40[13]\)/.test(reason)) return 'refused';
  if (/asked only in a trusted workspace|not used, as the workspace is not trusted/.test(reason)) return 'not-asked';
  if (reason.startsWith('offline')) return 'offline';
  return 'unreachable';
}

const JSON_API = 'JSON API:';

function messageOf(group: Group, fileName: string): string {
  const what = group.count === 1 ? '1 dependency' : `${group.count} dependencies`;
  // The key names the simple index, which did answer: naming it would send the user to the wrong server.
  if (failureKind(group.reason) === 'details') return `pypi-status: ${what} of ${fileName} not fully checked: ${group.reason}.`;
  // The key of a source of one index is its URL (redacted); one of several indexes, or that asks nothing, is not named.
  const key = group.sourceKey;
  const index = /^https?:\/\/\S+$/.test(key) && !group.reason.includes(key) ? ` (index ${redactUrl(key)})` : '';
  return `pypi-status: ${what} of ${fileName} not checked: ${group.reason}${index}.`;
}
