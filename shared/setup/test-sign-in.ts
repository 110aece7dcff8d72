/**
 * What the setup page shows of a test sign-in: the claims the service
 * received from the admin's Okta (sub, email, email_verified, groups) and
 * warnings for what would go wrong for real users. The login callback builds
 * it instead of signing anyone in: a test creates no user, claims no
 * ownership and opens no session.
 */
import { enforceEmailPolicy } from '../email-policy.ts';
import { ServiceError } from '../errors.ts';
import type { IdTokenClaims } from '../oidc/verify-id-token.ts';
import type { TenantConfig } from '../tenants.ts';
import { profileFromClaims } from '../users.ts';
import type { SetupTestResult } from './link.ts';

/** How long the setup page can show a test's result. */
export const SETUP_TEST_RESULT_TTL_SECONDS = 24 * 3600;

type TenantPolicy = Pick<
  TenantConfig,
  'tenantId' | 'roleMappings' | 'requestGroups' | 'allowedEmailDomains' | 'requireEmailVerified'
>;

export function signedInTestResult(tenant: TenantPolicy, claims: IdTokenClaims, now: Date): SetupTestResult {
  const profile = profileFromClaims(claims);
  // The same cap and clean-up a login applies; `undefined` keeps "no claim" apart from "no groups".
  const groups = Array.isArray(claims.groups) ? profile.groups : undefined;
  return {
    tenantId: tenant.tenantId,
    at: now.toISOString(),
    outcome: 'signed_in',
    claims: { sub: claims.sub, email: profile.email, emailVerified: profile.emailVerified, groups },
    warnings: warningsFor(tenant, profile, groups !== undefined),
    expiresAt: Math.floor(now.getTime() / 1000) + SETUP_TEST_RESULT_TTL_SECONDS,
  };
}

export function failedTestResult(tenantId: string, error: ServiceError, now: Date): SetupTestResult {
  return {
    tenantId,
    at: now.toISOString(),
    outcome: 'failed',
    warnings: [],
    error: { code: error.code, reason: error.reason, details: error.details },
    expiresAt: Math.floor(now.getTime() / 1000) + SETUP_TEST_RESULT_TTL_SECONDS,
  };
}

function warningsFor(
  tenant: TenantPolicy,
  profile: ReturnType<typeof profileFromClaims>,
  hasGroupsClaim: boolean,
): string[] {
  const warnings: string[] = [];
  if (tenant.roleMappings.length > 0 && !hasGroupsClaim) {
    warnings.push(tenant.requestGroups ? 'groups_claim_missing' : 'groups_not_requested');
  }
  if (!profile.email) warnings.push('email_missing');
  // The tenant's own email rules, as a login would apply them, but said instead of enforced.
  try {
    enforceEmailPolicy(profile, tenant);
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    if (error.code === 'EMAIL_DOMAIN_NOT_ALLOWED') warnings.push('email_domain_not_allowed');
    if (error.code === 'EMAIL_NOT_VERIFIED') warnings.push('email_not_verified');
  }
  return warnings;
}
