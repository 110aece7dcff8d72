/**
 * The single DynamoDB table's shape. Infra, the local launcher and the
 * adapters all import these names so the key schema is written down once.
 *
 * Items (pk / sk):
 * - `TENANT#<tenant>` / `CONFIG`            tenant configuration
 * - `TENANT#<tenant>` / `OWNER`             the tenant's single owner (conditional write)
 * - `TENANT#<tenant>` / `USER#<userId>`     a user, userId derived from (issuer, sub)
 * - `TENANT#<tenant>` / `CLIENT_SECRET`     local stack only: the client secret
 * - `SESSION#<sha256(token)>` / `SESSION`   a session, expires by TTL; also in the user-sessions index
 * - `STATE#<state>` / `STATE`               marks a login state as used, expires by TTL
 * - `REPLAY#<sha256(scope, id)>` / `REPLAY` marks a token id (a JWT's `jti`) as used, expires with the token
 * - `AUDIT#<tenant>` / `<iso time>#<id>`    an audit event, kept for the retention (TTL)
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
  session: (tokenHash: string) => ({ pk: `SESSION#${tokenHash}`, sk: 'SESSION' }),
  usedState: (stateId: string) => ({ pk: `STATE#${stateId}`, sk: 'STATE' }),
  usedTokenId: (id: string) => ({ pk: `REPLAY#${id}`, sk: 'REPLAY' }),
  auditEvent: (tenantId: string, at: string, id: string) => ({ pk: `AUDIT#${tenantId}`, sk: `${at}#${id}` }),
} as const;

export const USER_SORT_KEY_PREFIX = 'USER#';

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
