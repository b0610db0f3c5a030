/**
 * `.netrc` credentials, as pip (through requests) and uv read them: `machine HOST login L password
 * P`, a `default` entry for every other host, `macdef` bodies skipped to the next blank line,
 * double-quoted tokens, `#` comments. A later entry for the same host replaces an earlier one.
 */

export interface NetrcEntry {
  login: string;
  password: string;
}

export interface Netrc {
  machines: Map<string, NetrcEntry>;
  default?: NetrcEntry;
}

export function readNetrc(text: string): Netrc {
  const tokens = tokenize(text);
  const netrc: Netrc = { machines: new Map() };
  let i = 0;
  while (i < tokens.length) {
    const word = tokens[i++]!;
    if (word.kind === 'macdef') continue;
    if (word.text !== 'machine' && word.text !== 'default') continue;
    const host = word.text === 'machine' ? tokens[i++]?.text : undefined;
    const entry: NetrcEntry = { login: '', password: '' };
    while (i < tokens.length && !['machine', 'default', 'macdef'].includes(tokens[i]!.text)) {
      const key = tokens[i++]!.text;
      const value = tokens[i++]?.text ?? '';
      if (key === 'login') entry.login = value;
      else if (key === 'password') entry.password = value;
    }
    if (host !== undefined) netrc.machines.set(host.toLowerCase(), entry);
    else netrc.default = entry;
  }
  return netrc;
}

/** The entry for a host name (without port), else the default entry. */
export function netrcFor(netrc: Netrc, host: string): NetrcEntry | undefined {
  return netrc.machines.get(host.toLowerCase()) ?? netrc.default;
}

interface Token {
  text: string;
  kind: 'word' | 'macdef';
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[2]?.startsWith('#')) {
      // A comment runs to the end of its line.
      const end = text.indexOf('\n', m.index);
      re.lastIndex = end < 0 ? text.length : end;
      continue;
    }
    const word = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    tokens.push({ text: word, kind: 'word' });
    if (m[2] === 'macdef') {
      // A macro's body runs to the first empty line; its words are not settings.
      const end = text.slice(re.lastIndex).search(/\n[ \t]*\r?\n/);
      re.lastIndex = end < 0 ? text.length : re.lastIndex + end + 1;
      tokens[tokens.length - 1] = { text: 'macdef', kind: 'macdef' };
    }
  }
  return tokens;
}
