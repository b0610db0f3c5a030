/**
 * The icon of findings shown together in the view: that of the most severe diagnostic among them,
 * as the user's settings made it (and, for `transitive`, as the packages beneath made it), not
 * the code's default. Severities are VS Code's DiagnosticSeverity values: 0 Error … 3 Hint.
 */
export type SeverityIcon = 'error' | 'warning' | 'info';

export function severityIcon(severities: Iterable<number>): SeverityIcon {
  let worst = 3;
  for (const s of severities) worst = Math.min(worst, s);
  return worst <= 0 ? 'error' : worst === 1 ? 'warning' : 'info';
}
