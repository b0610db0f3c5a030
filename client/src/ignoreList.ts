/** What "Ignore X in this workspace" writes to `pypiStatus.ignore`. No vscode import: unit-tested. */

export interface IgnoreUpdate {
  /** The workspace's settings when a folder is open, else the user's. */
  scope: 'workspace' | 'global';
  value: string[];
}

/**
 * The list to write: the one in force plus `name`, or undefined when the name is there already.
 * VS Code does not merge arrays across scopes: a workspace list replaces the user's. So the
 * workspace's list, when there is none yet, starts from the user's, which it would otherwise hide.
 */
export function addToIgnoreList(
  inspected: { workspaceValue?: unknown; globalValue?: unknown } | undefined,
  hasWorkspace: boolean,
  name: string,
): IgnoreUpdate | undefined {
  const scope = hasWorkspace ? 'workspace' : 'global';
  const existing = scope === 'workspace' ? (inspected?.workspaceValue ?? inspected?.globalValue) : inspected?.globalValue;
  // A hand-edited setting may hold anything: keep its strings, drop the rest.
  const current = Array.isArray(existing) ? existing.filter((v): v is string => typeof v === 'string') : [];
  if (current.includes(name)) return undefined;
  return { scope, value: [...current, name] };
}
