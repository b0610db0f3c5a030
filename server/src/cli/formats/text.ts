/**
 * `path:line:col: severity code message`, the shape compilers print, so that
 * terminals and editors turn each location into a link. Files are separated by
 * a blank line; a summary follows. The fix of a finding, when there is one, is an indented line under it.
 */
import type { Severity } from '../../core/findings.js';
import { fixLine, summaryLine, unknownLine, type Report } from '../report.js';

const ESC = '\u001b[';
const STYLE: Record<Severity | 'code' | 'bold', [string, string]> = {
  error: [`${ESC}1;31m`, `${ESC}0m`],
  warning: [`${ESC}33m`, `${ESC}39m`],
  information: [`${ESC}36m`, `${ESC}39m`],
  hint: [`${ESC}2m`, `${ESC}22m`],
  code: [`${ESC}2m`, `${ESC}22m`],
  bold: [`${ESC}1m`, `${ESC}22m`],
};

/** Control characters in text from the index (reasons) would move the cursor or recolour the terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD').replace(/\n/g, ' ');
}

export function formatText(report: Report, color: boolean): string {
  const paint = (style: keyof typeof STYLE, text: string) => (color ? `${STYLE[style][0]}${text}${STYLE[style][1]}` : text);
  const lines: string[] = [];
  let previous: string | undefined;
  for (const f of report.findings) {
    if (previous !== undefined && previous !== f.path) lines.push('');
    previous = f.path;
    // A file name is the repository's to choose, as a reason is the index's: neither may write to the terminal.
    lines.push(`${printable(f.path)}:${f.line}:${f.column}: ${paint(f.severity, f.severity)} ${paint('code', f.code)} ${printable(f.message)}`);
    for (const fix of f.fixes ?? []) lines.push(`  ${printable(fixLine(fix))}`);
  }
  if (lines.length > 0) lines.push('');
  lines.push(paint('bold', summaryLine(report)));
  const unknown = unknownLine(report);
  if (unknown) lines.push(paint('warning', printable(unknown)));
  return `${lines.join('\n')}\n`;
}
