/** `# pypi-status: ignore` silences the dependencies of the line it ends. */
const IGNORE = /#\s*pypi-status\s*:\s*ignore\b/i;

export function isIgnoreComment(comment: string): boolean {
  return IGNORE.test(comment);
}
