/**
 * Markdown built from text the index controls. Every such string goes through
 * `text()` or `link()`, so that a summary or reason cannot add links, images,
 * HTML or command URIs to what the editor renders.
 */

// Control characters (except tab/newline), bidirectional marks and overrides, and the invisible
// characters that can disguise a name are dropped.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;

/** Plain text, escaped for CommonMark (and HTML, which some clients render). */
export function text(value: string): string {
  return (
    value
      .replace(CONTROL, '')
      // `:` and `@` too: renderers turn bare URLs and e-mail addresses into links (GFM autolinks).
      .replace(/[\\`*_{}[\]()#+\-.!|~>:@]/g, '\\$&')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/\s*\n\s*/g, ' ')
  );
}

/** A link only for http(s) URLs; anything else is shown as escaped text. */
export function link(label: string, url: string): string {
  const safe = safeUrl(url);
  return safe ? `[${text(label)}](${safe})` : text(label);
}

export function safeUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  parsed.username = '';
  parsed.password = '';
  // Characters that could end the link destination or start a title are percent-encoded.
  return parsed.href.replace(/[()<>\s"'`\\]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Inline code with a fence longer than any backtick run inside. */
export function code(value: string): string {
  const clean = value.replace(CONTROL, '').replace(/\s*\n\s*/g, ' ');
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** Index text for a plain-text message (a diagnostic): one line, no control characters, bounded. */
export function singleLine(value: string, max: number): string {
  return truncate(value.replace(CONTROL, ''), max);
}

export function truncate(value: string, max: number): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
