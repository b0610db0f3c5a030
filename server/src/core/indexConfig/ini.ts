/**
 * pip's configuration files, read as Python's `configparser.RawConfigParser` reads them (pip's
 * own reader): full-line `#`/`;` comments only, `key = value` or `key: value`, continuation lines
 * indented deeper than their key, keys lower-cased, `[DEFAULT]` seen in every section, no
 * interpolation. A file configparser refuses (a duplicate section or key, a line that is not an
 * option) makes pip stop with an error; it is reported, and none of it is used.
 */

export type IniSections = Map<string, Map<string, string>>;

export class IniError extends Error {}

const SECTION = /^\[(.+)\]/;
const OPTION = /^(.*?)\s*[=:]\s*(.*)$/;

/** Section → key → value, sections without `[DEFAULT]` but with its keys merged in, or an IniError. */
export function readIni(text: string): IniSections {
  const sections: IniSections = new Map();
  const defaults = new Map<string, string[]>();
  const raw = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  let option: string | undefined;
  let indent = Infinity;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (const [i, line] of lines.entries()) {
    const trimmed = line.trim();
    const comment = trimmed.startsWith('#') || trimmed.startsWith(';');
    if (trimmed === '' || comment) {
      // A blank line inside a value is part of it (until the value ends); a comment is not.
      // (configparser keeps the value open across both).
      if (!comment && current && option !== undefined) current.get(option)?.push('');
      continue;
    }
    const level = line.length - line.trimStart().length;
    if (current && option !== undefined && level > indent) {
      current.get(option)!.push(trimmed);
      continue;
    }
    indent = level;
    const header = SECTION.exec(trimmed);
    if (header) {
      const name = header[1]!;
      if (name === 'DEFAULT') current = defaults;
      else if (raw.has(name)) throw new IniError(`line ${i + 1}: section [${name}] appears twice`);
      else raw.set(name, (current = new Map<string, string[]>()));
      option = undefined;
      continue;
    }
    if (!current) throw new IniError(`line ${i + 1}: a setting before any [section]`);
    const match = OPTION.exec(trimmed);
    if (!match) throw new IniError(`line ${i + 1}: not a "key = value" line`);
    const key = match[1]!.trimEnd().toLowerCase();
    if (key === '') throw new IniError(`line ${i + 1}: a value without a key`);
    if (current.has(key)) throw new IniError(`line ${i + 1}: "${key}" is set twice in the same section`);
    current.set(key, [match[2]!]);
    option = key;
  }
  const join = (value: string[]) => value.join('\n').trimEnd();
  for (const [name, options] of raw) {
    const merged = new Map<string, string>();
    for (const [key, value] of defaults) merged.set(key, join(value));
    for (const [key, value] of options) merged.set(key, join(value));
    sections.set(name, merged);
  }
  return sections;
}
