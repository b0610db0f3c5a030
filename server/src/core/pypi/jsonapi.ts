/** Decoding of PyPI's JSON API release documents (`/pypi/<name>/<version>/json`). */
import type { ReleaseInfo, Vulnerability } from './model.js';
import { DecodeError, isObject, isTimestamp } from './simple.js';

/** Descriptions can be megabytes; hovers and alternative detection need the start. */
const MAX_DESCRIPTION = 16 * 1024;

export function decodeRelease(body: string): ReleaseInfo {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new DecodeError('the JSON API sent malformed JSON');
  }
  if (!isObject(doc) || !isObject(doc.info) || typeof doc.info.version !== 'string' || typeof doc.info.name !== 'string') {
    throw new DecodeError('the JSON API sent JSON that is not a release document');
  }
  const info = doc.info;
  const release: ReleaseInfo = {
    name: info.name as string,
    version: info.version as string,
    classifiers: stringArray(info.classifiers),
    projectUrls: projectUrls(info),
    yanked: info.yanked === true,
    vulnerabilities: vulnerabilities(doc.vulnerabilities),
  };
  const summary = nonEmpty(info.summary);
  if (summary !== undefined) release.summary = summary;
  const description = nonEmpty(info.description);
  if (description !== undefined) release.description = description.slice(0, MAX_DESCRIPTION);
  const yankedReason = nonEmpty(info.yanked_reason);
  if (release.yanked && yankedReason !== undefined) release.yankedReason = yankedReason;
  const requiresPython = nonEmpty(info.requires_python);
  if (requiresPython !== undefined) release.requiresPython = requiresPython;
  if (Array.isArray(doc.urls)) {
    const times = doc.urls
      .map((u) => (isObject(u) ? (u.upload_time_iso_8601 ?? u.upload_time) : undefined))
      .filter(isTimestamp)
      .sort();
    if (times[0] !== undefined) release.uploadTime = times[0];
  }
  return release;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' && value.trim() !== 'UNKNOWN' ? value : undefined;
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function projectUrls(info: Record<string, unknown>): Record<string, string> {
  const urls: Record<string, string> = {};
  const home = nonEmpty(info.home_page);
  if (home !== undefined) urls.Homepage = home;
  if (isObject(info.project_urls)) {
    for (const [label, url] of Object.entries(info.project_urls)) {
      if (typeof url === 'string' && url.trim() !== '') urls[label] = url;
    }
  }
  return urls;
}

function vulnerabilities(value: unknown): Vulnerability[] {
  if (!Array.isArray(value)) return [];
  const out: Vulnerability[] = [];
  for (const v of value) {
    if (!isObject(v) || typeof v.id !== 'string') continue;
    // A withdrawn advisory was found to be wrong; PyPI keeps it with a timestamp.
    if (v.withdrawn !== null && v.withdrawn !== undefined) continue;
    const vuln: Vulnerability = { id: v.id, aliases: stringArray(v.aliases), fixedIn: stringArray(v.fixed_in) };
    if (typeof v.link === 'string') vuln.link = v.link;
    const summary = nonEmpty(v.summary) ?? nonEmpty(v.details);
    if (summary !== undefined) vuln.summary = summary.slice(0, 500);
    out.push(vuln);
  }
  return out;
}
