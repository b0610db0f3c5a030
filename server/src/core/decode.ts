/**
 * The bytes of a requirements file as pip reads them (pip._internal.utils.encoding.auto_decode):
 * a byte-order mark decides, then a PEP 263 `coding:` comment on one of the first two lines,
 * else UTF-8. PowerShell's `pip freeze > requirements.txt` writes UTF-16 with a BOM.
 */

const BOMS: [bytes: number[], encoding: string][] = [
  // UTF-32 before UTF-16: FF FE 00 00 starts with UTF-16LE's FF FE.
  [[0xff, 0xfe, 0x00, 0x00], 'utf-32le'],
  [[0x00, 0x00, 0xfe, 0xff], 'utf-32be'],
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

const CODING = /coding[:=]\s*([-\w.]+)/;

export function decodeRequirementsBytes(data: Uint8Array): string {
  for (const [bom, encoding] of BOMS) {
    if (bom.every((b, i) => data[i] === b)) return decode(data.subarray(bom.length), encoding);
  }
  // PEP 263, as pip applies it: a comment line among the first two that names an encoding.
  let start = 0;
  for (let line = 0; line < 2 && start < data.length; line++) {
    let end = data.indexOf(0x0a, start);
    if (end < 0) end = data.length;
    if (data[start] === 0x23 /* # */) {
      const m = CODING.exec(String.fromCharCode(...data.subarray(start, Math.min(end, start + 200))));
      if (m) return decode(data, m[1]!);
    }
    start = end + 1;
  }
  return decode(data, 'utf-8');
}

function decode(data: Uint8Array, encoding: string): string {
  if (encoding === 'utf-32le' || encoding === 'utf-32be') return decodeUtf32(data, encoding === 'utf-32le');
  // Python's codec names and the web's labels mostly agree, give or take a hyphen (latin-1, latin1);
  // one TextDecoder does not know (a Python-only codec) falls back to UTF-8. BOMs were taken off above.
  const name = encoding.toLowerCase().replace(/_/g, '-');
  for (const label of [name, name.replace(/-/g, '')]) {
    try {
      return new TextDecoder(label, { ignoreBOM: true }).decode(data);
    } catch {
      // not a label TextDecoder knows: try the next spelling
    }
  }
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(data);
}

/** TextDecoder has no UTF-32; invalid code points become U+FFFD, as UTF-8's do. */
function decodeUtf32(data: Uint8Array, little: boolean): string {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const parts: string[] = [];
  for (let i = 0; i + 4 <= data.length; i += 4) {
    const cp = view.getUint32(i, little);
    parts.push(cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '\uFFFD');
  }
  return parts.join('');
}
