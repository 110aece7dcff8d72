import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb-client.ts';
import { DynamoDbIdentityStore } from '../../shared/adapters/dynamodb-identity-store.ts';
import { createLocalDynamoDbClient, ensureTable } from '../../shared/adapters/dynamodb-table.ts';
import { DynamoDbTenantStore } from '../../shared/adapters/dynamodb-tenant-store.ts';
import { TableClientSecretStore } from '../../shared/adapters/local-secret-store.ts';
import { keys } from '../../shared/adapters/table-schema.ts';
import type { LoginRecord } from '../../shared/ports.ts';
import { provisionLogin } from '../../shared/provisioning.ts';
import { hashSessionToken, newSessionToken } from '../../shared/sessions.ts';
import { buildTenantConfig } from '../../shared/tenants.ts';
import { userIdFor } from '../../shared/users.ts';

const endpoint = inject('dynamoDbEndpoint');
const tableName = `stores-${randomUUID()}`;
const client = createDocumentClient({ endpoint });
const tenants = new DynamoDbTenantStore(client, tableName);
const identities = new DynamoDbIdentityStore(client, tableName);
const ISSUER = 'https://acme.okta.example';
/** Each test tenant's generation, which its logins' sessions carry. */
const generations = new Map<string, string | undefined>();

function record(tenantId: string, sub: string, profile: Partial<LoginRecord['profile']> = {}): LoginRecord {
  const userId = userIdFor(ISSUER, sub);
  const now = Math.floor(Date.now() / 1000);
  return {
    tenantId,
    userId,
    issuer: ISSUER,
    sub,
    profile: { email: `${sub}@acme.example`, emailVerified: true, name: sub, groups: ['all'], roles: [], ...profile },
    session: {
      tokenHash: hashSessionToken(newSessionToken()),
      tenantId,
      userId,
      tenantGeneration: generations.get(tenantId),
      createdAt: now,
      expiresAt: now + 3600,
      lastSeenAt: now,
    },
    now: new Date().toISOString(),
  };
}

async function newTenant(tenantId: string) {
  const config = buildTenantConfig(
    { tenantId, issuer: ISSUER, clientId: '0oa1' },
    { allowLoopback: false, now: new Date() },
  );
  await tenants.putTenant(config);
  generations.set(tenantId, config.generation);
  return config;
}

beforeAll(async () => {
  const tableClient = createLocalDynamoDbClient(endpoint);
  await ensureTable(tableClient, tableName);
  tableClient.destroy();
});

afterAll(() => client.destroy());

describe('Class: DynamoDbIdentityStore', () => {
  it('creates exactly one owner when 50 first logins of a new tenant race', async () => {
    const config = await newTenant('race_many');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => provisionLogin(identities, record('race_many', `00u${index}`), config)),
    );
    expect(results.filter((result) => result.mode === 'owner')).toHaveLength(1);
    const users = await identities.listUsers('race_many');
    expect(users).toHaveLength(50);
    const owners = users.filter((user) => user.role === 'owner');
    expect(owners).toHaveLength(1);
    const { Item: ownerItem } = await client.get({ TableName: tableName, Key: keys.tenantOwner('race_many') });
    expect(ownerItem?.userId).toBe(owners[0]?.userId);
    expect((await tenants.getTenant('race_many'))?.hasOwner).toBe(true);
  });

  it('creates one identity when the same user logs in twice at once', async () => {
    const config = await newTenant('race_same');
    const [a, b] = await Promise.all([
      provisionLogin(identities, record('race_same', '00usame'), config),
      provisionLogin(identities, record('race_same', '00usame'), config),
    ]);
    expect([a.mode, b.mode].sort()).toEqual(['owner', 'returning']);
    expect(await identities.listUsers('race_same')).toHaveLength(1);
  });

  it('refreshes the profile on every login and removes claims that disappeared', async () => {
    const config = await newTenant('refresh');
    await provisionLogin(identities, record('refresh', '00ua'), config);
    await provisionLogin(
      identities,
      record('refresh', '00ua', { email: undefined, name: 'Ada L.', groups: [] }),
      config,
    );
    const [user] = await identities.listUsers('refresh');
    expect(user).toMatchObject({ name: 'Ada L.', email: undefined, groups: [], role: 'owner' });
  });

  it('refuses a disabled user and writes no session', async () => {
    const config = await newTenant('disabled');
    await provisionLogin(identities, record('disabled', '00ua'), config);
    await client.update({
      TableName: tableName,
      Key: keys.user('disabled', userIdFor(ISSUER, '00ua')),
      UpdateExpression: 'SET disabled = :true',
      ExpressionAttributeValues: { ':true': true },
    });
    const attempt = record('disabled', '00ua');
    await expect(provisionLogin(identities, attempt, config)).rejects.toMatchObject({ code: 'USER_DISABLED' });
    const read = await identities.getSessionContext(attempt.session.tokenHash, 'disabled', attempt.userId);
    expect(read.session).toBeUndefined();
    expect(read.user?.disabled).toBe(true);
  });

  it('reads a session and its user in one request and deletes the session', async () => {
    const config = await newTenant('sessions');
    const login = record('sessions', '00ua');
    await provisionLogin(identities, login, config);
    const read = await identities.getSessionContext(login.session.tokenHash, 'sessions', login.userId);
    expect(read.session).toEqual(login.session);
    expect(read.user?.email).toBe('00ua@acme.example');
    await identities.deleteSession(login.session.tokenHash);
    expect(
      (await identities.getSessionContext(login.session.tokenHash, 'sessions', login.userId)).session,
    ).toBeUndefined();
  });

  it('uses a login state once', async () => {
    const stateId = randomUUID();
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    expect(await identities.consumeLoginState(stateId, expiresAt)).toBe(true);
    expect(await identities.consumeLoginState(stateId, expiresAt)).toBe(false);
  });
});

describe('Class: DynamoDbTenantStore', () => {
  it('puts, gets, lists and deletes tenants', async () => {
    const config = await newTenant('crud_tenant');
    expect(await tenants.getTenant('crud_tenant')).toEqual(config);
    expect((await tenants.listTenants()).map((tenant) => tenant.tenantId)).toContain('crud_tenant');
    expect(await tenants.deleteTenant('crud_tenant')).toBe(true);
    expect(await tenants.deleteTenant('crud_tenant')).toBe(false);
    expect(await tenants.getTenant('crud_tenant')).toBeUndefined();
  });

  it('stores local client secrets apart from the config', async () => {
    const secrets = new TableClientSecretStore(client, tableName);
    await secrets.putClientSecret('secret_tenant', 'shh');
    expect(await secrets.getClientSecret('secret_tenant')).toBe('shh');
    await secrets.deleteClientSecret('secret_tenant');
    expect(await secrets.getClientSecret('secret_tenant')).toBeUndefined();
  });
});

describe('Store failures', () => {
  it('turns an unreachable DynamoDB into STORE_UNAVAILABLE', async () => {
    const dead = createDocumentClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    await expect(new DynamoDbTenantStore(dead, tableName).getTenant('x')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    dead.destroy();
  });
});
