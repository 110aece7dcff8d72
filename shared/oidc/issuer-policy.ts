import ipaddr from 'ipaddr.js';
import { ServiceError } from '../errors.ts';
import { isPublicAddress } from './public-address.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Hosts that name this machine or a private network rather than an Okta org:
 * `localhost` (and `*.localhost`) and IP literals that `isPublicAddress`
 * refuses (loopback, private, link-local such as the instance metadata
 * address, unique-local, carrier-grade NAT, reserved, and IPv6 that embeds
 * IPv4: `[::a9fe:a9fe]`, `[::ffff:127.0.0.1]`, `[64:ff9b::7f00:1]`,
 * `[2002:7f00:1::]`). Names that merely resolve to such addresses are refused
 * when connecting (`createHttpFetch`), by the same rule.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  // A host that is not an IP literal is a name: judged on the addresses it resolves to.
  if (!ipaddr.isValid(host)) return false;
  return !isPublicAddress(host);
}

/**
 * Issuers must be https (OIDC Core §2, §4). Loopback http issuers are allowed
 * only when the deployment says so (local stack and tests).
 */
export function assertAcceptableIssuer(issuer: string, allowLoopback: boolean): URL {
  const problem = issuerProblem(issuer, allowLoopback);
  if (problem) throw new TypeError(`issuer "${issuer}": ${problem}`);
  return new URL(issuer);
}

/** A rule a URL breaks, as the fix a person makes (`remove` + `the query`); `editable`: editing the URL fixes it. */
interface Fix {
  readonly verb: 'use' | 'remove';
  readonly what: string;
  readonly editable: boolean;
}

/**
 * What is wrong with an issuer as a person typed it (`--issuer`, `--org-url`,
 * the setup page), in words: the fix for each rule it breaks and only those,
 * then, when editing fixes them all, the URL with every fix applied (`remove
 * the trailing slash: https://acme.okta.com`). Undefined: acceptable. The
 * rules: https (plain http only for loopback hosts where allowed), no user
 * name or password, query or fragment, a public host outside local mode
 * (SSRF), and with `exact` (an issuer, not an org URL or endpoint) no
 * trailing slash: discovery's `issuer` and every token's `iss` must equal it,
 * and Okta's have none.
 */
export function issuerProblem(
  value: string,
  allowLoopback: boolean,
  options: { exact?: boolean } = {},
): string | undefined {
  const url = URL.parse(value);
  if (!url?.host) return 'it is not a URL: an Okta issuer looks like https://<org>.okta.com/oauth2/default';
  const plainHttp = allowLoopback && LOOPBACK_HOSTS.has(url.hostname) && url.protocol === 'http:';
  // On the text as typed: the parsed URL drops an empty query (`?`), fragment (`#`) or user info (`@`).
  const beforeFragment = value.replace(/#.*$/s, '');
  const trailingSlash = options.exact === true && beforeFragment.replace(/\?.*$/s, '').endsWith('/');
  const rules: Array<[boolean, Fix]> = [
    [url.protocol !== 'https:' && !plainHttp, { verb: 'use', what: 'https', editable: true }],
    [/^[^/]*\/\/[^/?#]*@/.test(value), { verb: 'remove', what: 'the user name and password', editable: true }],
    // Outside local mode, tenant config must not point the service at its own network (SSRF).
    [!allowLoopback && isPrivateHost(url.hostname), { verb: 'use', what: PUBLIC_HOST, editable: false }],
    [beforeFragment.includes('?'), { verb: 'remove', what: 'the query', editable: true }],
    [value.includes('#'), { verb: 'remove', what: 'the fragment', editable: true }],
    [trailingSlash, { verb: 'remove', what: 'the trailing slash', editable: true }],
  ];
  const fixes = rules.filter(([broken]) => broken).map(([, fix]) => fix);
  if (fixes.length === 0) return undefined;
  const said = fixesInWords(fixes);
  if (!fixes.every((fix) => fix.editable)) return said;
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${said}: ${plainHttp ? 'http:' : 'https:'}//${url.host}${trailingSlash ? path.replace(/\/+$/, '') : path}`;
}

const PUBLIC_HOST =
  'your Okta org’s address (an issuer must be on a public host, not a loopback, private or link-local address)';

/** `use https and remove the query, the fragment and the trailing slash`: one verb for a run of fixes. */
function fixesInWords(fixes: readonly Fix[]): string {
  const list = (items: readonly string[]) =>
    items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
  const runs: Array<{ verb: string; whats: string[] }> = [];
  for (const fix of fixes) {
    const last = runs.at(-1);
    if (last?.verb === fix.verb) last.whats.push(fix.what);
    else runs.push({ verb: fix.verb, whats: [fix.what] });
  }
  return list(runs.map((run) => `${run.verb} ${list(run.whats)}`));
}

/** Same rule for endpoints that discovery hands us (token, JWKS, authorize). */
export function assertAcceptableEndpoint(name: string, value: unknown, allowLoopback: boolean): string {
  if (typeof value !== 'string') {
    throw new ServiceError('DISCOVERY_FAILED', { reason: `discovery_missing_${name}`, details: { endpoint: name } });
  }
  try {
    assertAcceptableIssuer(value.replace(/\?.*$/, ''), allowLoopback);
  } catch {
    throw new ServiceError('DISCOVERY_FAILED', { reason: `discovery_insecure_${name}`, details: { endpoint: name } });
  }
  return value;
}

/**
 * Okta's tile click often sends the org URL (`https://acme.okta.com`) even when
 * tokens come from a custom authorization server (`.../oauth2/default`), so a
 * tenant accepts both. Comparison is exact apart from one trailing slash on the
 * org URL, which Okta is known to add.
 */
export function isTenantIssuer(candidate: string, tenant: { issuer: string; orgUrl: string }): boolean {
  if (candidate === tenant.issuer) return true;
  return candidate === tenant.orgUrl || candidate === `${tenant.orgUrl}/`;
}

/** The org URL is the issuer's origin: `https://acme.okta.com/oauth2/default` → `https://acme.okta.com`. */
export function orgUrlOf(issuer: string): string {
  return new URL(issuer).origin;
}
