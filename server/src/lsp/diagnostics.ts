/** Findings and parse problems → LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { AnalyzedDependency } from '../core/analyze.js';
import type { IndexSource } from '../core/pypi/client.js';
import type { DiagnosticCode, Settings, SeverityOrOff } from '../core/settings.js';
import type { ParsedFile } from '../core/types.js';
import { lockPlace, placeText, type TransitiveFinding } from '../core/lockFindings.js';
import { pathToUri } from '../paths.js';
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
export function toDiagnostics(
  parsed: ParsedFile,
  analyzed: readonly AnalyzedDependency[],
  settings: Settings,
  source: Pick<IndexSource, 'projectPage'>,
  transitive: readonly TransitiveFinding[] = [],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const problem of parsed.problems) {
    const severity = settings.severity[problem.code];
    if (severity === 'off') continue;
    out.push({ range: problem.range, severity: LEVEL[severity], code: problem.code, source: DIAGNOSTIC_SOURCE, message: problem.message });
  }
  const view = parsed.lock;
  for (const { dependency, findings } of analyzed) {
    // A lock's package: its chain in the message, the direct dependency's manifest line as related information.
    const place = view && dependency.lockPackage !== undefined ? lockPlace(view, dependency) : undefined;
    for (const finding of findings) {
      const severity = settings.severity[finding.code as DiagnosticCode];
      if (severity === 'off') continue;
      const data: DiagnosticData = { name: dependency.name, normalizedName: dependency.normalizedName };
      if (view && dependency.lockPackage !== undefined) data.lock = { transitive: (place?.chain.length ?? 0) > 1, chain: place?.chain ?? [] };
      const diagnostic: Diagnostic = {
        range: dependency.nameRange,
        severity: LEVEL[severity],
        code: finding.code,
        source: DIAGNOSTIC_SOURCE,
        message: finding.message + (view && dependency.lockPackage !== undefined ? placeText(place) : ''),
        data,
      };
      const at = place?.declared;
      if (at)
        diagnostic.relatedInformation = [
          { location: { uri: pathToUri(at.file), range: at.range }, message: `${at.name}: the direct dependency that pulls ${dependency.name} in` },
        ];
      // A project the index does not know has no page there.
      const page = finding.code === 'not-found' ? undefined : source.projectPage(dependency.name);
      if (page) diagnostic.codeDescription = { href: page };
      out.push(diagnostic);
    }
  }
  for (const t of transitive) {
    out.push({
      range: t.range,
      severity: LEVEL[t.severity],
      code: 'transitive',
      source: DIAGNOSTIC_SOURCE,
      message: t.message,
      relatedInformation: t.beneath
        .slice(0, 20)
        .map((b) => ({ location: { uri: pathToUri(t.lock), range: b.range }, message: `${b.name} (${b.codes.join(', ')}): ${b.chain.join(' → ')}` })),
    });
  }
  return out;
}
