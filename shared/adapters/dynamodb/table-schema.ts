/**
 * The single DynamoDB table's shape. Infra, the local launcher and the
 * adapters all import these names so the key schema is written down once.
 *
 * Items (pk / sk):
 * - `TENANT#<tenant>` / `CONFIG`            tenant configuration
 * - `TENANT#<tenant>` / `OWNER`             the tenant's single owner (conditional write)
 * - `TENANT#<tenant>` / `USER#<userId>`     a user, userId derived from (issuer, sub)
 * - `TENANT#<tenant>` / `USER#<derivedId>`  (type `user_link`) points a login's derived id at a
 *                                           SCIM user created without externalId, linked at first sign-in
 * - `TENANT#<tenant>` / `CLIENT_SECRET`     local stack only: the client secret
 * - `TENANT#<tenant>` / `SETUP_LINK`        the setup link (token hash), expires by TTL
 * - `TENANT#<tenant>` / `SETUP_TEST`        the setup link's last test sign-in, expires by TTL
 * - `TENANT#<tenant>` / `SETUP_ATTEMPTS#<window>`  setup checks counted per window, expires by TTL
 * - `TENANT#<tenant>` / `SETUP_FORM#<nonce>` a setup form's one-time nonce, used (conditional write), expires by TTL
 * - `TENANT#<tenant>` / `SCIM_TOKEN`        SHA-256 of the tenant's SCIM bearer token
 * - `TENANT#<tenant>` / `USERNAME#<lower>`  a userName held by a user (uniqueness, `userName eq`)
 * - `TENANT#<tenant>` / `EXTERNALID#<id>`   an externalId held by a user (uniqueness, `externalId eq`)
 * - `TENANT#<tenant>` / `SCIMGROUP#<id>`    a SCIM group
 * - `TENANT#<tenant>` / `GROUPNAME#<lower>` a group's displayName (uniqueness, `displayName eq`)
 * - `TENANT#<tenant>` / `MEMBER#<group>#<user>`  a group membership
 * - `SESSION#<sha256(token)>` / `SESSION`   a session, expires by TTL; also in the user-sessions index
 * - `STATE#<state>` / `STATE`               marks a login state as used, expires by TTL
 * - `REPLAY#<sha256(scope, id)>` / `REPLAY` marks a token id (a JWT's `jti`) as used, expires with the token
 * - `AUDIT#<tenant>` / `<iso time>#<id>`    an audit event, kept for the retention (TTL)
 * - `SIGNING_KEYS` / `PUBLIC`               the session-token public key set (kids, public JWKs, times, version)
 * - `SIGNING_KEYS` / `PRIVATE`              local stack only: the private key set (AWS: Secrets Manager)
 *
 * One global secondary index, `USER_SESSIONS_INDEX`: sparse (only session items
 * carry its partition key), keys only, sorted by expiry, so a user's unexpired
 * sessions are one Query away (Universal Logout counts the sessions it ends).
 */
export const TABLE_KEY = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** Epoch seconds after which DynamoDB's TTL may delete the item. */
export const TTL_ATTRIBUTE = 'expiresAt';

export const keys = {
  tenantConfig: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'CONFIG' }),
  tenantOwner: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'OWNER' }),
  user: (tenantId: string, userId: string) => ({ pk: `TENANT#${tenantId}`, sk: `USER#${userId}` }),
  localClientSecret: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'CLIENT_SECRET' }),
  setupLink: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'SETUP_LINK' }),
  setupTest: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'SETUP_TEST' }),
  setupAttempts: (tenantId: string, windowStart: number) => ({
    pk: `TENANT#${tenantId}`,
    sk: `SETUP_ATTEMPTS#${windowStart}`,
  }),
  setupForm: (tenantId: string, nonce: string) => ({ pk: `TENANT#${tenantId}`, sk: `SETUP_FORM#${nonce}` }),
  scimToken: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'SCIM_TOKEN' }),
  /** `userName` is compared case-insensitively (RFC 7643 §4.1.1): the key holds it lower-cased. */
  userName: (tenantId: string, userName: string) => ({
    pk: `TENANT#${tenantId}`,
    sk: `USERNAME#${userName.toLowerCase()}`,
  }),
  externalId: (tenantId: string, externalId: string) => ({ pk: `TENANT#${tenantId}`, sk: `EXTERNALID#${externalId}` }),
  scimGroup: (tenantId: string, groupId: string) => ({ pk: `TENANT#${tenantId}`, sk: `SCIMGROUP#${groupId}` }),
  groupName: (tenantId: string, displayName: string) => ({
    pk: `TENANT#${tenantId}`,
    sk: `GROUPNAME#${displayName.toLowerCase()}`,
  }),
  member: (tenantId: string, groupId: string, userId: string) => ({
    pk: `TENANT#${tenantId}`,
    sk: `MEMBER#${groupId}#${userId}`,
  }),
  session: (tokenHash: string) => ({ pk: `SESSION#${tokenHash}`, sk: 'SESSION' }),
  usedState: (stateId: string) => ({ pk: `STATE#${stateId}`, sk: 'STATE' }),
  usedTokenId: (id: string) => ({ pk: `REPLAY#${id}`, sk: 'REPLAY' }),
  auditEvent: (tenantId: string, at: string, id: string) => ({ pk: `AUDIT#${tenantId}`, sk: `${at}#${id}` }),
  publicSigningKeys: () => ({ pk: 'SIGNING_KEYS', sk: 'PUBLIC' }),
  localPrivateSigningKeys: () => ({ pk: 'SIGNING_KEYS', sk: 'PRIVATE' }),
} as const;

export const USER_SORT_KEY_PREFIX = 'USER#';
export const SCIM_GROUP_SORT_KEY_PREFIX = 'SCIMGROUP#';
export const memberSortKeyPrefix = (groupId: string) => `MEMBER#${groupId}#`;

/**
 * A user's sessions. Keys only: a session's index entry is written when the
 * session is put and removed when it is deleted, and never changes between
 * (neither key attribute is ever updated, and `lastSeenAt` is not projected),
 * so the idle-timeout touches of `/me` and the authorizer cost no index write.
 * The sort key is the TTL attribute, a number on every item that has it.
 */
export const USER_SESSIONS_INDEX = {
  indexName: 'userSessions',
  partitionKey: 'userSessions',
  sortKey: TTL_ATTRIBUTE,
} as const;

/** The user-sessions index partition of one user. */
export const userSessionsKey = (tenantId: string, userId: string) => `TENANT#${tenantId}#USER#${userId}`;
