import { ServiceError } from '../errors.ts';
import { isTenantIssuer } from '../oidc/issuer-policy.ts';
import type { TenantConfig } from '../tenants.ts';
import { type User, userIdFor } from '../users.ts';
import type { UniversalLogoutDependencies } from './dependencies.ts';
import type { RevocationSubject } from './parse-subject.ts';

/**
 * The tenant's users the subject names; 404 when none. Only this tenant's
 * users are looked at, so the answer says nothing about other tenants.
 *
 * - `iss_sub`: users are keyed by the tenant's issuer and the `sub` of their
 *   ID tokens (`userIdFor`). Okta sends its org URL as `iss` even when the
 *   tenant signs in through a custom authorization server, whose tokens carry
 *   the same `sub` (the Okta user id), so either is accepted.
 * - `email`: every user of the tenant with that email, compared without case.
 *   Users have no email index (it would cost a write on every profile change);
 *   the tenant's users are read page by page, which a rare call can afford.
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
    const user = await deps.users.getUser(tenant.tenantId, userIdFor(tenant.issuer, subject.sub));
    return user ? [user] : [];
  }
  const email = subject.email.toLowerCase();
  return (await deps.users.listUsers(tenant.tenantId)).filter((user) => user.email?.toLowerCase() === email);
}
