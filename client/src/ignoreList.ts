/** What "Ignore X in this workspace" writes to `pypiStatus.ignore`. No vscode import: unit-tested. */

export interface IgnoreUpdate {
  /** The workspace's settings when a folder is open, else the user's. */
  scope: 'workspace' | 'global';
  value: string[];
}

/**
 * The list to write: the one already in that scope plus `name`, or undefined when the name is
 * there already. It must be read from the scope it is written to, or the write replaces that
 * scope's list with one name.
 */
export function addToIgnoreList(
  inspected: { workspaceValue?: unknown; globalValue?: unknown } | undefined,
  hasWorkspace: boolean,
  name: string,
): IgnoreUpdate | undefined {
  const scope = hasWorkspace ? 'workspace' : 'global';
  const existing = scope === 'workspace' ? inspected?.workspaceValue : inspected?.globalValue;
  // A hand-edited setting may hold anything: keep its strings, drop the rest.
  const current = Array.isArray(existing) ? existing.filter((v): v is string => typeof v === 'string') : [];
  if (current.includes(name)) return undefined;
  return { scope, value: [...current, name] };
}
