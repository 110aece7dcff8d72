import { ServiceError } from '../errors.ts';
import { isTenantIssuer } from '../oidc/issuer-policy.ts';
import type { TenantConfig } from '../tenants.ts';
import { resolveUser, usersWithEmail } from '../user-identity.ts';
import type { User } from '../users.ts';
import type { UniversalLogoutDependencies } from './dependencies.ts';
import type { RevocationSubject } from './parse-subject.ts';

/**
 * The tenant's users the subject names; 404 when none. Only this tenant's
 * users are looked at, so the answer says nothing about other tenants.
 *
 * - `iss_sub`: the one resolver (`user-identity.ts`) by the tenant's issuer
 *   and the `sub`, so a login linked to a user SCIM created without
 *   externalId finds that user. Okta sends its org URL as `iss` even when the
 *   tenant signs in through a custom authorization server, whose tokens carry
 *   the same `sub` (the Okta user id), so either is accepted.
 * - `email`: every user with that email (`usersWithEmail`), compared without
 *   case. Users have no email index (it would cost a write on every profile
 *   change); the tenant's users are read page by page, which a rare call can afford.
 */
export async function findSubjectUsers(
  deps: Pick<UniversalLogoutDependencies, 'users'>,
  tenant: TenantConfig,
  subject: RevocationSubject,
): Promise<User[]> {
  const users = await candidates(deps, tenant, subject);
  if (users.length === 0)
    throw new ServiceError('SUBJECT_NOT_FOUND', { reason: `subject_not_found_${subject.format}` });
  return users;
}

async function candidates(
  deps: Pick<UniversalLogoutDependencies, 'users'>,
  tenant: TenantConfig,
  subject: RevocationSubject,
): Promise<User[]> {
  if (subject.format === 'iss_sub') {
    if (!isTenantIssuer(subject.iss, tenant)) return [];
    const found = await resolveUser(deps.users, tenant.tenantId, {
      by: 'login',
      issuer: tenant.issuer,
      sub: subject.sub,
    });
    return found.kind === 'user' ? [found.user] : [];
  }
  return usersWithEmail(deps.users, tenant.tenantId, subject.email);
}
