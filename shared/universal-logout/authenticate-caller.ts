import { createHash } from 'node:crypto';
import { ServiceError } from '../errors.ts';
import type { TenantConfig } from '../tenants.ts';
import type { UniversalLogoutDependencies } from './dependencies.ts';
import { CLOCK_SKEW_SECONDS, verifyRevocationToken } from './verify-token.ts';

/**
 * Proves the call comes from the tenant's Okta org, for this app and this
 * endpoint, once. The keys are the org authorization server's: discovery of
 * the tenant's org URL (cached, with the same https and private-address rules
 * as the login's discovery), then its `jwks_uri` through the shared key cache
 * (refetched on an unknown `kid` at most every cooldown). The `jti` is
 * recorded only for a token that passed every rule, so refused calls write
 * nothing; a second use of it is refused.
 */
export async function authenticateCaller(
  deps: UniversalLogoutDependencies,
  tenant: TenantConfig,
  token: string,
  endpoint: string,
): Promise<void> {
  const metadata = await deps.discovery.get(tenant.orgUrl);
  const verified = await verifyRevocationToken(token, deps.signingKeys.forJwksUri(metadata.jwksUri), {
    orgUrl: tenant.orgUrl,
    clientId: tenant.clientId,
    endpoint,
    now: deps.now(),
  });
  // Kept until the token could no longer pass the exp check (the skew included).
  if (!(await deps.replays.firstUse(replayId(tenant, verified.jti), verified.exp + CLOCK_SKEW_SECONDS))) {
    throw new ServiceError('REVOCATION_TOKEN_INVALID', { reason: 'revocation_token_replayed' });
  }
}

/**
 * A `jti` is unique per issuer; scoped further to the tenant and this purpose,
 * and hashed, so the table holds no token value and ids of different tenants
 * or uses never collide.
 */
function replayId(tenant: TenantConfig, jti: string): string {
  return createHash('sha256')
    .update(['global-token-revocation', tenant.tenantId, tenant.orgUrl, jti].join('\n'))
    .digest('base64url');
}
