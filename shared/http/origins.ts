/**
 * The one validator for every origin an operator configures: the deployment's
 * app URL and app origins (`APP_URL`, `APP_ORIGINS`, CDK `appUrl` /
 * `appOrigins`), `ALLOWED_REDIRECT_ORIGINS`, and a tenant's
 * `--allowed-redirect-origin`. Each of these may receive users after login and
 * read the session's answers through CORS, so each must be exactly one origin:
 * a browser compares origins as exact strings, and so do we.
 *
 * Refused: anything but `https://host[:port]` (plain http only for
 * `localhost`, `127.0.0.1` and `[::1]`, and only where loopback issuers are
 * allowed: the local stack and tests); a path, query or fragment; user info;
 * wildcards (`*`); a host with a leading or trailing dot or an empty label;
 * `null`. A lone trailing `/` is accepted (`https://app.example.com/` is how
 * browsers print an origin's root and names the same origin) and dropped.
 * Scheme and host are normalised (lowercase, default port dropped, IDN to
 * punycode), so the returned value compares equal to a browser's `Origin`.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** scheme://authority with an optional lone "/": nothing else may follow the authority. */
const ORIGIN_SHAPE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\\\s]*)\/?$/i;

export interface OriginOptions {
  /** The setting being read, for the message, e.g. `APP_ORIGINS` or `--allowed-redirect-origin`. */
  readonly what: string;
  /** Accept `http://localhost`, `http://127.0.0.1` and `http://[::1]` (local mode only). */
  readonly allowHttpLoopback: boolean;
}

/**
 * Parses one configured origin and returns it normalised (`new URL(v).origin`).
 * Throws a `TypeError` naming the setting, quoting the value and saying what
 * to write instead.
 */
export function parseExactOrigin(value: string, options: OriginOptions): string {
  const refuse = (why: string) =>
    new TypeError(
      `${options.what} must be an exact origin like https://app.example.com (scheme, host and optional port; nothing after it), got "${value}": ${why}`,
    );
  if (value.trim().toLowerCase() === 'null')
    throw refuse('"null" is the origin of sandboxed and file pages, never allowed');
  const shape = ORIGIN_SHAPE.exec(value);
  if (!shape) {
    throw refuse(
      /^[a-z][a-z0-9+.-]*:\/\//i.test(value)
        ? 'remove the path, query and fragment'
        : 'write the scheme and host, e.g. https://app.example.com',
    );
  }
  const authority = shape[2] ?? '';
  if (authority.includes('@')) throw refuse('remove the user name and password');
  const url = checkedUrl(value, authority, options, refuse);
  return url.origin;
}

/**
 * Parses the deployment's app URL (`APP_URL`, CDK `appUrl`): where users land
 * after login when neither the tile nor the tenant says otherwise. An https
 * origin plus an optional path (plain http only for loopback hosts in local
 * mode); no query, fragment or user info. Throws a `TypeError` like
 * `parseExactOrigin`.
 */
export function parseAppUrl(value: string, options: { readonly allowHttpLoopback: boolean }): URL {
  const what = 'APP_URL';
  const refuse = (why: string) =>
    new TypeError(
      `${what} must be the app's URL like https://app.example.com/home (no query or fragment), got "${value}": ${why}`,
    );
  const shape = /^([a-z][a-z0-9+.-]*):\/\/([^/?#\\\s]*)(\/[^?#\\\s]*)?$/i.exec(value);
  if (!shape) {
    throw refuse(
      /[?#]/.test(value)
        ? 'remove the query and fragment'
        : 'write the scheme, host and path, e.g. https://app.example.com/',
    );
  }
  const authority = shape[2] ?? '';
  if (authority.includes('@')) throw refuse('remove the user name and password');
  return checkedUrl(value, authority, { what, allowHttpLoopback: options.allowHttpLoopback }, refuse);
}

/** The scheme and host rules both parsers share. */
function checkedUrl(value: string, authority: string, options: OriginOptions, refuse: (why: string) => TypeError): URL {
  if (authority.includes('*')) throw refuse('wildcards are not allowed: list each origin');
  const url = URL.parse(value);
  if (!url || url.host === '') throw refuse('not a URL with a host');
  const host = url.hostname;
  if (host.startsWith('.') || host.endsWith('.') || host.includes('..')) {
    throw refuse('write the full host name without a leading or trailing dot (suffixes are not allowed)');
  }
  const loopback = LOOPBACK_HOSTS.has(host);
  if (url.protocol === 'http:') {
    if (!loopback) throw refuse('use https (plain http only for localhost in the local stack)');
    if (!options.allowHttpLoopback) throw refuse('use https (plain http is only for the local stack)');
  } else if (url.protocol !== 'https:') {
    throw refuse('use https');
  }
  return url;
}

/**
 * A session token's `aud` as configured (`APP_AUDIENCE`, the CDK's
 * `appAudience`): any absolute URI without spaces — an audience need not be an
 * origin, and every verifier compares it as a string, so it is only checked,
 * never normalised.
 */
export function isTokenAudience(value: string): boolean {
  return !/\s/.test(value) && URL.canParse(value);
}
