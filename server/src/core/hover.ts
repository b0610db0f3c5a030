/** The hover card of a dependency, as Markdown or, for clients that cannot render it, plain text. */
import { attestationLines, type PublisherState } from './attestations.js';
import { findingsFor, incompleteReason, pinnedRelease, type DependencyFacts } from './findings.js';
import { code, link, safeUrl, singleLine, text, truncate } from './markdown.js';
import type { Dependency } from './types.js';

/**
 * How the card is written: every piece of index text goes through `text`, `link` or `code`.
 * Plain functions, not methods: the card takes them out of the object.
 */
interface Format {
  text: (value: string) => string;
  link: (label: string, url: string) => string;
  code: (value: string) => string;
  strong: (value: string) => string;
  quote: (value: string) => string;
  aside: (value: string) => string;
}

const MARKDOWN: Format = {
  text,
  link,
  code,
  strong: (value) => `**${value}**`,
  quote: (value) => `> ${value}`,
  aside: (value) => `_${value}_`,
};

/** Plain text shows what it is given: index text only loses its control characters and line breaks. */
const PLAIN: Format = {
  text: (value) => singleLine(value, Infinity),
  link: (label, url) => {
    const safe = safeUrl(url);
    return safe ? `${singleLine(label, Infinity)} <${safe}>` : singleLine(label, Infinity);
  },
  code: (value) => singleLine(value, Infinity),
  strong: (value) => value,
  quote: (value) => value,
  aside: (value) => value,
};

const STATUS_LINE: Record<string, (f: Format) => string> = {
  active: () => 'active',
  archived: (f) => `${f.strong('archived')}: the maintainers will publish nothing more, security fixes included`,
  quarantined: (f) => `${f.strong('quarantined')}: pulled by the index administrators as suspicious; nothing can be installed`,
  deprecated: (f) => `${f.strong('deprecated')}: obsolete, possibly superseded`,
};

export interface HoverContext {
  /** The project's page on the index's website, when there is one (PyPI). */
  projectPage?: string;
  /** Alternatives to suggest, with where they come from. */
  alternatives?: { name: string; origin: string }[];
  /** The index that answered (its configured name, else its host). */
  index?: string;
  /** Indexes the file names that are not used (an untrusted workspace), said so that the user knows why. */
  notUsed?: string[];
  /** The Trusted Publisher of the release's attestations, as far as the hover's lookup got (none when not asked). */
  publisher?: PublisherState;
}

/** Which index answered, and what the file names that an untrusted workspace does not use. */
function whereLookedUp(ctx: HoverContext, f: Format): string[] {
  const lines: string[] = [];
  if (ctx.index) lines.push(f.aside(`Looked up on ${f.code(ctx.index)}.`));
  if (ctx.notUsed && ctx.notUsed.length > 0) {
    lines.push(f.aside(`${f.text(ctx.notUsed.join('; '))}: not used, as the workspace is not trusted. Trusting the workspace will use it.`));
  }
  return lines;
}

export function hoverMarkdown(dep: Dependency, facts: DependencyFacts, ctx: HoverContext = {}): string {
  return hoverCard(dep, facts, ctx, MARKDOWN);
}

export function hoverPlainText(dep: Dependency, facts: DependencyFacts, ctx: HoverContext = {}): string {
  return hoverCard(dep, facts, ctx, PLAIN);
}

function hoverCard(dep: Dependency, facts: DependencyFacts, ctx: HoverContext, f: Format): string {
  const { text, link, code } = f;
  const lines: string[] = [];
  const project = facts.project;
  lines.push(`${f.strong(text(dep.name))}${dep.specifier ? ` ${code(dep.specifier)}` : ''}`);
  if (project.state === 'unknown') {
    lines.push(`Status unknown: not checked, the index could not be asked (${text(project.reason)}).`, ...whereLookedUp(ctx, f));
    return lines.join('\n\n');
  }
  if (project.state === 'not-found') {
    lines.push(`${f.strong('Not found')} on the package index.`, ...whereLookedUp(ctx, f));
    return lines.join('\n\n');
  }
  const info = project.data;
  let status = `Status: ${STATUS_LINE[info.status]!(f)}`;
  if (info.rawStatus) status = `Status: active (the index reports "${text(truncate(info.rawStatus, 40))}", which this version does not know)`;
  if (info.statusReason) status += `. Reason: ${text(truncate(info.statusReason, 500))}`;
  lines.push(status);

  const latest = facts.latest?.state === 'found' ? facts.latest.data : undefined;
  if (info.latestVersion) {
    const date = latest?.uploadTime ?? info.releases[info.latestVersion]?.uploadTime;
    lines.push(`Latest: ${text(info.latestVersion)}${date ? ` (released ${text(date.slice(0, 10))})` : ''}`);
  } else if (info.versions.length === 0) {
    lines.push('No releases are available from the index.');
  } else if (Object.values(info.releases).every((r) => r.yanked)) {
    lines.push('Every release is yanked: an installer takes one only when it is pinned exactly.');
  }

  if (dep.pinnedVersion !== undefined) {
    const release = pinnedRelease(info, dep);
    const pinnedJson = facts.pinned?.state === 'found' ? facts.pinned.data : undefined;
    let pin = `Pinned: ${text(dep.pinnedVersion)}`;
    if (!release && info.versions.length > 0 && !pinnedJson) pin += ' (not a release on this index)';
    if (release?.files.yanked || pinnedJson?.yanked) {
      const why = release?.files.yankedReason ?? pinnedJson?.yankedReason;
      pin += ` — ${f.strong('yanked')}${why ? `: ${text(truncate(why, 300))}` : ''}`;
    }
    lines.push(pin);
    if (pinnedJson && pinnedJson.vulnerabilities.length > 0) {
      const items = pinnedJson.vulnerabilities.slice(0, 10).map((v) => {
        const label = truncate(v.id, 64);
        const id = v.link ? link(label, v.link) : text(label);
        const shown = v.fixedIn.slice(0, 5).map((version) => truncate(version, 40));
        const fixed = shown.length > 0 ? ` (fixed in ${text(shown.join(', '))}${v.fixedIn.length > 5 ? ', …' : ''})` : '';
        return `- ${id}${fixed}${v.summary ? `: ${text(truncate(v.summary, 160))}` : ''}`;
      });
      if (pinnedJson.vulnerabilities.length > 10) items.push(`- and ${pinnedJson.vulnerabilities.length - 10} more`);
      lines.push(`${f.strong('Known vulnerabilities')} in ${text(dep.pinnedVersion)}:\n${items.join('\n')}`);
    }
  }

  lines.push(...attestationLines(dep, info, ctx.publisher, f));

  for (const finding of findingsFor(dep, facts)) if (finding.code === 'inactive') lines.push(text(finding.message));

  const summary = latest?.summary;
  if (summary) lines.push(f.quote(text(truncate(summary, 300))));

  for (const alt of ctx.alternatives ?? []) {
    lines.push(`Alternative: ${f.strong(text(alt.name))} (${text(alt.origin)})`);
  }

  const links: string[] = [];
  if (ctx.projectPage && safeUrl(ctx.projectPage)) links.push(link('Index page', ctx.projectPage));
  for (const [label, url] of Object.entries(latest?.projectUrls ?? {}).slice(0, 4)) {
    if (safeUrl(url)) links.push(link(truncate(label, 30), url));
  }
  if (links.length > 0) lines.push(links.join(' · '));
  const stale = project.stale ?? (facts.latest?.state === 'found' ? facts.latest.stale : undefined);
  lines.push(...whereLookedUp(ctx, f));
  // The status is known but the JSON API did not answer: vulnerabilities or the inactive classifier were not checked.
  const incomplete = project.stale === undefined ? incompleteReason(facts) : undefined;
  if (incomplete !== undefined)
    lines.push(f.aside(`Not fully checked: known vulnerabilities and the inactive classifier could not be read (${text(truncate(incomplete, 300))}).`));
  if (stale)
    lines.push(
      f.aside(`As of ${new Date(project.fetchedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC; the index could not be reached since (${text(stale)}).`),
    );
  return lines.join('\n\n');
}
