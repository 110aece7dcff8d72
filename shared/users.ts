import { createHash } from 'node:crypto';
import { MAX_GROUP_NAME_LENGTH, MAX_GROUPS_MATCHED } from './roles.ts';

export type Role = 'owner' | 'member';

/** A person of a tenant, identified by (tenant, issuer, sub) — never by email alone. */
export interface User {
  readonly tenantId: string;
  readonly userId: string;
  readonly issuer: string;
  readonly sub: string;
  readonly email: string | undefined;
  readonly emailVerified: boolean | undefined;
  readonly name: string | undefined;
  readonly groups: readonly string[];
  /** App roles from the tenant's group mappings, recomputed at every login. */
  readonly roles: readonly string[];
  readonly role: Role;
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly lastLoginAt: string;
  /** Sessions created before this epoch second are revoked. */
  readonly sessionsNotBefore: number | undefined;
}

/** The profile refreshed from the ID token at every login. */
export interface UserProfile {
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
    email: text(claims.email),
    emailVerified: typeof claims.email_verified === 'boolean' ? claims.email_verified : undefined,
    name:
      text(claims.name) ??
      (given || family ? [given, family].filter(Boolean).join(' ') : undefined) ??
      text(claims.preferred_username),
    groups,
  };
}
