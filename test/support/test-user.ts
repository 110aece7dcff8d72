import type { User } from '../../shared/users.ts';

/**
 * A user as the stores hold one, for unit tests: a member who has never
 * signed in, with no SCIM attributes, not disabled, nothing revoked. A test
 * names only what it is about.
 */
export function testUser(changes: Partial<User> & Pick<User, 'tenantId' | 'userId' | 'issuer' | 'sub'>): User {
  return {
    email: undefined,
    emailVerified: undefined,
    name: undefined,
    groups: [],
    roles: [],
    role: 'member',
    adminDisabled: false,
    createdAt: '2026-12-01T00:00:00.000Z',
    lastLoginAt: undefined,
    sessionsNotBeforeMs: undefined,
    userName: undefined,
    scim: undefined,
    scimGroups: undefined,
    deactivated: false,
    version: 0,
    updatedAt: undefined,
    ...changes,
  };
}
