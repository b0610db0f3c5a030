/** Every conversion between the client's URIs and file paths, and the path tests the server makes. */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The path of a `file:` URI; undefined for any other scheme (`untitled:`) or a URI Node cannot convert. */
export function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}

/** A URI's path part, decoded, whatever its scheme (the URI itself if it is none): enough to tell a file's kind by its name. */
export function uriPath(uri: string): string {
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}

/** Whether `file` is inside `dir` (and not `dir` itself). */
export function isUnder(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** A glob that matches exactly this path: each character that would start a pattern in a class of its own. */
export function globLiteral(text: string): string {
  return text.replace(/[*?[{]/g, (c) => `[${c}]`);
}
