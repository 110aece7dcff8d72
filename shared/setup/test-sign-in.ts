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
import { mapsRolesFromTokenGroups, requestsGroupsScope, type TenantConfig } from '../tenants.ts';
import { profileFromClaims } from '../users.ts';
import type { SetupTestResult } from './link.ts';

/** How long the setup page can show a test's result. */
export const SETUP_TEST_RESULT_TTL_SECONDS = 24 * 3600;

type TenantPolicy = Pick<
  TenantConfig,
  'tenantId' | 'roleMappings' | 'scimGroups' | 'requestGroups' | 'allowedEmailDomains' | 'requireEmailVerified'
>;

export function signedInTestResult(tenant: TenantPolicy, claims: IdTokenClaims, now: Date): SetupTestResult {
  const profile = profileFromClaims(claims);
  // The same cap and clean-up a login applies; `undefined` keeps "no claim" apart from "no groups".
  const groups = Array.isArray(claims.groups) ? profile.groups : undefined;
  // The scope this test (as every login) asked for, so the page can tell "not sent" from "not asked for".
  const groupsRequested = requestsGroupsScope(tenant);
  const groupsCode = groupsWarning(tenant, groups, groupsRequested);
  return {
    tenantId: tenant.tenantId,
    at: now.toISOString(),
    outcome: 'signed_in',
    claims: { sub: claims.sub, email: profile.email, emailVerified: profile.emailVerified, groups },
    groupsRequested,
    warnings: [...(groupsCode ? [groupsCode] : []), ...emailWarnings(tenant, profile)],
    expiresAt: Math.floor(now.getTime() / 1000) + SETUP_TEST_RESULT_TTL_SECONDS,
  };
}

const GROUPS_WARNINGS: ReadonlySet<string> = new Set(['groups_claim_missing', 'groups_not_requested']);

/**
 * The groups warning of a test that received `groups` (undefined: no claim),
 * for the tenant's role maps: roles from the groups claim and no claim sent
 * (the Okta app or authorization server has none), or a test that did not
 * ask for groups because roles were mapped only after it ran.
 */
function groupsWarning(
  tenant: Pick<TenantConfig, 'roleMappings' | 'scimGroups'>,
  groups: readonly string[] | undefined,
  groupsRequested: boolean | undefined,
): string | undefined {
  if (groups !== undefined || !mapsRolesFromTokenGroups(tenant)) return undefined;
  // Unknown (a result stored before `groupsRequested`): the groups were asked for, so Okta sent no claim.
  return groupsRequested === false ? 'groups_not_requested' : 'groups_claim_missing';
}

/**
 * A test's warnings as the setup page shows them now: the groups warning for
 * the tenant as it is (role maps set or removed since the test change it),
 * the others as the test found them.
 */
export function currentTestWarnings(
  tenant: Pick<TenantConfig, 'roleMappings' | 'scimGroups'>,
  test: SetupTestResult,
): string[] {
  const others = test.warnings.filter((code) => !GROUPS_WARNINGS.has(code));
  const groups = test.claims ? groupsWarning(tenant, test.claims.groups, test.groupsRequested) : undefined;
  return groups ? [groups, ...others] : others;
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

function emailWarnings(tenant: TenantPolicy, profile: ReturnType<typeof profileFromClaims>): string[] {
  const warnings: string[] = [];
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
