/** Upstream base URLs as they may appear in messages and logs: no credentials, no query string. */

/**
 * `baseUrl` without user info, query or fragment and without a trailing slash, e.g.
 * `http://user:secret@host:8000/v1/?key=x` → `http://host:8000/v1`. Unparseable input → `(invalid URL)`.
 */
export function displayUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return '(invalid URL)';
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
