/** Findings and parse problems → LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { AnalyzedDependency } from '../core/analyze.js';
import { projectPageUrl } from '../core/hover.js';
import type { DiagnosticCode, Settings, SeverityOrOff } from '../core/settings.js';
import type { ParsedFile } from '../core/types.js';

export const SOURCE = 'pypi-status';

const LEVEL: Record<Exclude<SeverityOrOff, 'off'>, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Carried in Diagnostic.data so that code actions know what a diagnostic is about. */
export interface DiagnosticData {
  name: string;
  normalizedName: string;
}

export function toDiagnostics(parsed: ParsedFile, analyzed: readonly AnalyzedDependency[], settings: Settings): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const problem of parsed.problems) {
    const severity = settings.severity[problem.code];
    if (severity === 'off') continue;
    out.push({ range: problem.range, severity: LEVEL[severity], code: problem.code, source: SOURCE, message: problem.message });
  }
  for (const { dependency, findings } of analyzed) {
    for (const finding of findings) {
      const severity = settings.severity[finding.code as DiagnosticCode];
      if (severity === 'off') continue;
      const diagnostic: Diagnostic = {
        range: dependency.nameRange,
        severity: LEVEL[severity],
        code: finding.code,
        source: SOURCE,
        message: finding.message,
        data: { name: dependency.name, normalizedName: dependency.normalizedName } satisfies DiagnosticData,
      };
      const page = projectPageUrl(settings.indexUrl, dependency.normalizedName);
      if (page) diagnostic.codeDescription = { href: page };
      out.push(diagnostic);
    }
  }
  return out;
}
