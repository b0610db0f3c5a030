/**
 * The fixes of a scan's findings, as the editor offers them as quick fixes: the release a yanked,
 * missing or vulnerable pin moves to (pinFixes.ts) and the projects that replace an archived,
 * deprecated, quarantined or unknown one (alternatives.ts). Same choices, same project context
 * (requires-python, the workspace's own projects), same lookups: only a dependency with such a
 * finding is looked at, and nothing in a lock file is edited (its tool regenerates it).
 */
import { findAlternatives, REPLACEABLE, replacementTitle, type Alternative, type AlternativeOrigin } from './alternatives.js';
import { replacementEdits, type TextEdit } from './edits.js';
import type { DependencyFacts, Finding } from './findings.js';
import { normalizeName } from './pep508.js';
import { knownVulnerabilities, pinFixes, untilDone, verifyUpgrade, type PinFix, type PinFixOptions } from './pinFixes.js';
import type { IndexSource } from './pypi/client.js';
import type { Settings } from './settings.js';
import type { Dependency, ParsedFile, Range } from './types.js';
import type { ScannedFile } from './workspaceScan.js';

export interface FindingFix {
  /** `pin`: move the pin to another release; `name`: use another project. */
  kind: 'pin' | 'name';
  /** The title of the editor's quick fix. */
  title: string;
  /** The release the pin moves to (`pin`). */
  version?: string;
  /** The project to use instead (`name`), where it was found, and why. */
  name?: string;
  origin?: AlternativeOrigin;
  detail?: string;
  /** The edits of the file that holds the finding (0-based, UTF-16 ranges). */
  edits: TextEdit[];
}

/** A pin fix with the code of the finding it was chosen for. */
type CodedFix = FindingFix & { code: string };

const PIN_CODES: ReadonlySet<string> = new Set(['vulnerable', 'yanked', 'missing-release']);

/** How a finding (its file, its range, its code) finds its fixes. */
export function fixKey(file: string, range: Range, code: string): string {
  return `${file}\u0000${range.start.line}:${range.start.character}\u0000${code}`;
}

/** Whether the editor would look for a fix of this dependency at all: a fixable finding, in a file it edits. */
function wanted(dep: Dependency, findings: readonly Finding[]): boolean {
  if (dep.form === 'lock-entry' || dep.form === 'pipfile-key' || dep.url !== undefined) return false;
  return findings.some((f) => PIN_CODES.has(f.code) || REPLACEABLE.has(f.code));
}

/**
 * The fixes of every finding of the scan that has one, by fixKey. `sourceFor` is the scan's own
 * (asked only for a file with a finding to fix): its cache holds what the scan learned.
 */
export async function scanFixes(
  files: readonly ScannedFile[],
  sourceFor: (parsed: ParsedFile, file: string) => IndexSource,
  settings: Settings,
): Promise<Map<string, FindingFix[]>> {
  const out = new Map<string, FindingFix[]>();
  const work: Promise<void>[] = [];
  for (const file of files) {
    // The project a file belongs to is the workspace's own, as in the editor, even when its pyproject.toml was not scanned.
    const own = file.project?.name === undefined ? undefined : normalizeName(file.project.name);
    let source: IndexSource | undefined;
    for (const a of file.analyzed) {
      // A finding turned off is in no report: its fix would be a lookup nobody reads.
      const findings = a.findings.filter((f) => settings.severity[f.code] !== 'off' && !(f.code === 'not-found' && a.dependency.normalizedName === own));
      if (!wanted(a.dependency, findings)) continue;
      source ??= sourceFor(file.parsed, file.path);
      const options: PinFixOptions = { knownVulnerabilities: knownVulnerabilities(source, a.dependency.name) };
      if (file.project?.requiresPython !== undefined) options.projectPython = file.project.requiresPython;
      work.push(
        dependencyFixes(a.dependency, a.facts, findings, options, source, settings).then(({ pins, alternatives }) => {
          for (const f of findings) {
            const fixes = PIN_CODES.has(f.code) ? forPinFinding(f.code, pins) : REPLACEABLE.has(f.code) ? alternatives : [];
            if (fixes.length > 0) out.set(fixKey(file.path, a.dependency.nameRange, f.code), fixes);
          }
        }),
      );
    }
  }
  await Promise.all(work);
  return out;
}

/** A pin finding's own fix; failing that (one release answers two findings), the dependency's first, which moves off the release too. */
function forPinFinding(code: string, pins: readonly CodedFix[]): FindingFix[] {
  const own = pins.filter((p) => p.code === code);
  return (own.length > 0 ? own : pins.slice(0, 1)).map(({ code: _code, ...fix }) => fix);
}

async function dependencyFixes(
  dep: Dependency,
  facts: DependencyFacts,
  findings: readonly Finding[],
  options: PinFixOptions,
  source: IndexSource,
  settings: Settings,
): Promise<{ pins: CodedFix[]; alternatives: FindingFix[] }> {
  const replaceable = findings.some((f) => REPLACEABLE.has(f.code));
  const [, found] = await Promise.all([
    verifyUpgrade(dep, facts, findings, options, source, untilDone),
    replaceable ? findAlternatives(dep.name, facts, settings, source) : Promise.resolve([]),
  ]);
  const pins = pinFixes(dep, facts, findings, options).map(pinFix);
  return { pins, alternatives: found.map((alt) => nameFix(dep, alt)) };
}

function pinFix(fix: PinFix): CodedFix {
  return { code: fix.code, kind: 'pin', title: fix.title, version: fix.version, edits: fix.edits };
}

function nameFix(dep: Dependency, alt: Alternative): FindingFix {
  const fix: FindingFix = { kind: 'name', title: replacementTitle(dep, alt), name: alt.name, origin: alt.origin, edits: replacementEdits(dep, alt.name) };
  if (alt.detail !== undefined) fix.detail = alt.detail;
  return fix;
}
