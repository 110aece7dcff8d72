/**
 * The single DynamoDB table's shape. Infra, the local launcher and the
 * adapters all import these names so the key schema is written down once.
 *
 * Items (pk / sk):
 * - `TENANT#<tenant>` / `CONFIG`            tenant configuration
 * - `TENANT#<tenant>` / `OWNER`             the tenant's single owner (conditional write)
 * - `TENANT#<tenant>` / `USER#<userId>`     a user, userId derived from (issuer, sub)
 * - `TENANT#<tenant>` / `CLIENT_SECRET`     local stack only: the client secret
 * - `TENANT#<tenant>` / `SETUP_LINK`        the setup link (token hash), expires by TTL
 * - `TENANT#<tenant>` / `SETUP_TEST`        the setup link's last test sign-in, expires by TTL
 * - `TENANT#<tenant>` / `SETUP_ATTEMPTS#<window>`  setup checks counted per window, expires by TTL
 * - `SESSION#<sha256(token)>` / `SESSION`   a session, expires by TTL
 * - `STATE#<state>` / `STATE`               marks a login state as used, expires by TTL
 * - `AUDIT#<tenant>` / `<iso time>#<id>`    an audit event, kept for the retention (TTL)
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
  session: (tokenHash: string) => ({ pk: `SESSION#${tokenHash}`, sk: 'SESSION' }),
  usedState: (stateId: string) => ({ pk: `STATE#${stateId}`, sk: 'STATE' }),
  auditEvent: (tenantId: string, at: string, id: string) => ({ pk: `AUDIT#${tenantId}`, sk: `${at}#${id}` }),
} as const;

export const USER_SORT_KEY_PREFIX = 'USER#';
