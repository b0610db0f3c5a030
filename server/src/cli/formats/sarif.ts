/**
 * SARIF 2.1.0 as GitHub code scanning ingests it: every code is a rule (so a
 * code that stops firing closes its alerts), results point at the project name
 * with 1-based UTF-16 columns relative to %SRCROOT% (the current directory:
 * run from the repository root), and partialFingerprints do not involve the
 * line number, so an alert survives lines being added above it.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { FindingFix } from '../../core/scanFixes.js';
import type { Severity } from '../../core/findings.js';
import type { Range } from '../../core/types.js';
import type { SeverityOrOff } from '../../core/settings.js';
import { VERSION } from '../../core/version.js';
import type { Report } from '../report.js';
import { ALL_CODES, RULES } from '../rules.js';

export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const INFORMATION_URI = 'https://github.com/pypi-status/pypi-status';
/** Bump when the fingerprint's inputs change: GitHub would otherwise see every alert as new. */
export const FINGERPRINT_KEY = 'pypiStatus/v1';

type SarifLevel = 'error' | 'warning' | 'note' | 'none';

function level(severity: SeverityOrOff): SarifLevel {
  const map: Record<Severity, SarifLevel> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };
  return severity === 'off' ? 'none' : map[severity];
}

/** Percent-encodes each segment, keeping the slashes: a relative URI reference. */
function relativeUri(uri: string): string {
  return uri.split('/').map(encodeURIComponent).join('/');
}

export function toSarif(report: Report): Record<string, unknown> {
  const rules = ALL_CODES.map((code) => {
    const rule = RULES[code];
    const configured = report.settings.severity[code];
    return {
      id: code,
      name: rule.name,
      shortDescription: { text: rule.short },
      fullDescription: { text: rule.full },
      help: { text: `${rule.full} See ${rule.helpUri}`, markdown: `${rule.full}\n\nSee <${rule.helpUri}>.` },
      helpUri: rule.helpUri,
      // The level this run uses (after --severity and the configuration), which is what results carry.
      defaultConfiguration: configured === 'off' ? { enabled: false, level: 'none' } : { level: level(configured) },
      properties: { tags: rule.tags, precision: 'very-high' },
    };
  });

  // The same project can be flagged twice in one file (two groups of a pyproject.toml): the
  // occurrence number keeps their fingerprints apart without involving line numbers.
  const occurrences = new Map<string, number>();
  const results = report.findings.map((f) => {
    const identity = [f.code, f.uri, f.name ?? f.message].join('\u0000');
    const n = (occurrences.get(identity) ?? 0) + 1;
    occurrences.set(identity, n);
    const fingerprint = createHash('sha256').update(`${identity}\u0000${n}`).digest('hex').slice(0, 32);
    const result: Record<string, unknown> = {
      ruleId: f.code,
      ruleIndex: ALL_CODES.indexOf(f.code),
      level: level(f.severity),
      message: { text: sarifText(f.message) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: relativeUri(f.uri), uriBaseId: '%SRCROOT%' },
            region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
          },
        },
      ],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint },
    };
    if (f.fixes !== undefined && f.fixes.length > 0) result.fixes = f.fixes.map((fix) => sarifFix(fix, f.uri));
    if (f.name !== undefined) result.properties = { project: f.name, ...(f.lock?.chain ? { chain: f.lock.chain } : {}) };
    // The manifest line of the direct dependency (a lock finding), or the flagged packages in the lock (transitive).
    if (f.related !== undefined && f.related.length > 0) {
      result.relatedLocations = f.related.map((r, id) => ({
        id,
        message: { text: sarifText(r.message) },
        physicalLocation: {
          artifactLocation: { uri: relativeUri(r.file), uriBaseId: '%SRCROOT%' },
          region: region(r.range),
        },
      }));
    }
    return result;
  });

  const notifications = report.unknown.map((u) => ({
    level: 'warning',
    message: { text: sarifText(`The status of ${u.name} is unknown (not checked): ${u.reason}`) },
    descriptor: { id: 'unknown-status' },
  }));

  const base = pathToFileURL(report.cwd).href;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'pypi-status', version: VERSION, semanticVersion: VERSION, informationUri: INFORMATION_URI, rules },
        },
        // Lets SARIF viewers find the files; GitHub maps %SRCROOT% to the checkout itself.
        originalUriBaseIds: { '%SRCROOT%': { uri: base.endsWith('/') ? base : `${base}/` } },
        invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

/** A 0-based LSP range as a SARIF region: 1-based lines and UTF-16 columns, the end exclusive. */
function region(range: Range) {
  return { startLine: range.start.line + 1, startColumn: range.start.character + 1, endLine: range.end.line + 1, endColumn: range.end.character + 1 };
}

/** SARIF 2.1.0 §3.55: a fix as replacements in the finding's own file; a deletion has no inserted content. */
function sarifFix(fix: FindingFix, uri: string) {
  return {
    description: { text: sarifText(fix.title) },
    artifactChanges: [
      {
        artifactLocation: { uri: relativeUri(uri), uriBaseId: '%SRCROOT%' },
        replacements: fix.edits.map((e) => ({ deletedRegion: region(e.range), ...(e.newText !== '' ? { insertedContent: { text: e.newText } } : {}) })),
      },
    ],
  };
}

export function formatSarif(report: Report): string {
  return `${JSON.stringify(toSarif(report), null, 2)}\n`;
}

/** SARIF 2.1.0 §3.11.5: in message strings, `{` and `}` are written `{{` and `}}` (single ones mark placeholders). */
export function sarifText(text: string): string {
  return text.replace(/[{}]/g, '$&$&');
}
