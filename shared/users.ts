import { createHash, randomBytes } from 'node:crypto';
import { MAX_GROUP_NAME_LENGTH, MAX_GROUPS_MATCHED } from './roles.ts';

/** What a `USER#<id>` key holds, by its `type` attribute: a user, a login's link to a SCIM user, a user SCIM deleted. */
export const USER_KEY_TYPES = { user: 'user', link: 'user_link', deleted: 'user_deleted' } as const;

export type Role = 'owner' | 'member';

/** A person of a tenant, identified by (tenant, issuer, sub) — never by email alone. */
export interface User {
  readonly tenantId: string;
  readonly userId: string;
  readonly issuer: string;
  /** Okta's user id; empty for a user SCIM created without externalId until they first sign in. */
  readonly sub: string;
  /**
   * The email of the last ID token that passed the tenant's email policy:
   * what `/me`, the authorizer and the app see. SCIM's emails stay in `scim`.
   */
  readonly email: string | undefined;
  /** From the ID token only (the IdP verified it); never from SCIM. */
  readonly emailVerified: boolean | undefined;
  readonly name: string | undefined;
  readonly groups: readonly string[];
  /** App roles from the tenant's group mappings, recomputed at every login. */
  readonly roles: readonly string[];
  readonly role: Role;
  /**
   * An administrator's `disable-user`. Apart from Okta's `deactivated`: each
   * is lifted only by its own side (`enable-user`, SCIM `active: true`).
   */
  readonly adminDisabled: boolean;
  readonly createdAt: string;
  /** Undefined for a user SCIM created who has not signed in yet. */
  readonly lastLoginAt: string | undefined;
  /** Sessions created before this epoch millisecond are revoked (`session/revocation.ts`). */
  readonly sessionsNotBeforeMs: number | undefined;
  /** The userName this user holds (SCIM's, or the ID token's `preferred_username` at the first login). */
  readonly userName: string | undefined;
  /** What SCIM last wrote about the user; undefined for a user SCIM never touched. */
  readonly scim: ScimProfile | undefined;
  /** SCIM groups of the user, group id → displayName; their roles win once the tenant has SCIM groups. */
  readonly scimGroups: Readonly<Record<string, string>> | undefined;
  /** Deactivated by Okta through SCIM (`active: false`): the login page says "deactivated". */
  readonly deactivated: boolean;
  /** Bumped by every SCIM write of the user: concurrent SCIM writes of one user cannot lose each other. */
  readonly version: number;
  /** ISO time of the last SCIM write, if any. */
  readonly updatedAt: string | undefined;
}

/** Whether the user may not sign in or keep a session: disabled by an administrator, or deactivated by Okta. */
export function isUserDisabled(user: Pick<User, 'adminDisabled' | 'deactivated'>): boolean {
  return user.adminDisabled || user.deactivated;
}

/** The SCIM attributes of a user the service keeps (RFC 7643 §4.1), as Okta sent them. */
export interface ScimProfile {
  readonly userName: string;
  readonly externalId: string | undefined;
  readonly givenName: string | undefined;
  readonly familyName: string | undefined;
  readonly displayName: string | undefined;
  readonly emails: readonly ScimEmail[];
}

export interface ScimEmail {
  readonly value: string;
  readonly type: string | undefined;
  readonly primary: boolean | undefined;
}

/** The profile refreshed from the ID token at every login. */
export interface UserProfile {
  /** The ID token's `preferred_username` (Okta: the login), held as the user's userName at the first login. */
  readonly userName?: string | undefined;
  readonly email: string | undefined;
  readonly emailVerified: boolean | undefined;
  readonly name: string | undefined;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
}

/**
 * A stable, opaque user id derived from (issuer, sub). Deriving it rather than
 * generating it lets the login write user and session in one transaction
 * without reading first, and makes two racing first logins of the same person
 * collide on the same key.
 */
export function userIdFor(issuer: string, sub: string): string {
  return `u_${createHash('sha256').update(`${issuer}\n${sub}`).digest('base64url').slice(0, 32)}`;
}

/** The id of a user SCIM creates without an externalId: random, in the same shape as `userIdFor`'s. */
export function newUserId(): string {
  return `u_${randomBytes(24).toString('base64url')}`;
}

const USER_ID = /^u_[A-Za-z0-9_-]{32}$/;

export function isUserId(value: string): boolean {
  return USER_ID.test(value);
}

const MAX_GROUPS = MAX_GROUPS_MATCHED;
const MAX_TEXT = MAX_GROUP_NAME_LENGTH;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, MAX_TEXT) : undefined;
}

/** Picks the profile out of verified ID token claims, tolerating missing or odd values. */
export function profileFromClaims(claims: Record<string, unknown>): Omit<UserProfile, 'roles'> {
  const given = text(claims.given_name);
  const family = text(claims.family_name);
  const groups = Array.isArray(claims.groups)
    ? [...new Set(claims.groups.filter((group): group is string => typeof group === 'string' && group.length > 0))]
        .slice(0, MAX_GROUPS)
        .map((group) => group.slice(0, MAX_TEXT))
    : [];
  return {
    userName: text(claims.preferred_username),
    email: text(claims.email),
    emailVerified: typeof claims.email_verified === 'boolean' ? claims.email_verified : undefined,
    name:
      text(claims.name) ??
      (given || family ? [given, family].filter(Boolean).join(' ') : undefined) ??
      text(claims.preferred_username),
    groups,
  };
}
