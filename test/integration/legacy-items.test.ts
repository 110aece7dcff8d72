/**
 * Items written by the previous version, read and written by this one
 * (DynamoDB only: the shapes are the table's). The single `disabled` flag
 * is read by the migration rule (`adminDisabledFromItem`), epochs and
 * sessions in whole seconds keep their meaning, and the first write of a
 * flag by this version migrates the item without losing a concurrent
 * administrator's decision.
 */

import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { DynamoDbScimDirectory } from '../../shared/adapters/dynamodb/scim-directory.ts';
import { ensureTable } from '../../shared/adapters/dynamodb/table.ts';
import { keys, TTL_ATTRIBUTE, userSessionsKey } from '../../shared/adapters/dynamodb/table-schema.ts';
import { storesOn } from '../../shared/adapters/runtime.ts';
import type { LoginRecord, ScimUserWrite } from '../../shared/ports.ts';
import { provisionLogin } from '../../shared/provisioning.ts';
import { isSessionLive } from '../../shared/session/session-rules.ts';
import { hashSessionToken, newSessionToken } from '../../shared/sessions.ts';
import { buildTenantConfig, type TenantConfig } from '../../shared/tenants.ts';
import { userIdFor } from '../../shared/users.ts';

const endpoint = inject('dynamoDbEndpoint');
const tableName = `legacy-${randomUUID()}`;
const client = createDocumentClient({ endpoint });
const stores = storesOn(client, tableName);
const scim = new DynamoDbScimDirectory(client, tableName);
const ISSUER = 'https://acme.okta.example';
const NOW = Date.parse('2026-12-06T12:00:00.400Z');

beforeAll(async () => {
  await ensureTable(client, tableName);
});
afterAll(() => closeDocumentClient(client));

async function newTenant(): Promise<TenantConfig> {
  const tenantId = `legacy_${randomUUID().slice(0, 8)}`;
  const config = buildTenantConfig(
    { tenantId, issuer: ISSUER, clientId: 'c' },
    { allowLoopback: false, now: new Date(NOW) },
  );
  expect(await stores.tenants.putTenant(config)).toBe('written');
  return { ...config, hasOwner: true };
}

/** A user item exactly as the previous version wrote it (SCIM-touched: scim map and version). */
async function legacyUser(tenant: TenantConfig, sub: string, flags: Record<string, unknown>): Promise<string> {
  const userId = userIdFor(ISSUER, sub);
  await client.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.user(tenant.tenantId, userId),
        type: 'user',
        tenantId: tenant.tenantId,
        userId,
        issuer: ISSUER,
        sub,
        email: `${sub}@acme.example`,
        name: sub,
        groups: [],
        roles: [],
        role: 'member',
        userName: `${sub}@acme.example`,
        scim: { userName: `${sub}@acme.example`, externalId: sub, emails: [] },
        scimVersion: 3,
        createdAt: new Date(NOW).toISOString(),
        ...flags,
      },
    }),
  );
  return userId;
}

function loginOf(tenant: TenantConfig, sub: string): LoginRecord {
  const userId = userIdFor(ISSUER, sub);
  const seconds = Math.floor(NOW / 1000);
  return {
    tenantId: tenant.tenantId,
    userId,
    issuer: ISSUER,
    sub,
    profile: { email: `${sub}@acme.example`, emailVerified: true, name: sub, groups: [], roles: [] },
    session: {
      tokenHash: hashSessionToken(newSessionToken()),
      tenantId: tenant.tenantId,
      userId,
      tenantGeneration: tenant.generation,
      createdAt: seconds,
      createdAtMs: NOW,
      expiresAt: seconds + 3600,
      lastSeenAt: seconds,
    },
    now: new Date(NOW).toISOString(),
    rolesFrom: 'claim',
  };
}

/** SCIM's `active` for a user as read, the way `scim/users.ts` writes it. */
function scimActive(tenant: TenantConfig, userId: string, sub: string, active: boolean, adminAsRead: boolean) {
  const write: ScimUserWrite = {
    tenantId: tenant.tenantId,
    userId,
    expectedVersion: 3,
    tenantGeneration: tenant.generation,
    profile: {
      userName: `${sub}@acme.example`,
      externalId: sub,
      givenName: undefined,
      familyName: undefined,
      displayName: undefined,
      emails: [],
    },
    userName: `${sub}@acme.example`,
    previousUserName: `${sub}@acme.example`,
    externalId: sub,
    previousExternalId: sub,
    name: undefined,
    deactivated: !active,
    adminDisabledAsRead: adminAsRead,
    endSessionsBefore: undefined,
    epochAsRead: undefined,
    now: new Date(NOW).toISOString(),
    audit: [],
  };
  return scim.writeUser(write);
}

describe('Items of the previous version: the single disable flag', () => {
  it('reads `disabled` alone as the administrator’s: SCIM’s reactivation does not lift it, enable-user does', async () => {
    const tenant = await newTenant();
    const userId = await legacyUser(tenant, '00uadmin', { disabled: true });
    expect(await stores.users.getUser(tenant.tenantId, userId)).toMatchObject({
      adminDisabled: true,
      deactivated: false,
    });
    await expect(provisionLogin(stores.logins, loginOf(tenant, '00uadmin'), tenant)).rejects.toMatchObject({
      code: 'USER_DISABLED',
      reason: 'user_disabled',
    });
    expect(await scimActive(tenant, userId, '00uadmin', true, true)).toBe('written');
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: keys.user(tenant.tenantId, userId) }),
    );
    // Migrated by the first write: the administrator's flag written, the old one gone.
    expect(Item).toMatchObject({ adminDisabled: true, deactivated: false });
    expect(Item?.disabled).toBeUndefined();
    await expect(provisionLogin(stores.logins, loginOf(tenant, '00uadmin'), tenant)).rejects.toMatchObject({
      code: 'USER_DISABLED',
    });
    expect(await stores.users.setAdminDisabled(tenant.tenantId, userId, false)).toBe(true);
    expect((await provisionLogin(stores.logins, loginOf(tenant, '00uadmin'), tenant)).mode).toBe('returning');
  });

  it('reads `disabled` with `deactivated` as Okta’s: enable-user does not lift it, SCIM’s reactivation does', async () => {
    const tenant = await newTenant();
    const userId = await legacyUser(tenant, '00uokta', { disabled: true, deactivated: true });
    expect(await stores.users.getUser(tenant.tenantId, userId)).toMatchObject({
      adminDisabled: false,
      deactivated: true,
    });
    expect(await stores.users.setAdminDisabled(tenant.tenantId, userId, false)).toBe(true);
    await expect(provisionLogin(stores.logins, loginOf(tenant, '00uokta'), tenant)).rejects.toMatchObject({
      code: 'USER_DISABLED',
      reason: 'user_deactivated',
    });
    expect(await scimActive(tenant, userId, '00uokta', true, false)).toBe('written');
    expect((await provisionLogin(stores.logins, loginOf(tenant, '00uokta'), tenant)).mode).toBe('returning');
  });

  it('keeps an administrator’s decision written between SCIM’s read and its write of a legacy item', async () => {
    const tenant = await newTenant();
    const userId = await legacyUser(tenant, '00urace', { disabled: true });
    // SCIM read the item (administrator's flag true by the rule); the administrator enables before SCIM writes.
    expect(await stores.users.setAdminDisabled(tenant.tenantId, userId, false)).toBe(true);
    expect(await scimActive(tenant, userId, '00urace', true, true)).toBe('written');
    expect(await stores.users.getUser(tenant.tenantId, userId)).toMatchObject({
      adminDisabled: false,
      deactivated: false,
    });
  });
});

describe('Items of the previous version: epochs and sessions in seconds', () => {
  it('honours an epoch in seconds against sessions stored with seconds only and with milliseconds', async () => {
    const tenant = await newTenant();
    const legacyEpoch = Math.floor(NOW / 1000) + 1; // the old "next second"
    const userId = await legacyUser(tenant, '00uepoch', { sessionsNotBefore: legacyEpoch });
    const sessionItem = (createdAt: number, createdAtMs?: number) => {
      const tokenHash = hashSessionToken(newSessionToken());
      return {
        tokenHash,
        item: {
          ...keys.session(tokenHash),
          type: 'session',
          userSessions: userSessionsKey(tenant.tenantId, userId),
          tokenHash,
          tenantId: tenant.tenantId,
          userId,
          tenantGeneration: tenant.generation,
          createdAt,
          ...(createdAtMs !== undefined ? { createdAtMs } : {}),
          lastSeenAt: createdAt,
          [TTL_ATTRIBUTE]: createdAt + 3600,
        },
      };
    };
    const cases = [
      { session: sessionItem(legacyEpoch - 1), live: false }, // old session, same second as the revocation
      { session: sessionItem(legacyEpoch), live: true }, // old session, the second after
      { session: sessionItem(legacyEpoch - 1, legacyEpoch * 1000 - 1), live: false },
      { session: sessionItem(legacyEpoch, legacyEpoch * 1000), live: true },
    ];
    for (const { session, live } of cases) {
      await client.send(new PutCommand({ TableName: tableName, Item: session.item }));
      const context = await stores.sessions.getSessionContext(session.tokenHash, tenant.tenantId, userId);
      expect(context.user?.sessionsNotBeforeMs).toBe(legacyEpoch * 1000);
      const now = (context.session?.createdAt ?? 0) + 1;
      expect(isSessionLive(context.session!, context.user, context.tenant, now, 0), JSON.stringify(session.item)).toBe(
        live,
      );
    }
    // A new revocation in milliseconds moves the epoch forward past the old one; an earlier one changes nothing.
    expect(await stores.users.revokeUserSessions(tenant.tenantId, userId, legacyEpoch * 1000 + 250)).toBe(true);
    expect((await stores.users.getUser(tenant.tenantId, userId))?.sessionsNotBeforeMs).toBe(legacyEpoch * 1000 + 250);
  });
});
