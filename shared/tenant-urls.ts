/**
 * A tenant's addresses on this service: what its Okta admin pastes into the
 * Okta app, and what Okta calls. One builder per address, used by the
 * functions (the `redirect_uri` of a login, the Universal Logout token's
 * `aud`, SCIM's `meta.location`), the setup page, the tenant CLI, the local
 * stack and the CDK stack's outputs (there with `<tenant>` for the id). Each
 * path is also a route key in `routes.ts` (`/t/{tenant}/...`).
 *
 * `origin` is the deployment's public origin (`PUBLIC_URL`, or the API's own
 * domain), without a trailing slash.
 */

const ENDPOINTS = {
  login: 'login',
  callback: 'callback',
  scim: 'scim/v2',
  universalLogout: 'global-token-revocation',
} as const;

export type TenantEndpoint = keyof typeof ENDPOINTS;

/** `/t/<tenant>/<endpoint>`: the path of one of a tenant's endpoints. */
export function tenantPath(tenantId: string, endpoint: TenantEndpoint): string {
  return `/t/${tenantId}/${ENDPOINTS[endpoint]}`;
}

/** The Okta app's _Initiate login URI_ (where a tile click starts a login). */
export function tenantLoginUrl(origin: string, tenantId: string): string {
  return `${origin}${tenantPath(tenantId, 'login')}`;
}

/** The Okta app's _Sign-in redirect URI_: the `redirect_uri` of the authorization request and the code exchange. */
export function tenantCallbackUrl(origin: string, tenantId: string): string {
  return `${origin}${tenantPath(tenantId, 'callback')}`;
}

/** The Okta app's _SCIM connector base URL_. */
export function scimBaseUrl(origin: string, tenantId: string): string {
  return `${origin}${tenantPath(tenantId, 'scim')}`;
}

/**
 * The Okta app's Universal Logout (_Global token revocation_) endpoint, which
 * is also the exact `aud` Okta puts in the tokens it sends there.
 */
export function universalLogoutUrl(origin: string, tenantId: string): string {
  return `${origin}${tenantPath(tenantId, 'universalLogout')}`;
}
