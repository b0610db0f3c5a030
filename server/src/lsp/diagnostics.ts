/** Findings and parse problems → LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { AnalyzedDependency } from '../core/analyze.js';
import type { IndexSource } from '../core/pypi/client.js';
import type { DiagnosticCode, Settings, SeverityOrOff } from '../core/settings.js';
import type { ParsedFile } from '../core/types.js';
import { DIAGNOSTIC_SOURCE, type DiagnosticData } from '../protocol.js';

const LEVEL: Record<Exclude<SeverityOrOff, 'off'>, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/**
 * `source` is the index the file's names were looked up on: a finding links the project's page
 * there, never a page of another index that may list an unrelated project of the same name.
 */
export function toDiagnostics(parsed: ParsedFile, analyzed: readonly AnalyzedDependency[], settings: Settings, source: Pick<IndexSource, 'projectPage'>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const problem of parsed.problems) {
    const severity = settings.severity[problem.code];
    if (severity === 'off') continue;
    out.push({ range: problem.range, severity: LEVEL[severity], code: problem.code, source: DIAGNOSTIC_SOURCE, message: problem.message });
  }
  for (const { dependency, findings } of analyzed) {
    for (const finding of findings) {
      const severity = settings.severity[finding.code as DiagnosticCode];
      if (severity === 'off') continue;
      const diagnostic: Diagnostic = {
        range: dependency.nameRange,
        severity: LEVEL[severity],
        code: finding.code,
        source: DIAGNOSTIC_SOURCE,
        message: finding.message,
        data: { name: dependency.name, normalizedName: dependency.normalizedName } satisfies DiagnosticData,
      };
      // A project the index does not know has no page there.
      const page = finding.code === 'not-found' ? undefined : source.projectPage(dependency.name);
      if (page) diagnostic.codeDescription = { href: page };
      out.push(diagnostic);
    }
  }
  return out;
}
