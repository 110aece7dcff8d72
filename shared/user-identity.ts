/**
 * One person, one user: the one module that says which user a person is.
 *
 * A user's id is derived from (issuer, sub) when the service first meets the
 * person through a login or through SCIM with Okta's user id as externalId
 * (`userIdFor`), so both meet on one item whatever comes first. A user SCIM
 * creates without externalId gets a random id; its first login is linked to
 * it by userName (the ID token's `preferred_username`, Okta's login, equal to
 * SCIM's userName) when that user has no `sub` yet, and from then on the
 * login's derived id holds a link to it. A user SCIM deletes leaves a
 * tombstone at its id (and at a link's), so no key of a deleted person ever
 * finds someone.
 *
 * Who uses it:
 * - login: `provisioning.ts` writes by these same rules with conditional
 *   writes (no read first); a refused login is audited under the user this
 *   module resolves (`login/audit-failures.ts`);
 * - SCIM: ids in paths, `userName eq` and `externalId eq` (`scim/users.ts`);
 * - Universal Logout's `iss_sub` format (`universal-logout/find-users.ts`);
 * - the tenant CLI's user commands (`tenant-admin.ts`), which accept a
 *   user's id or an id a login derived (the audit trail of older versions
 *   shows those) and act on the user it resolves to.
 *
 * Email never resolves a person here: Universal Logout's `email` format has
 * its own lookup (`usersWithEmail`), which returns every user with that email.
 */
import type { UserDirectory, UserLookup } from './ports.ts';
import { type User, userIdFor } from './users.ts';

export { userIdFor };

/** What names a person. */
export type PersonKey =
  /** An ID token's (or a Universal Logout subject's) issuer and `sub`. */
  | { readonly by: 'login'; readonly issuer: string; readonly sub: string }
  /** A user id: the user's own, or one a login derived (followed to the user it links to). */
  | { readonly by: 'id'; readonly userId: string }
  /** SCIM's externalId (Okta's user id). */
  | { readonly by: 'externalId'; readonly externalId: string }
  /** SCIM's userName (held by one user; compared without case). */
  | { readonly by: 'userName'; readonly userName: string };

export type Resolution =
  /** `linked`: the key was a login's derived id that points at this (SCIM-created) user. */
  | { readonly kind: 'user'; readonly user: User; readonly linked: boolean }
  /** SCIM deleted the user: nothing signs in or is acted on as them until SCIM creates them again. */
  | { readonly kind: 'deleted'; readonly userId: string }
  | { readonly kind: 'none' };

const NONE: Resolution = { kind: 'none' };

/** The user a key names in a tenant, following at most one link. */
export async function resolveUser(lookup: UserLookup, tenantId: string, key: PersonKey): Promise<Resolution> {
  switch (key.by) {
    case 'login':
      return resolveId(lookup, tenantId, userIdFor(key.issuer, key.sub));
    case 'id':
      return resolveId(lookup, tenantId, key.userId);
    case 'externalId': {
      const userId = await lookup.findUserIdByExternalId(tenantId, key.externalId);
      return userId ? resolveId(lookup, tenantId, userId) : NONE;
    }
    case 'userName': {
      const userId = await lookup.findUserIdByUserName(tenantId, key.userName);
      return userId ? resolveId(lookup, tenantId, userId) : NONE;
    }
  }
}

async function resolveId(lookup: UserLookup, tenantId: string, userId: string): Promise<Resolution> {
  const found = await lookup.readUserKey(tenantId, userId);
  if (!found) return NONE;
  if (found.kind === 'user') return { kind: 'user', user: found.user, linked: false };
  if (found.kind === 'deleted') return { kind: 'deleted', userId: found.userId };
  // A link points at a user's own id, never at another link.
  const target = await lookup.readUserKey(tenantId, found.userId);
  if (target?.kind === 'user') return { kind: 'user', user: target.user, linked: true };
  if (target?.kind === 'deleted') return { kind: 'deleted', userId: target.userId };
  return NONE;
}

/**
 * The link rule: a login whose `preferred_username` is a user's userName is
 * linked to that user only when SCIM created it without a `sub` (no login
 * has claimed it). The login transaction states the same rule as a
 * condition (`attribute_not_exists(sub)`).
 */
export function isLinkableByUserName(user: Pick<User, 'sub'>): boolean {
  return user.sub === '';
}

/**
 * Universal Logout's `email` subject: every user of the tenant whose email
 * (the last ID token's) or any SCIM email equals `email`, without case. A
 * kill switch errs on the side of more users; it is never used to sign
 * anyone in or to pick the one user a person is.
 */
export async function usersWithEmail(
  directory: Pick<UserDirectory, 'listUsers'>,
  tenantId: string,
  email: string,
): Promise<User[]> {
  const wanted = email.toLowerCase();
  return (await directory.listUsers(tenantId)).filter(
    (user) =>
      user.email?.toLowerCase() === wanted ||
      (user.scim?.emails ?? []).some((entry) => entry.value.toLowerCase() === wanted),
  );
}
