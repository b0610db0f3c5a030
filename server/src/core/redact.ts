/**
 * Credentials in URLs, kept out of logs and messages. Everything from `scheme://` to the last
 * `@` of the word is hidden, not just to the first `/` or `@`: a password may hold either
 * unencoded, and hiding a little too much (an `@` in a path) is the safe side.
 */

/** A URL with any user name or password replaced, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/i, '$1***@');
}

/** Every URL's user name and password in a text, redacted. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/gi, '$1***@');
}
