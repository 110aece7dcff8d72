/**
 * Where a tenant's Universal Logout endpoint is: the URL the tenant's Okta
 * admin pastes into Okta, which is also the exact `aud` Okta puts in the
 * tokens it sends there. The route key in `shared/routes.ts` is the same path.
 */
export function revocationEndpointPath(tenantId: string): string {
  return `/t/${tenantId}/global-token-revocation`;
}

/** `origin` is the deployment's public origin (PUBLIC_URL, or the API's own domain). */
export function revocationEndpoint(origin: string, tenantId: string): string {
  return `${origin}${revocationEndpointPath(tenantId)}`;
}
