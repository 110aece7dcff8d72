/**
 * Decides whether a `target_link_uri` may be followed after login (OIDC Core
 * §4: the RP MUST verify it so it is not an open redirector).
 *
 * The decision is made on what the browser will finally be sent, not on the
 * raw string: the value is resolved against our origin exactly as a browser
 * resolves a `Location` (WHATWG URL: dot segments, backslashes, encoded dots),
 * and the result is accepted only when
 * - its origin is ours or allow-listed, and
 * - the emitted value cannot be read by a browser as scheme-relative: no
 *   leading `//`, `/\` or `\\`, also not once percent-decoded or with the
 *   characters browsers strip (tabs, newlines) removed.
 *
 * Accepted inputs are a path (`/app?x#y`) or an absolute http(s) URL. Targets
 * on our origin are emitted as a path, others as their normalised href.
 * Everything else is refused.
 */

const MAX_TARGET_LENGTH = 2048;
/** C0/C1 controls, space and DEL: browsers strip or reinterpret them, and no real target needs them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f]/;
/** What browsers read as "another host": two slashes in any mix with backslashes. */
const SCHEME_RELATIVE = /^[/\\]{2}/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters browsers strip from URLs
const STRIPPED_BY_BROWSERS = /[\u0000-\u0020]/g;

export interface RedirectPolicy {
  /** Our own origin, e.g. `https://login.example.com`. */
  readonly publicOrigin: string;
  /** Other origins (scheme://host[:port]) targets may point to. */
  readonly allowedOrigins: readonly string[];
}

/** Returns the `Location` to redirect to, or undefined when the target must be ignored. */
export function resolveRedirectTarget(raw: string | undefined, policy: RedirectPolicy): string | undefined {
  if (raw === undefined || raw.length === 0 || raw.length > MAX_TARGET_LENGTH) return undefined;
  if (CONTROL_OR_SPACE.test(raw) || raw.includes('\\')) return undefined;
  const isPath = raw.startsWith('/');
  const url = isPath ? URL.parse(raw, policy.publicOrigin) : URL.parse(raw);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined;
  if (url.username || url.password) return undefined;
  // Our own origin is always emitted as a path, so the scheme-relative check below sees it.
  const location = url.origin === policy.publicOrigin ? `${url.pathname}${url.search}${url.hash}` : url.href;
  return isSafeLocation(location, policy) ? location : undefined;
}

/**
 * The last check before a `Location` header is emitted: the value, resolved
 * as a browser would, stays on an allowed origin and is not scheme-relative in
 * any spelling. Also used for targets that did not come from the request
 * (tenant defaults), so every redirect after login passes the same rule.
 */
export function isSafeLocation(location: string, policy: RedirectPolicy): boolean {
  if (location.length === 0 || location.length > MAX_TARGET_LENGTH || CONTROL_OR_SPACE.test(location)) return false;
  if (location.includes('\\')) return false;
  for (const spelling of decodings(location)) {
    if (SCHEME_RELATIVE.test(spelling.replace(STRIPPED_BY_BROWSERS, ''))) return false;
  }
  const resolved = URL.parse(location, policy.publicOrigin);
  if (!resolved || (resolved.protocol !== 'https:' && resolved.protocol !== 'http:')) return false;
  if (resolved.username || resolved.password) return false;
  return resolved.origin === policy.publicOrigin || policy.allowedOrigins.includes(resolved.origin);
}

/** The value and its percent-decodings (a proxy or app may decode once or twice more). */
function decodings(value: string): string[] {
  const spellings = [value];
  let current = value;
  for (let round = 0; round < 3; round++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      // Malformed escapes: decode what can be decoded, byte by byte.
      decoded = current.replace(/%([0-9a-f]{2})/gi, (_match, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      );
    }
    if (decoded === current) break;
    spellings.push(decoded);
    current = decoded;
  }
  return spellings;
}

/** The built-in page users land on when nothing else says where (`GET /signed-in`, the session function). */
export const SIGNED_IN_PATH = '/signed-in';

/** Resolves paths for the checks below: a path that stays on it stays on any origin of ours. */
const ANY_ORIGIN_OF_OURS = 'https://login.invalid';

/**
 * Why `path` cannot be the deployment's default path (`DEFAULT_REDIRECT_PATH`,
 * CDK `defaultRedirectPath`), in words naming `setting`; undefined when it
 * can. It must be a path on this service that every browser reads as one:
 * starting with a single `/`, and passing `isSafeLocation` (so not `/\host`
 * or `/%2F%2Fhost` either), since it also becomes the signed-out page's link
 * and the `post_logout_redirect_uri`, which no other check sees.
 */
export function defaultRedirectPathProblem(setting: string, path: string): string | undefined {
  const isPath = path.startsWith('/') && isSafeLocation(path, { publicOrigin: ANY_ORIGIN_OF_OURS, allowedOrigins: [] });
  return isPath ? undefined : `${setting} must be a path starting with a single "/", got "${path}"`;
}

/** `DEFAULT_REDIRECT_PATH` from the environment: undefined when unset or empty; a TypeError when not a path. */
export function defaultRedirectPathFrom(env: NodeJS.ProcessEnv): string | undefined {
  const path = env.DEFAULT_REDIRECT_PATH || undefined;
  const problem = path === undefined ? undefined : defaultRedirectPathProblem('DEFAULT_REDIRECT_PATH', path);
  if (problem) throw new TypeError(problem);
  return path;
}

/**
 * The `post_logout_redirect_uri` of a sign-out through the tenant's Okta, and
 * the sign-out redirect URI the tenant CLI prints for its Okta app (they must
 * be equal, or Okta refuses the sign-out): the default path on our origin,
 * else our origin's `/`.
 */
export function signOutRedirectUri(origin: string, defaultRedirectPath: string | undefined): string {
  return new URL(defaultRedirectPath ?? '/', origin).href;
}

/** Where the signed-out page's Continue goes: `APP_URL`, else the default path; no link when neither is set. */
export function continueAfterSignOut(config: {
  readonly appUrl: string | undefined;
  readonly defaultRedirectPath: string | undefined;
}): string | undefined {
  return config.appUrl ?? config.defaultRedirectPath;
}

/**
 * Every origin a redirect after login may go to, besides our own: the
 * deployment's (`ALLOWED_REDIRECT_ORIGINS`, and the app's: `APP_URL`'s origin
 * and `APP_ORIGINS`) and the tenant's own `--allowed-redirect-origin` list.
 */
export function redirectOrigins(
  config: { readonly allowedRedirectOrigins: readonly string[]; readonly appOrigins: readonly string[] },
  tenant: { readonly allowedRedirectOrigins: readonly string[] },
): string[] {
  return [...new Set([...config.allowedRedirectOrigins, ...config.appOrigins, ...tenant.allowedRedirectOrigins])];
}

/** Where a login may send the browser, in order of preference (README "Where users land"). */
export interface LandingChoices {
  /** `target_link_uri` from the tile, as checked when the login started. */
  readonly target: string | undefined;
  /** The tenant's `--default-redirect`. */
  readonly tenantDefault: string | undefined;
  /** The deployment's `APP_URL`. */
  readonly appUrl: string | undefined;
  /** The deployment's `DEFAULT_REDIRECT_PATH`, only when set. */
  readonly defaultRedirectPath: string | undefined;
}

/**
 * The `Location` after a login: the first choice that passes `isSafeLocation`,
 * else the built-in signed-in page. Every choice passes the same final rule,
 * whatever its source, and the answer is never a page that does not exist.
 */
export function landingLocation(choices: LandingChoices, policy: RedirectPolicy): string {
  for (const candidate of [choices.target, choices.tenantDefault, choices.appUrl, choices.defaultRedirectPath]) {
    if (candidate !== undefined && isSafeLocation(candidate, policy)) return candidate;
  }
  return SIGNED_IN_PATH;
}
