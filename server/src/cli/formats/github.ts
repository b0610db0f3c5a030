/**
 * GitHub Actions workflow commands: each finding becomes an annotation on the
 * file and line (`::error file=…,line=…::message`), then the summary. Paths
 * are relative to the current directory, so run from the repository root.
 * GitHub shows a limited number of annotations per step; SARIF has them all.
 */
import type { Severity } from '../../core/findings.js';
import { fixLine, summaryLine, unknownLine, type Report } from '../report.js';
import { ALL_CODES } from '../rules.js';

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', information: 'notice', hint: 'notice' };

/**
 * The message part: %, CR and LF would end the command or be read as escapes, and other control
 * characters (ESC, BEL) from the index or a file name would reach the log's terminal rendering.
 */
export function escapeData(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '\uFFFD')
    .replace(/%/g, '%25')
    .replace(/\r/g, '%0D')
    .replace(/\n/g, '%0A');
}

/** Property values: additionally `:` and `,`, which delimit properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(name: string, properties: [string, string | number][], message: string): string {
  const props = properties.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

export function formatGithub(report: Report): string {
  const lines = report.findings.map((f) =>
    command(
      COMMAND[f.severity],
      [
        ['file', f.uri],
        ['line', f.line],
        ['col', f.column],
        ['endLine', f.endLine],
        ['endColumn', f.endColumn],
        ['title', `pypi-status: ${f.code}`],
      ],
      // A fix goes on lines of its own under the message, as in the text format.
      [f.message, ...(f.fixes ?? []).map(fixLine)].join('\n'),
    ),
  );
  const unknown = unknownLine(report);
  if (unknown) lines.push(command('warning', [['title', 'pypi-status: status unknown']], unknown));
  lines.push(`pypi-status: ${summaryLine(report)}`);
  return `${lines.join('\n')}\n`;
}

/** Markdown for $GITHUB_STEP_SUMMARY: counts per code and what could not be checked. */
export function stepSummary(report: Report): string {
  const counts = new Map<string, { n: number; severity: Severity }>();
  for (const f of report.findings) counts.set(f.code, { n: (counts.get(f.code)?.n ?? 0) + 1, severity: f.severity });
  const out = ['### pypi-status', '', summaryLine(report), ''];
  if (counts.size > 0) {
    out.push('| code | severity | findings |', '|---|---|---:|');
    for (const code of ALL_CODES) {
      const c = counts.get(code);
      if (c) out.push(`| \`${code}\` | ${c.severity} | ${c.n} |`);
    }
    out.push('');
  }
  const unknown = unknownLine(report);
  // Names are normalized project names and reasons come from this program, but a table cell
  // or HTML would still break on them: they go in a code span.
  if (unknown) out.push(`\`${unknown.replace(/`/g, "'")}\``, '');
  return `${out.join('\n')}\n`;
}
