/**
 * Credentials in URLs, kept out of logs and messages. Everything from `scheme://` to the last
 * `@` of the word is hidden, not just to the first `/` or `@`: a password may hold either
 * unencoded, and hiding a little too much (an `@` in a path) is the safe side.
 */

/** A URL with any user name or password replaced, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/i, '$1***@');
}

/**
 * A URL without its user name and password, for keys: unlike redactUrl it keeps everything
 * else (an `@` in a path, as in Azure Artifacts' `feed@Release`, tells two indexes apart).
 */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return redactUrl(url);
  }
}

/** Every URL's user name and password in a text, redacted. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s"'<>]*@/gi, '$1***@');
}
