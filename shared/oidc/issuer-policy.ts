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
  const url = URL.parse(issuer);
  if (!url || url.search || url.hash || url.username || url.password) {
    throw new TypeError(`issuer must be a plain https URL without query or fragment, got "${issuer}"`);
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(allowLoopback && loopback && url.protocol === 'http:')) {
    throw new TypeError(`issuer must use https, got "${issuer}"`);
  }
  // Outside local mode, tenant config must not point the service at its own network (SSRF).
  if (!allowLoopback && isPrivateHost(url.hostname)) {
    throw new TypeError(`issuer must be a public host, not a loopback, private or link-local address, got "${issuer}"`);
  }
  return url;
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
