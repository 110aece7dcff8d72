/**
 * The stores' contract, run against both implementations: the DynamoDB
 * adapters on DynamoDB Local and the in-memory fakes the unit tests use. A
 * case that passes for one and not the other is a fake that drifted.
 */

import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { DynamoDbPublicKeyStore } from '../../shared/adapters/dynamodb/public-key-store.ts';
import { DynamoDbScimGroupDirectory } from '../../shared/adapters/dynamodb/scim/groups.ts';
import { DynamoDbScimTokenStore } from '../../shared/adapters/dynamodb/scim/token-store.ts';
import { DynamoDbScimUserDirectory } from '../../shared/adapters/dynamodb/scim/users.ts';
import { ensureTable } from '../../shared/adapters/dynamodb/table.ts';
import { TableClientSecretStore } from '../../shared/adapters/dynamodb/table-client-secret-store.ts';
import { keys } from '../../shared/adapters/dynamodb/table-schema.ts';
import { TableSigningKeyStore } from '../../shared/adapters/dynamodb/table-signing-key-store.ts';
import { storesOn } from '../../shared/adapters/runtime.ts';
import {
  createSecretsManagerClient,
  SecretsManagerClientSecretStore,
} from '../../shared/adapters/secrets-manager-secret-store.ts';
import { auditEvent } from '../../shared/audit.ts';
import { type FoundBy, planLoginWrite } from '../../shared/login-write.ts';
import type {
  AuditLog,
  ClientSecretStore,
  LoginRecord,
  LoginStore,
  PublicKeyStore,
  ReplayGuard,
  ScimGroupDirectory,
  ScimGroupWrite,
  ScimMembershipWrite,
  ScimTokenStore,
  ScimUserDirectory,
  ScimUserWrite,
  SessionStore,
  SetupStore,
  SigningKeyStore,
  TenantStore,
  UserDirectory,
} from '../../shared/ports.ts';
import { provisionLogin } from '../../shared/provisioning.ts';
import { hashSessionToken, newSessionToken } from '../../shared/sessions.ts';
import { newSetupFormNonce, type SetupFormUse } from '../../shared/setup/form-nonce.ts';
import { hashSetupToken, newSetupToken, type SetupTestResult } from '../../shared/setup/link.ts';
import { buildTenantConfig, type TenantConfig } from '../../shared/tenants.ts';
import { newUserId, userIdFor } from '../../shared/users.ts';
import { fakeSecretsManager } from '../support/fake-secrets-manager.ts';
import {
  InMemoryClientSecretStore,
  InMemoryIdentityStore,
  InMemoryReplayGuard,
  InMemoryScimGroupDirectory,
  InMemoryScimTokenStore,
  InMemoryScimUserDirectory,
  InMemorySetupStore,
  InMemorySigningKeyStore,
  InMemoryTenantStore,
} from '../support/in-memory-stores.ts';

interface StoreSet {
  readonly tenants: TenantStore;
  readonly logins: LoginStore;
  readonly sessions: SessionStore;
  readonly users: UserDirectory;
  readonly audit: AuditLog;
  readonly secrets: ClientSecretStore;
  readonly setup: SetupStore;
  readonly scimTokens: ScimTokenStore;
  readonly scimUsers: ScimUserDirectory;
  readonly scimGroups: ScimGroupDirectory;
  readonly replays: ReplayGuard;
  /** Read with a session by `getSessionContextWithKeys` (the only writer of keys in this table). */
  readonly signingKeys: SigningKeyStore;
}

const endpoint = inject('dynamoDbEndpoint');
const tableName = `contract-${randomUUID()}`;
const client = createDocumentClient({ endpoint });

beforeAll(async () => {
  await ensureTable(client, tableName);
});
afterAll(() => closeDocumentClient(client));

const implementations: Array<[string, () => StoreSet]> = [
  [
    'DynamoDB adapters',
    () => ({
      ...storesOn(client, tableName),
      secrets: new TableClientSecretStore(client, tableName),
      scimTokens: new DynamoDbScimTokenStore(client, tableName),
      scimUsers: new DynamoDbScimUserDirectory(client, tableName),
      scimGroups: new DynamoDbScimGroupDirectory(client, tableName),
      signingKeys: new TableSigningKeyStore(client, tableName),
    }),
  ],
  [
    'in-memory fakes',
    () => {
      const tenants = new InMemoryTenantStore();
      const identities = new InMemoryIdentityStore(tenants);
      const secrets = new InMemoryClientSecretStore(tenants.table);
      const setup = new InMemorySetupStore(tenants.table);
      const replays = new InMemoryReplayGuard(tenants.table);
      return {
        tenants,
        logins: identities,
        sessions: identities,
        users: identities,
        audit: identities,
        secrets,
        setup,
        scimTokens: new InMemoryScimTokenStore(tenants.table),
        scimUsers: new InMemoryScimUserDirectory(tenants.table),
        scimGroups: new InMemoryScimGroupDirectory(tenants.table),
        replays,
        signingKeys: new InMemorySigningKeyStore(tenants.table),
      };
    },
  ],
];

const ISSUER = 'https://acme.okta.example';

describe.each(implementations)('Store contract: %s', (_name, make) => {
  const stores = make();
  /** A tenant id of its own for each case (the DynamoDB table is shared by the cases). */
  const tenantId = () => `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

  async function newTenant(): Promise<TenantConfig> {
    const config = buildTenantConfig(
      { tenantId: tenantId(), issuer: ISSUER, clientId: '0oa1' },
      { allowLoopback: false, now: new Date() },
    );
    expect(await stores.tenants.putTenant(config)).toBe('written');
    return { ...config, configVersion: 1 };
  }

  function record(tenant: TenantConfig, sub: string, profile: Partial<LoginRecord['profile']> = {}): LoginRecord {
    const userId = userIdFor(ISSUER, sub);
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000);
    return {
      tenantId: tenant.tenantId,
      userId,
      issuer: ISSUER,
      sub,
      profile: { email: `${sub}@acme.example`, emailVerified: true, name: sub, groups: ['all'], roles: [], ...profile },
      session: {
        tokenHash: hashSessionToken(newSessionToken()),
        tenantId: tenant.tenantId,
        userId,
        tenantGeneration: tenant.generation,
        createdAt: now,
        createdAtMs: nowMs,
        expiresAt: now + 3600,
        lastSeenAt: now,
      },
      now: new Date().toISOString(),
      rolesFrom: 'claim',
    };
  }

  /** Provisions with the tenant as the login function would see it (owner flag refreshed). */
  const login = async (tenant: TenantConfig, rec: LoginRecord) =>
    provisionLogin(stores.logins, rec, (await stores.tenants.getTenant(tenant.tenantId)) ?? tenant);

  describe('Port: LoginStore', () => {
    it('creates exactly one owner when 50 first logins race', async () => {
      const tenant = await newTenant();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => provisionLogin(stores.logins, record(tenant, `00u${i}`), tenant)),
      );
      expect(results.filter((result) => result.mode === 'owner')).toHaveLength(1);
      const users = await stores.users.listUsers(tenant.tenantId);
      expect(users).toHaveLength(50);
      expect(users.filter((user) => user.role === 'owner')).toHaveLength(1);
      expect((await stores.tenants.getTenant(tenant.tenantId))?.hasOwner).toBe(true);
    });

    it('creates one identity when the same user logs in twice at once', async () => {
      const tenant = await newTenant();
      const [a, b] = await Promise.all([
        provisionLogin(stores.logins, record(tenant, '00usame'), tenant),
        provisionLogin(stores.logins, record(tenant, '00usame'), tenant),
      ]);
      expect([a.mode, b.mode].sort()).toEqual(['owner', 'returning']);
      expect(await stores.users.listUsers(tenant.tenantId)).toHaveLength(1);
    });

    it('refreshes the profile at every login and removes claims that disappeared', async () => {
      const tenant = await newTenant();
      await login(tenant, record(tenant, '00ua'));
      await login(tenant, record(tenant, '00ua', { email: undefined, name: 'Ada L.', groups: [] }));
      const [user] = await stores.users.listUsers(tenant.tenantId);
      expect(user).toMatchObject({ name: 'Ada L.', email: undefined, groups: [], role: 'owner' });
    });

    it('writes the login’s audit events with it, a role change included', async () => {
      const tenant = await newTenant();
      await login(tenant, record(tenant, '00ua', { roles: ['admin'] }));
      await login(tenant, record(tenant, '00ua', { roles: ['viewer'] }));
      // Events of the same millisecond have no order among them: compare as a set.
      const types = (await stores.audit.list(tenant.tenantId)).map((event) => event.type).sort();
      expect(types).toEqual(['login_succeeded', 'login_succeeded', 'owner_claimed', 'role_changed']);
    });

    it('refuses a disabled user and writes no session', async () => {
      const tenant = await newTenant();
      const first = record(tenant, '00ua');
      await login(tenant, first);
      expect(await stores.users.setAdminDisabled(tenant.tenantId, first.userId, true)).toBe(true);
      const attempt = record(tenant, '00ua');
      await expect(login(tenant, attempt)).rejects.toMatchObject({ code: 'USER_DISABLED' });
      const read = await stores.sessions.getSessionContext(attempt.session.tokenHash, tenant.tenantId, attempt.userId);
      expect(read.session).toBeUndefined();
      expect(read.user).toMatchObject({ adminDisabled: true, deactivated: false });
    });

    it('writes no user into a tenant that was deleted or re-created meanwhile', async () => {
      const tenant = await newTenant();
      await login(tenant, record(tenant, '00ua'));
      await stores.tenants.deleteTenant(tenant.tenantId);
      await expect(provisionLogin(stores.logins, record(tenant, '00ub'), { hasOwner: true })).rejects.toMatchObject({
        code: 'TENANT_NOT_FOUND',
      });
      const recreated = { ...tenant, generation: randomUUID(), hasOwner: false, configVersion: undefined };
      await stores.tenants.putTenant(recreated);
      await expect(provisionLogin(stores.logins, record(tenant, '00uc'), {})).rejects.toMatchObject({
        code: 'TENANT_NOT_FOUND',
      });
      expect((await stores.users.listUsers(tenant.tenantId)).map((user) => user.sub)).toEqual(['00ua']);
    });

    it('carries out the domain’s plan: all of it, or nothing and what the plan says the login met', async () => {
      const tenant = await newTenant();
      const write = (rec: LoginRecord, found: FoundBy, claimsOwner: boolean) =>
        stores.logins.recordLogin(
          planLoginWrite({
            record: rec,
            found,
            claimsOwner,
            previousRoles: undefined,
            claimUserName: true,
            initScimGroups: false,
          }),
        );
      const ada = record(tenant, '00ua', { roles: ['admin'], userName: 'Ada@acme.example' });
      expect(await write(ada, 'existing', false)).toEqual({ kind: 'user_missing' });
      expect(await write(ada, 'new', true)).toEqual({ kind: 'written' });
      expect(await write(ada, 'new', false)).toEqual({ kind: 'user_exists' });
      expect(await write(record(tenant, '00ua', { roles: ['viewer'] }), 'existing', false)).toEqual({
        kind: 'roles_changed',
        previousRoles: ['admin'],
      });
      const grace = record(tenant, '00ug', { userName: 'ada@ACME.example' });
      expect(await write(grace, 'new', true)).toEqual({ kind: 'owner_taken' });
      expect(await write(grace, 'new', false)).toEqual({ kind: 'username_taken', userId: ada.userId });
      // Ada's user has a sub: nobody else's login links to it.
      const graceAsAda = { ...grace, userId: ada.userId, session: { ...grace.session, userId: ada.userId } };
      expect(await write(graceAsAda, 'userName', false)).toEqual({ kind: 'not_linkable' });
      expect(await write(record({ ...tenant, generation: randomUUID() }, '00ux'), 'new', false)).toEqual({
        kind: 'tenant_gone',
      });
      // Nothing of the refused writes is stored: no user, no session, no audit event.
      expect((await stores.users.listUsers(tenant.tenantId)).map((user) => user.sub)).toEqual(['00ua']);
      const read = await stores.sessions.getSessionContext(grace.session.tokenHash, tenant.tenantId, grace.userId);
      expect(read.session).toBeUndefined();
      const types = (await stores.audit.list(tenant.tenantId)).map((event) => event.type).sort();
      expect(types).toEqual(['login_succeeded', 'owner_claimed']);
    });

    it('uses a login state once', async () => {
      const stateId = randomUUID();
      const expiresAt = Math.floor(Date.now() / 1000) + 600;
      expect(await stores.logins.wasLoginStateUsed(stateId)).toBe(false);
      expect(await stores.logins.consumeLoginState(stateId, expiresAt)).toBe(true);
      expect(await stores.logins.wasLoginStateUsed(stateId)).toBe(true);
      expect(await stores.logins.consumeLoginState(stateId, expiresAt)).toBe(false);
    });
  });

  describe('Port: SessionStore', () => {
    it('reads a session with its user and tenant, ends the browser’s previous one, and deletes it', async () => {
      const tenant = await newTenant();
      const first = record(tenant, '00ua');
      await login(tenant, first);
      const read = await stores.sessions.getSessionContext(first.session.tokenHash, tenant.tenantId, first.userId);
      expect(read.session).toEqual(first.session);
      expect(read.user?.email).toBe('00ua@acme.example');
      expect(read.tenant?.generation).toBe(tenant.generation);

      const second = { ...record(tenant, '00ua'), replacesSessionHash: first.session.tokenHash };
      await login(tenant, second);
      expect(
        (await stores.sessions.getSessionContext(first.session.tokenHash, tenant.tenantId, first.userId)).session,
      ).toBeUndefined();

      await stores.sessions.touchSession(second.session.tokenHash, second.session.lastSeenAt + 60);
      const touched = await stores.sessions.getSessionContext(second.session.tokenHash, tenant.tenantId, second.userId);
      expect(touched.session?.lastSeenAt).toBe(second.session.lastSeenAt + 60);
      expect(await stores.sessions.deleteSession(second.session.tokenHash)).toEqual({
        tenantId: tenant.tenantId,
        userId: second.userId,
      });
      expect(await stores.sessions.deleteSession(second.session.tokenHash)).toBeUndefined();
      await stores.sessions.touchSession(second.session.tokenHash, 1); // a gone session is not revived
      expect(
        (await stores.sessions.getSessionContext(second.session.tokenHash, tenant.tenantId, second.userId)).session,
      ).toBeUndefined();
    });

    it('reads the public signing keys with the session, user and tenant (none stored: undefined)', async () => {
      const tenant = await newTenant();
      const first = record(tenant, '00ua');
      await login(tenant, first);
      const args = [first.session.tokenHash, tenant.tenantId, first.userId] as const;
      const before = await stores.sessions.getSessionContextWithKeys(...args);
      expect(before.publicKeys).toBeUndefined();
      expect(before.session).toEqual(first.session);
      const kid = 'kid-contract';
      const set = {
        version: 1,
        keys: [
          {
            kid,
            privateJwk: { kty: 'RSA', n: 'n-1', e: 'AQAB', d: 'd-1', kid },
            publicJwk: { kty: 'RSA', n: 'n-1', e: 'AQAB', kid, alg: 'RS256', use: 'sig' },
            createdAt: 1000,
            signsFrom: 2000,
            retiredAt: 3000,
          },
        ],
      };
      expect(await stores.signingKeys.putKeySet(set, undefined)).toBe('written');
      const read = await stores.sessions.getSessionContextWithKeys(...args);
      expect(read.session).toEqual(first.session);
      expect(read.user?.email).toBe('00ua@acme.example');
      expect(read.tenant?.generation).toBe(tenant.generation);
      expect(read.publicKeys).toEqual({
        version: 1,
        keys: [{ publicJwk: set.keys[0]?.publicJwk, createdAt: 1000, signsFrom: 2000, retiredAt: 3000 }],
      });
      // Without a session the keys still come back (the caller answers 401 anyway).
      expect(
        (await stores.sessions.getSessionContextWithKeys('nope', tenant.tenantId, first.userId)).session,
      ).toBeUndefined();
    });

    it('lists a user’s unexpired sessions with the user and the tenant, and no one else’s', async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      const now = Math.floor(Date.now() / 1000);
      const first = record(tenant, '00ua');
      const second = record(tenant, '00ua');
      const expired = record(tenant, '00ua');
      await login(tenant, first);
      await login(tenant, second);
      await login(tenant, { ...expired, session: { ...expired.session, createdAt: now - 7200, expiresAt: now - 60 } });
      await login(tenant, record(tenant, '00ug'));
      await login(other, record(other, '00ua')); // the same person in another tenant: the same user id
      const found = await stores.sessions.listUserSessions(tenant.tenantId, first.userId, now);
      expect(found.sessions.map((session) => session.tokenHash).sort()).toEqual(
        [first.session.tokenHash, second.session.tokenHash].sort(),
      );
      expect(found.sessions.find((session) => session.tokenHash === first.session.tokenHash)).toEqual(first.session);
      expect(found.user?.sub).toBe('00ua');
      expect(found.tenant?.generation).toBe(tenant.generation);

      await stores.sessions.deleteSession(first.session.tokenHash);
      const after = await stores.sessions.listUserSessions(tenant.tenantId, first.userId, now);
      expect(after.sessions.map((session) => session.tokenHash)).toEqual([second.session.tokenHash]);
      const nobody = await stores.sessions.listUserSessions(tenant.tenantId, 'u_nobody', now);
      expect(nobody).toMatchObject({ sessions: [], user: undefined, tenant: { generation: tenant.generation } });
    });

    it('says when the tenant is gone', async () => {
      const tenant = await newTenant();
      const first = record(tenant, '00ua');
      await login(tenant, first);
      await stores.tenants.deleteTenant(tenant.tenantId);
      const read = await stores.sessions.getSessionContext(first.session.tokenHash, tenant.tenantId, first.userId);
      expect(read.tenant).toBeUndefined();
    });
  });

  describe('Port: UserDirectory', () => {
    it('revokes sessions by epoch, for a user and for a tenant, moving each epoch only forward', async () => {
      const tenant = await newTenant();
      const first = record(tenant, '00ua');
      await login(tenant, first);
      expect(await stores.users.revokeUserSessions(tenant.tenantId, first.userId, 1234)).toBe(true);
      expect((await stores.users.getUser(tenant.tenantId, first.userId))?.sessionsNotBeforeMs).toBe(1234);
      // An earlier epoch (a slower revoker, another clock) is accepted and changes nothing.
      expect(await stores.users.revokeUserSessions(tenant.tenantId, first.userId, 1000)).toBe(true);
      expect((await stores.users.getUser(tenant.tenantId, first.userId))?.sessionsNotBeforeMs).toBe(1234);
      expect(await stores.users.revokeUserSessions(tenant.tenantId, 'u_nobody', 1)).toBe(false);
      expect(await stores.users.revokeTenantSessions(tenant.tenantId, 5678)).toBe(true);
      expect(await stores.users.revokeTenantSessions(tenant.tenantId, 10)).toBe(true);
      const read = await stores.sessions.getSessionContext(first.session.tokenHash, tenant.tenantId, first.userId);
      expect(read.tenant?.sessionsNotBeforeMs).toBe(5678);
      expect(await stores.users.revokeTenantSessions(tenantId(), 1)).toBe(false);
    });

    it('revokes concurrently without refusing anyone: the latest epoch wins', async () => {
      const tenant = await newTenant();
      const first = record(tenant, '00ua');
      await login(tenant, first);
      const epochs = Array.from({ length: 8 }, (_, index) => 10_000 + index * 7);
      const results = await Promise.all(
        epochs.map((epoch, index) =>
          index % 2
            ? stores.users.revokeUserSessions(tenant.tenantId, first.userId, epoch)
            : stores.users.setAdminDisabled(tenant.tenantId, first.userId, true, epoch),
        ),
      );
      expect(results.every(Boolean)).toBe(true);
      expect(await stores.users.getUser(tenant.tenantId, first.userId)).toMatchObject({
        adminDisabled: true,
        sessionsNotBeforeMs: Math.max(...epochs),
      });
    });

    it('disables with an epoch that enabling does not undo, and only the administrator’s flag', async () => {
      const tenant = await newTenant();
      const first = record(tenant, '00ua');
      await login(tenant, first);
      expect(await stores.users.setAdminDisabled(tenant.tenantId, first.userId, true, 999)).toBe(true);
      expect(await stores.users.setAdminDisabled(tenant.tenantId, first.userId, false)).toBe(true);
      expect(await stores.users.getUser(tenant.tenantId, first.userId)).toMatchObject({
        adminDisabled: false,
        deactivated: false,
        sessionsNotBeforeMs: 999,
      });
      // Disabling again with an earlier epoch still disables, and leaves the later epoch.
      expect(await stores.users.setAdminDisabled(tenant.tenantId, first.userId, true, 500)).toBe(true);
      expect(await stores.users.getUser(tenant.tenantId, first.userId)).toMatchObject({
        adminDisabled: true,
        sessionsNotBeforeMs: 999,
      });
      expect(await stores.users.setAdminDisabled(tenant.tenantId, 'u_nobody', true)).toBe(false);
    });

    it('transfers ownership keeping exactly one owner', async () => {
      const tenant = await newTenant();
      const ada = record(tenant, '00ua');
      const grace = record(tenant, '00ug');
      await login(tenant, ada);
      await login(tenant, grace);
      expect(await stores.users.transferOwnership(tenant.tenantId, grace.userId)).toBe('transferred');
      expect(await stores.users.transferOwnership(tenant.tenantId, grace.userId)).toBe('already_owner');
      expect(await stores.users.transferOwnership(tenant.tenantId, 'u_nobody')).toBe('no_such_user');
      const roles = Object.fromEntries((await stores.users.listUsers(tenant.tenantId)).map((u) => [u.sub, u.role]));
      expect(roles).toEqual({ '00ua': 'member', '00ug': 'owner' });
    });
  });

  describe('Port: ReplayGuard', () => {
    it('lets a token id be used once, even when the uses race', async () => {
      const expiresAt = Math.floor(Date.now() / 1000) + 360;
      const id = randomUUID();
      expect(await stores.replays.firstUse(id, expiresAt)).toBe(true);
      expect(await stores.replays.firstUse(id, expiresAt)).toBe(false);
      expect(await stores.replays.firstUse(randomUUID(), expiresAt)).toBe(true);
      const racing = randomUUID();
      const uses = await Promise.all(Array.from({ length: 10 }, () => stores.replays.firstUse(racing, expiresAt)));
      expect(uses.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('Port: AuditLog', () => {
    it('lists a tenant’s events oldest first, from a time on', async () => {
      const tenant = await newTenant();
      const at = (iso: string) =>
        auditEvent({ tenantId: tenant.tenantId, type: 'logout', actor: 'system', now: new Date(iso) });
      for (const iso of ['2026-11-01T10:00:00Z', '2026-11-03T10:00:00Z', '2026-11-02T10:00:00Z']) {
        await stores.audit.append(at(iso));
      }
      const all = (await stores.audit.list(tenant.tenantId)).map((event) => event.at);
      expect(all).toEqual(['2026-11-01T10:00:00.000Z', '2026-11-02T10:00:00.000Z', '2026-11-03T10:00:00.000Z']);
      expect(await stores.audit.list(tenant.tenantId, '2026-11-02T00:00:00.000Z')).toHaveLength(2);
      expect(await stores.audit.list(tenantId())).toEqual([]);
    });
  });

  describe('Port: SetupStore', () => {
    const link = (tenant: string, expiresAt = Math.floor(Date.now() / 1000) + 3600) => ({
      tenantId: tenant,
      tokenHash: hashSetupToken(newSetupToken()),
      issuedAt: Date.now(),
      expiresAt,
    });

    it('keeps one link per tenant: re-issuing replaces it, deleting ends it', async () => {
      const id = tenantId();
      expect(await stores.setup.getSetupLink(id)).toBeUndefined();
      const first = link(id);
      await stores.setup.putSetupLink(first);
      expect(await stores.setup.getSetupLink(id)).toEqual(first);
      const second = link(id);
      await stores.setup.putSetupLink(second);
      expect(await stores.setup.getSetupLink(id)).toEqual(second);
      expect(await stores.setup.getSetupLink(tenantId())).toBeUndefined();
      expect(await stores.setup.deleteSetupLink(id)).toBe(true);
      expect(await stores.setup.deleteSetupLink(id)).toBe(false);
      expect(await stores.setup.getSetupLink(id)).toBeUndefined();
    });

    it('counts attempts per window and never lets racing attempts pass the limit', async () => {
      const id = tenantId();
      const start = 1_800_000_000;
      const racing = await Promise.all(
        Array.from({ length: 12 }, () => stores.setup.countSetupAttempt(id, start, start + 900, 5)),
      );
      expect(racing.filter(Boolean)).toHaveLength(5);
      expect(await stores.setup.countSetupAttempt(id, start, start + 900, 5)).toBe(false);
      // A new window, and another tenant, count from zero.
      expect(await stores.setup.countSetupAttempt(id, start + 900, start + 1800, 5)).toBe(true);
      expect(await stores.setup.countSetupAttempt(tenantId(), start, start + 900, 5)).toBe(true);
    });

    it('keeps the last test sign-in of a tenant', async () => {
      const id = tenantId();
      const result: SetupTestResult = {
        tenantId: id,
        at: new Date().toISOString(),
        outcome: 'signed_in',
        claims: { sub: '00u1', email: 'ada@acme.example', emailVerified: true, groups: undefined },
        groupsRequested: true,
        warnings: ['groups_claim_missing'],
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      };
      await stores.setup.putSetupTestResult(result);
      expect(await stores.setup.getSetupTestResult(id)).toEqual(result);
      const failed: SetupTestResult = {
        tenantId: id,
        at: new Date().toISOString(),
        outcome: 'failed',
        warnings: [],
        error: { code: 'USER_NOT_ASSIGNED', reason: 'user_not_assigned', details: { tenantId: id } },
        expiresAt: result.expiresAt,
      };
      await stores.setup.putSetupTestResult(failed);
      expect(await stores.setup.getSetupTestResult(id)).toEqual(failed);
    });

    it('keeps setup items in the tenant’s partition, so deleting the tenant removes them', async () => {
      const tenant = await newTenant();
      await stores.setup.putSetupLink(link(tenant.tenantId));
      await stores.setup.countSetupAttempt(tenant.tenantId, 1_800_000_000, 1_800_000_900, 5);
      await stores.setup.putSetupTestResult({
        tenantId: tenant.tenantId,
        at: new Date().toISOString(),
        outcome: 'failed',
        warnings: [],
        expiresAt: Math.floor(Date.now() / 1000) + 60,
      });
      await stores.tenants.deleteTenant(tenant.tenantId);
      expect(await stores.tenants.hasTenantData(tenant.tenantId)).toBe(true);
      expect(await stores.tenants.purgeTenantData(tenant.tenantId)).toEqual({
        setup_link: 1,
        setup_attempts: 1,
        setup_test: 1,
      });
      expect(await stores.setup.getSetupLink(tenant.tenantId)).toBeUndefined();
      expect(await stores.tenants.hasTenantData(tenant.tenantId)).toBe(false);
    });
  });

  describe('Port: SetupStore, one-time form nonces', () => {
    const use = (tenant: string, nonce: string, usedAt: string): SetupFormUse => ({
      tenantId: tenant,
      nonce,
      form: 'actions/scim-token',
      usedAt,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });

    it('lets exactly one of racing requests use a nonce; the others get that first use', async () => {
      const id = tenantId();
      const nonce = newSetupFormNonce();
      const attempts = Array.from({ length: 8 }, (_, i) =>
        use(id, nonce, new Date(1_800_000_000_000 + i).toISOString()),
      );
      const answers = await Promise.all(attempts.map((attempt) => stores.setup.useSetupForm(attempt)));
      const winners = attempts.filter((_, i) => answers[i] === undefined);
      expect(winners).toHaveLength(1);
      for (const answer of answers.filter((value) => value !== undefined)) {
        expect(answer).toEqual(winners[0]);
      }
      // Another nonce, or the same nonce in another tenant's partition, is a form of its own.
      expect(await stores.setup.useSetupForm(use(id, newSetupFormNonce(), new Date().toISOString()))).toBeUndefined();
      expect(await stores.setup.useSetupForm(use(tenantId(), nonce, new Date().toISOString()))).toBeUndefined();
    });

    it('records that the form’s action finished, and never writes a use that is not there', async () => {
      const tenant = await newTenant();
      const nonce = newSetupFormNonce();
      const first = use(tenant.tenantId, nonce, '2027-01-15T10:00:00.000Z');
      expect(await stores.setup.useSetupForm(first)).toBeUndefined();
      await stores.setup.finishSetupForm(tenant.tenantId, nonce, '2027-01-15T10:00:01.000Z');
      expect(await stores.setup.useSetupForm(use(tenant.tenantId, nonce, new Date().toISOString()))).toEqual({
        ...first,
        finishedAt: '2027-01-15T10:00:01.000Z',
      });
      // In the tenant's partition: deleting the tenant removes it, and a late finish writes nothing back.
      await stores.tenants.deleteTenant(tenant.tenantId);
      expect(await stores.tenants.purgeTenantData(tenant.tenantId)).toEqual({ setup_form: 1 });
      await stores.setup.finishSetupForm(tenant.tenantId, nonce, new Date().toISOString());
      expect(await stores.tenants.hasTenantData(tenant.tenantId)).toBe(false);
    });
  });

  describe('Ports: ScimTokenStore, ScimUserDirectory, ScimGroupDirectory', () => {
    function scimUser(
      tenant: TenantConfig,
      fields: Partial<ScimUserWrite> & { userName: string; externalId?: string },
    ): ScimUserWrite {
      const { userName, externalId, ...rest } = fields;
      return {
        tenantId: tenant.tenantId,
        userId: externalId ? userIdFor(ISSUER, externalId) : newUserId(),
        expectedVersion: undefined,
        identity: externalId ? { issuer: ISSUER, sub: externalId } : undefined,
        tenantGeneration: tenant.generation,
        profile: { userName, externalId, givenName: 'G', familyName: 'F', displayName: 'G F', emails: [] },
        userName,
        externalId,
        name: 'G F',
        previousUserName: undefined,
        previousExternalId: undefined,
        deactivated: false,
        adminDisabledAsRead: false,
        endSessionsBefore: undefined,
        epochAsRead: undefined,
        now: new Date().toISOString(),
        audit: [],
        ...rest,
      };
    }

    it('keeps the token hash next to the tenant and replaces it', async () => {
      const tenant = await newTenant();
      expect((await stores.scimTokens.getScimContext(tenant.tenantId)).tokenHash).toBeUndefined();
      await stores.scimTokens.putScimTokenHash(tenant.tenantId, 'hash-1', new Date().toISOString());
      await stores.scimTokens.putScimTokenHash(tenant.tenantId, 'hash-2', new Date().toISOString());
      const context = await stores.scimTokens.getScimContext(tenant.tenantId);
      expect(context.tokenHash).toBe('hash-2');
      expect(context.tenant?.tenantId).toBe(tenant.tenantId);
      expect(await stores.scimTokens.getScimContext(tenantId())).toEqual({ tenant: undefined, tokenHash: undefined });
    });

    it('creates users with unique userName (any case) and externalId, found by keyed lookups', async () => {
      const tenant = await newTenant();
      const ada = scimUser(tenant, { userName: 'Ada@Acme.example', externalId: '00uada' });
      expect(await stores.scimUsers.writeUser(ada)).toBe('written');
      expect(await stores.scimUsers.findUserIdByUserName(tenant.tenantId, 'ada@acme.EXAMPLE')).toBe(ada.userId);
      expect(await stores.scimUsers.findUserIdByExternalId(tenant.tenantId, '00uada')).toBe(ada.userId);
      expect(await stores.scimUsers.writeUser(scimUser(tenant, { userName: 'ADA@acme.example' }))).toBe(
        'user_name_taken',
      );
      expect(
        await stores.scimUsers.writeUser({
          ...scimUser(tenant, { userName: 'other@acme.example' }),
          profile: { ...ada.profile, userName: 'other@acme.example' },
          externalId: '00uada',
        }),
      ).toBe('external_id_taken');
      expect(
        await stores.scimUsers.writeUser(scimUser(tenant, { userName: 'x@acme.example', externalId: '00uada' })),
      ).toBe('conflict');
      const [user] = await stores.scimUsers.getUsers(tenant.tenantId, [ada.userId]);
      expect(user).toMatchObject({
        sub: '00uada',
        version: 1,
        role: 'member',
        userName: 'Ada@Acme.example',
        lastLoginAt: undefined,
      });
      expect(
        await stores.scimUsers.writeUser(scimUser({ ...tenant, generation: 'gone' }, { userName: 'y@acme.example' })),
      ).toBe('tenant_gone');
    });

    it('moves the userName on update, checks the version, and ends sessions when deactivating', async () => {
      const tenant = await newTenant();
      const created = scimUser(tenant, { userName: 'old@acme.example' });
      await stores.scimUsers.writeUser(created);
      const update = {
        ...created,
        expectedVersion: 1,
        profile: { ...created.profile, userName: 'new@acme.example' },
        userName: 'new@acme.example',
        previousUserName: 'old@acme.example',
        deactivated: true,
        endSessionsBefore: 4242,
      };
      expect(await stores.scimUsers.writeUser(update)).toBe('written');
      expect(await stores.scimUsers.writeUser(update)).toBe('conflict');
      expect(await stores.scimUsers.findUserIdByUserName(tenant.tenantId, 'old@acme.example')).toBeUndefined();
      expect(await stores.scimUsers.findUserIdByUserName(tenant.tenantId, 'new@acme.example')).toBe(created.userId);
      const user = await stores.users.getUser(tenant.tenantId, created.userId);
      expect(user).toMatchObject({ adminDisabled: false, deactivated: true, sessionsNotBeforeMs: 4242, version: 2 });
      // An administrator's enable does not lift Okta's deactivation: each side lifts only its own.
      await stores.users.setAdminDisabled(tenant.tenantId, created.userId, false);
      expect(await stores.users.getUser(tenant.tenantId, created.userId)).toMatchObject({
        adminDisabled: false,
        deactivated: true,
      });
    });

    it('signs a user SCIM created with externalId in as that user, claiming ownership first', async () => {
      const tenant = await newTenant();
      const scimAda = scimUser(tenant, { userName: '00ua@acme.example', externalId: '00ua' });
      await stores.scimUsers.writeUser(scimAda);
      const result = await login(tenant, record(tenant, '00ua'));
      expect(result).toMatchObject({ mode: 'claim_owner' });
      expect(result.record.userId).toBe(scimAda.userId);
      expect(await stores.users.getUser(tenant.tenantId, scimAda.userId)).toMatchObject({ role: 'owner', sub: '00ua' });
      expect(await stores.users.listUsers(tenant.tenantId)).toHaveLength(1);
    });

    it('links a user SCIM created without externalId by userName, and later logins follow the link', async () => {
      const tenant = await newTenant();
      await login(tenant, record(tenant, '00uowner'));
      const scimBob = scimUser(tenant, { userName: 'Bob@acme.example' });
      await stores.scimUsers.writeUser(scimBob);
      const first = await login(tenant, record(tenant, '00ubob', { userName: 'bob@ACME.example' }));
      expect(first).toMatchObject({ mode: 'link' });
      expect(first.record.userId).toBe(scimBob.userId);
      const again = await login(tenant, record(tenant, '00ubob', { userName: 'bob@acme.example' }));
      expect(again).toMatchObject({ mode: 'returning' });
      expect(again.record.userId).toBe(scimBob.userId);
      const users = await stores.users.listUsers(tenant.tenantId);
      expect(users.map((user) => user.sub).sort()).toEqual(['00ubob', '00uowner']);
      // Someone else with the same preferred_username gets a user of their own, without the userName.
      const other = await login(tenant, record(tenant, '00uimpostor', { userName: 'bob@acme.example' }));
      expect(other.record.userId).toBe(userIdFor(ISSUER, '00uimpostor'));
      expect(await stores.scimUsers.findUserIdByUserName(tenant.tenantId, 'bob@acme.example')).toBe(scimBob.userId);
    });

    it('holds the userName a first login brings, for Okta’s lookup', async () => {
      const tenant = await newTenant();
      const rec = record(tenant, '00ujit', { userName: 'Jit@acme.example' });
      await login(tenant, rec);
      expect(await stores.scimUsers.findUserIdByUserName(tenant.tenantId, 'jit@acme.example')).toBe(rec.userId);
      expect((await stores.users.getUser(tenant.tenantId, rec.userId))?.userName).toBe('Jit@acme.example');
    });

    it('writes groups, memberships and roles; refuses a taken name and a stale user version', async () => {
      const tenant = await newTenant();
      const ada = record(tenant, '00ua', { roles: ['admin'] });
      await login(tenant, ada);
      const now = new Date().toISOString();
      const group = {
        tenantId: tenant.tenantId,
        groupId: 'g_1',
        displayName: 'Eng',
        externalId: undefined,
        createdAt: now,
        updatedAt: now,
        version: 1,
      };
      const base = {
        tenantId: tenant.tenantId,
        tenantGeneration: tenant.generation,
        group,
        expectedVersion: undefined,
        deleted: false,
        previousDisplayName: undefined,
        addMembers: [ada.userId],
        removeMembers: [],
        users: [
          { userId: ada.userId, expectedVersion: 0, scimGroups: { g_1: 'Eng' }, groups: ['Eng'], roles: ['engineer'] },
        ],
        enablesScimGroups: true,
        audit: [],
      };
      expect(await stores.scimGroups.writeGroup(base)).toBe('written');
      expect((await stores.tenants.getTenant(tenant.tenantId))?.scimGroups).toBe(true);
      expect(await stores.scimGroups.findGroupIdByName(tenant.tenantId, 'ENG')).toBe('g_1');
      expect(await stores.scimGroups.listMembers(tenant.tenantId, 'g_1', 10)).toEqual({
        userIds: [ada.userId],
        more: false,
      });
      expect(await stores.users.getUser(tenant.tenantId, ada.userId)).toMatchObject({
        roles: ['engineer'],
        groups: ['Eng'],
        version: 1,
      });
      const clash = {
        ...base,
        group: { ...group, groupId: 'g_2' },
        addMembers: [],
        users: [],
        enablesScimGroups: false,
      };
      expect(await stores.scimGroups.writeGroup(clash)).toBe('name_taken');
      const stale = {
        ...base,
        group: { ...group, version: 2, displayName: 'Eng2' },
        expectedVersion: 1,
        previousDisplayName: 'Eng',
        addMembers: [],
      };
      expect(await stores.scimGroups.writeGroup(stale)).toBe('conflict');
      expect((await stores.scimGroups.listGroups(tenant.tenantId, 0, 10)).items.map((g) => g.displayName)).toEqual([
        'Eng',
      ]);
      // A login now leaves the roles to SCIM, even with a config read before the groups came.
      await login(tenant, record(tenant, '00ua', { roles: ['admin'] }));
      expect((await stores.users.getUser(tenant.tenantId, ada.userId))?.roles).toEqual(['engineer']);
      const removed = {
        ...base,
        group: { ...group, version: 2 },
        expectedVersion: 1,
        previousDisplayName: 'Eng',
        deleted: true,
        addMembers: [],
        removeMembers: [ada.userId],
        users: [{ userId: ada.userId, expectedVersion: 1, scimGroups: {}, groups: [], roles: ['viewer'] }],
        enablesScimGroups: false,
      };
      expect(await stores.scimGroups.writeGroup(removed)).toBe('written');
      expect(await stores.scimGroups.getGroup(tenant.tenantId, 'g_1')).toBeUndefined();
      expect(await stores.scimGroups.findGroupIdByName(tenant.tenantId, 'Eng')).toBeUndefined();
      expect(await stores.scimGroups.listMembers(tenant.tenantId, 'g_1', 10)).toEqual({ userIds: [], more: false });
    });

    it('reads at most a limit of members, in user-id order, and says whether there are more', async () => {
      const tenant = await newTenant();
      const now = new Date().toISOString();
      const members = ['u_e', 'u_a', 'u_d', 'u_b', 'u_c'].map((id) => id.padEnd(34, '0'));
      const written = await stores.scimGroups.writeGroup({
        tenantId: tenant.tenantId,
        tenantGeneration: tenant.generation,
        group: {
          tenantId: tenant.tenantId,
          groupId: 'g_1',
          displayName: 'Five',
          externalId: undefined,
          createdAt: now,
          updatedAt: now,
          version: 1,
        },
        expectedVersion: undefined,
        deleted: false,
        previousDisplayName: undefined,
        addMembers: members,
        removeMembers: [],
        users: [],
        enablesScimGroups: false,
        audit: [],
      });
      expect(written).toBe('written');
      const sorted = [...members].sort();
      const read = (limit: number) => stores.scimGroups.listMembers(tenant.tenantId, 'g_1', limit);
      expect(await read(0)).toEqual({ userIds: [], more: true });
      expect(await read(2)).toEqual({ userIds: sorted.slice(0, 2), more: true });
      expect(await read(4)).toEqual({ userIds: sorted.slice(0, 4), more: true });
      expect(await read(5)).toEqual({ userIds: sorted, more: false });
      expect(await read(1000)).toEqual({ userIds: sorted, more: false });
      expect(await stores.scimGroups.listMembers(tenant.tenantId, 'g_2', 5)).toEqual({ userIds: [], more: false });
    });

    it('gives users without SCIM groups none when SCIM groups start, and pages users', async () => {
      const tenant = await newTenant();
      for (const sub of ['00u1', '00u2', '00u3']) await login(tenant, record(tenant, sub, { roles: ['admin'] }));
      expect(await stores.scimGroups.startScimGroups(tenant.tenantId, { groups: [], roles: ['viewer'] })).toBe(3);
      expect(await stores.scimGroups.startScimGroups(tenant.tenantId, { groups: [], roles: ['viewer'] })).toBe(0);
      for (const user of await stores.users.listUsers(tenant.tenantId)) expect(user.roles).toEqual(['viewer']);
      const page = await stores.scimUsers.listUsers(tenant.tenantId, 1, 1);
      expect(page.total).toBe(3);
      expect(page.items).toHaveLength(1);
    });

    /** A group write of `tenant` creating or changing group `groupId` (fields overridable). */
    function groupWrite(tenant: TenantConfig, fields: Partial<ScimGroupWrite> = {}): ScimGroupWrite {
      const now = new Date().toISOString();
      return {
        tenantId: tenant.tenantId,
        tenantGeneration: tenant.generation,
        group: {
          tenantId: tenant.tenantId,
          groupId: 'g_1',
          displayName: 'Eng',
          externalId: undefined,
          createdAt: now,
          updatedAt: now,
          version: 1,
        },
        expectedVersion: undefined,
        deleted: false,
        previousDisplayName: undefined,
        addMembers: [],
        removeMembers: [],
        users: [],
        enablesScimGroups: false,
        audit: [],
        ...fields,
      };
    }

    it('moves a deactivation’s epoch only from what it read: a revocation meanwhile makes it read again', async () => {
      const tenant = await newTenant();
      const created = scimUser(tenant, { userName: 'race@acme.example' });
      expect(await stores.scimUsers.writeUser(created)).toBe('written');
      const deactivate = {
        ...created,
        expectedVersion: 1,
        previousUserName: 'race@acme.example',
        deactivated: true,
        endSessionsBefore: 40_000,
        epochAsRead: undefined,
      };
      // An administrator's revocation lands between SCIM's read and its write.
      expect(await stores.users.revokeUserSessions(tenant.tenantId, created.userId, 50_000)).toBe(true);
      expect(await stores.scimUsers.writeUser(deactivate)).toBe('conflict');
      expect(await stores.users.getUser(tenant.tenantId, created.userId)).toMatchObject({
        deactivated: false,
        sessionsNotBeforeMs: 50_000,
      });
      // Read again: the later epoch stays (this write does not move it), the deactivation goes through.
      expect(
        await stores.scimUsers.writeUser({ ...deactivate, endSessionsBefore: undefined, epochAsRead: 50_000 }),
      ).toBe('written');
      expect(await stores.users.getUser(tenant.tenantId, created.userId)).toMatchObject({
        deactivated: true,
        adminDisabled: false,
        sessionsNotBeforeMs: 50_000,
        version: 2,
      });
      // SCIM never sets or lifts the administrator's flag.
      expect(await stores.users.setAdminDisabled(tenant.tenantId, created.userId, true)).toBe(true);
      const reactivate = { ...deactivate, expectedVersion: 2, deactivated: false, endSessionsBefore: undefined };
      expect(await stores.scimUsers.writeUser({ ...reactivate, epochAsRead: 50_000 })).toBe('written');
      expect(await stores.users.getUser(tenant.tenantId, created.userId)).toMatchObject({
        deactivated: false,
        adminDisabled: true,
      });
    });

    it('deletes a user: tombstones at its id and at its login link, keys and memberships released, epoch kept', async () => {
      const tenant = await newTenant();
      // A SCIM user created without externalId, linked by a login: its id is random, the login's derived id links to it.
      const created = scimUser(tenant, { userName: 'del@acme.example' });
      expect(await stores.scimUsers.writeUser(created)).toBe('written');
      const signIn = { ...record(tenant, '00udel', { userName: 'del@acme.example' }) };
      const provisioned = await login(tenant, signIn);
      expect(provisioned.record.userId).toBe(created.userId);
      // Member of more groups than one transaction holds: the rest go right after it.
      let version = (await stores.users.getUser(tenant.tenantId, created.userId))?.version ?? 0;
      const groupIds: string[] = [];
      for (let index = 0; index < 105; index++) {
        const write = groupWrite(tenant, {
          addMembers: [created.userId],
          users: [{ userId: created.userId, expectedVersion: version, scimGroups: {}, groups: [], roles: [] }],
        });
        const groupId = `g_del${index}`;
        groupIds.push(groupId);
        const outcome = await stores.scimGroups.writeGroup({
          ...write,
          group: { ...write.group, groupId, displayName: `Del ${index}` },
        });
        expect(outcome).toBe('written');
        version += 1;
      }
      const user = await stores.users.getUser(tenant.tenantId, created.userId);
      const derived = userIdFor(ISSUER, '00udel');
      const outcome = await stores.scimUsers.deleteUser({
        tenantId: tenant.tenantId,
        userId: created.userId,
        expectedVersion: version + 1,
        issuer: ISSUER,
        sub: '00udel',
        linkedFrom: derived,
        userName: 'del@acme.example',
        externalId: undefined,
        groupIds,
        role: user?.role ?? 'member',
        endSessionsBefore: 9_999,
        epochAsRead: undefined,
        now: new Date().toISOString(),
        audit: [],
      });
      // The login bumped nothing SCIM counts; each group write bumped the version once.
      expect(outcome).toBe('conflict');
      const fresh = await stores.users.getUser(tenant.tenantId, created.userId);
      const deleted = await stores.scimUsers.deleteUser({
        tenantId: tenant.tenantId,
        userId: created.userId,
        expectedVersion: fresh?.version ?? -1,
        issuer: ISSUER,
        sub: '00udel',
        linkedFrom: derived,
        userName: 'del@acme.example',
        externalId: undefined,
        groupIds,
        role: fresh?.role ?? 'member',
        endSessionsBefore: 9_999,
        epochAsRead: fresh?.sessionsNotBeforeMs,
        now: new Date().toISOString(),
        audit: [],
      });
      expect(deleted).toBe('deleted');
      expect(await stores.scimUsers.readUserKey(tenant.tenantId, created.userId)).toMatchObject({
        kind: 'deleted',
        userId: created.userId,
      });
      expect(await stores.scimUsers.readUserKey(tenant.tenantId, derived)).toMatchObject({ kind: 'deleted' });
      expect(await stores.scimUsers.getUsers(tenant.tenantId, [created.userId])).toEqual([]);
      expect(await stores.users.listUsers(tenant.tenantId)).toEqual([]);
      expect(await stores.scimUsers.findUserIdByUserName(tenant.tenantId, 'del@acme.example')).toBeUndefined();
      for (const groupId of [groupIds[0] as string, groupIds[104] as string]) {
        expect(await stores.scimGroups.listMembers(tenant.tenantId, groupId, 10)).toEqual({ userIds: [], more: false });
      }
      // A login of the person now: refused, nothing written.
      await expect(login(tenant, record(tenant, '00udel', { userName: 'del@acme.example' }))).rejects.toMatchObject({
        code: 'USER_DISABLED',
        reason: 'user_deleted',
      });
      // SCIM creates the person again with Okta's user id: over the tombstone at the derived id, keeping its epoch.
      const again = scimUser(tenant, { userName: 'del@acme.example', externalId: '00udel' });
      expect(again.userId).toBe(derived);
      expect(await stores.scimUsers.writeUser(again)).toBe('written');
      expect(await stores.users.getUser(tenant.tenantId, derived)).toMatchObject({
        sessionsNotBeforeMs: 9_999,
        role: 'member',
      });
      expect((await login(tenant, record(tenant, '00udel'))).record.userId).toBe(derived);
    });

    it('turns SCIM groups on once: a first group written from the same read of the tenant loses', async () => {
      const tenant = await newTenant();
      expect(await stores.scimGroups.writeGroup(groupWrite(tenant, { enablesScimGroups: true }))).toBe('written');
      const second = groupWrite(tenant, { enablesScimGroups: true });
      const other = { ...second, group: { ...second.group, groupId: 'g_2', displayName: 'Ops' } };
      expect(await stores.scimGroups.writeGroup(other)).toBe('conflict');
      expect(await stores.scimGroups.getGroup(tenant.tenantId, 'g_2')).toBeUndefined();
      // Read again, the flag is on: the same write without turning it on goes through.
      expect(await stores.scimGroups.writeGroup({ ...other, enablesScimGroups: false })).toBe('written');
      await stores.tenants.deleteTenant(tenant.tenantId);
      const third = groupWrite(tenant);
      expect(
        await stores.scimGroups.writeGroup({ ...third, group: { ...third.group, groupId: 'g_3', displayName: 'X' } }),
      ).toBe('tenant_gone');
    });

    it('starts SCIM groups at the version read: a membership computed before that is refused', async () => {
      const tenant = await newTenant();
      const ada = record(tenant, '00ua', { roles: ['admin'] });
      await login(tenant, ada);
      const before = (await stores.users.getUser(tenant.tenantId, ada.userId))?.version ?? 0;
      expect(await stores.scimGroups.startScimGroups(tenant.tenantId, { groups: [], roles: ['viewer'] })).toBe(1);
      expect(await stores.users.getUser(tenant.tenantId, ada.userId)).toMatchObject({
        roles: ['viewer'],
        version: before + 1,
      });
      const stale = groupWrite(tenant, {
        addMembers: [ada.userId],
        users: [
          { userId: ada.userId, expectedVersion: before, scimGroups: { g_1: 'Eng' }, groups: ['Eng'], roles: [] },
        ],
      });
      expect(await stores.scimGroups.writeGroup(stale)).toBe('conflict');
      expect((await stores.users.getUser(tenant.tenantId, ada.userId))?.roles).toEqual(['viewer']);
    });

    it('writes the group item of a write too large for one transaction last, and only if all of it held', async () => {
      const tenant = await newTenant();
      const ada = record(tenant, '00ua');
      await login(tenant, ada);
      const many = Array.from({ length: 150 }, (_, index) => `u_${String(index).padStart(3, '0')}`.padEnd(34, '0'));
      // Ada's unit comes last, with a version she does not have: the last part fails.
      const failing = groupWrite(tenant, {
        addMembers: [...many, ada.userId],
        users: [{ userId: ada.userId, expectedVersion: 7, scimGroups: { g_1: 'Eng' }, groups: ['Eng'], roles: [] }],
      });
      expect(await stores.scimGroups.writeGroup(failing)).toBe('conflict');
      expect(await stores.scimGroups.getGroup(tenant.tenantId, 'g_1')).toBeUndefined();
      expect((await stores.users.getUser(tenant.tenantId, ada.userId))?.scimGroups).toBeUndefined();
      // Repeated with what is read now (as the SCIM handler does), it completes.
      const version = (await stores.users.getUser(tenant.tenantId, ada.userId))?.version ?? 0;
      const retried = {
        ...failing,
        users: [{ ...(failing.users[0] as ScimMembershipWrite), expectedVersion: version }],
      };
      expect(await stores.scimGroups.writeGroup(retried)).toBe('written');
      expect(await stores.scimGroups.getGroup(tenant.tenantId, 'g_1')).toMatchObject({ version: 1 });
      expect((await stores.scimGroups.listMembers(tenant.tenantId, 'g_1', 1000)).userIds).toHaveLength(151);
      // A stale write of the same size is refused before any part of it is written.
      const stale = groupWrite(tenant, {
        group: { ...failing.group, version: 2 },
        expectedVersion: 5,
        previousDisplayName: 'Eng',
        removeMembers: many,
      });
      expect(await stores.scimGroups.writeGroup(stale)).toBe('conflict');
      expect((await stores.scimGroups.listMembers(tenant.tenantId, 'g_1', 1000)).userIds).toHaveLength(151);
    });

    it('is purged with its tenant', async () => {
      const tenant = await newTenant();
      await stores.scimTokens.putScimTokenHash(tenant.tenantId, 'h', new Date().toISOString());
      await stores.scimUsers.writeUser(scimUser(tenant, { userName: 'p@acme.example', externalId: '00up' }));
      const removed = await stores.tenants.purgeTenantData(tenant.tenantId);
      expect(removed).toEqual({ tenant: 1, user: 1, user_name: 1, external_id: 1, scim_token: 1 });
      expect(await stores.tenants.hasTenantData(tenant.tenantId)).toBe(false);
    });
  });

  describe('Port: TenantStore', () => {
    it('keeps a tenant’s setup status and activation time, and reads tenants without them as they were', async () => {
      const pending = buildTenantConfig(
        { tenantId: tenantId(), issuer: '', clientId: '' },
        { allowLoopback: false, now: new Date(), status: 'setup' },
      );
      await stores.tenants.putTenant(pending);
      expect(await stores.tenants.getTenant(pending.tenantId)).toEqual({ ...pending, configVersion: 1 });
      const live = {
        ...pending,
        issuer: ISSUER,
        clientId: '0oa1',
        status: 'active' as const,
        activatedAt: 'now',
        configVersion: 1,
      };
      expect(await stores.tenants.putTenant(live)).toBe('written');
      expect(await stores.tenants.getTenant(pending.tenantId)).toEqual({ ...live, configVersion: 2 });
    });

    it('puts, gets, lists and deletes tenants', async () => {
      const config = await newTenant();
      expect(await stores.tenants.getTenant(config.tenantId)).toEqual(config);
      expect((await stores.tenants.listTenants()).map((tenant) => tenant.tenantId)).toContain(config.tenantId);
      expect(await stores.tenants.deleteTenant(config.tenantId)).toBe(true);
      expect(await stores.tenants.deleteTenant(config.tenantId)).toBe(false);
      expect(await stores.tenants.getTenant(config.tenantId)).toBeUndefined();
    });

    it('keeps the tenant’s session revocation when its config is saved again', async () => {
      const tenant = await newTenant();
      const first = record(tenant, '00ua');
      await login(tenant, first);
      expect(await stores.users.revokeTenantSessions(tenant.tenantId, 5678)).toBe(true);
      await stores.tenants.putTenant({ ...tenant, ssoEnforced: true, defaultRedirect: undefined });
      const read = await stores.sessions.getSessionContext(first.session.tokenHash, tenant.tenantId, first.userId);
      expect(read.tenant?.sessionsNotBeforeMs).toBe(5678);
      expect((await stores.tenants.getTenant(tenant.tenantId))?.ssoEnforced).toBe(true);
    });

    it('refuses a config write at a version read before another write (the loser reads again)', async () => {
      const tenant = await newTenant();
      const read = await stores.tenants.getTenant(tenant.tenantId);
      if (!read) throw new Error('no tenant');
      expect(read.configVersion).toBe(1);
      expect(await stores.tenants.putTenant({ ...read, ssoEnforced: true })).toBe('written');
      expect(await stores.tenants.putTenant({ ...read, requireEmailVerified: true })).toBe('conflict');
      const after = await stores.tenants.getTenant(tenant.tenantId);
      expect(after).toMatchObject({ ssoEnforced: true, requireEmailVerified: false, configVersion: 2 });
      // Creating over an existing tenant is refused too.
      expect(await stores.tenants.putTenant({ ...tenant, configVersion: undefined })).toBe('conflict');
    });

    it('never re-creates a tenant deleted (or deleted and created again) after its config was read', async () => {
      const tenant = await newTenant();
      const read = (await stores.tenants.getTenant(tenant.tenantId)) as TenantConfig;
      await stores.tenants.deleteTenant(tenant.tenantId);
      expect(await stores.tenants.putTenant({ ...read, ssoEnforced: true })).toBe('not_found');
      expect(await stores.tenants.getTenant(tenant.tenantId)).toBeUndefined();
      expect(await stores.tenants.hasTenantData(tenant.tenantId)).toBe(false);
      const again = { ...tenant, generation: randomUUID(), configVersion: undefined };
      expect(await stores.tenants.putTenant(again)).toBe('written');
      expect(await stores.tenants.putTenant({ ...read, ssoEnforced: true })).toBe('not_found');
      expect(await stores.tenants.getTenant(tenant.tenantId)).toMatchObject({
        generation: again.generation,
        ssoEnforced: false,
      });
    });

    it('leaves hasOwner and scimGroups, set by other writers after the read, as they are', async () => {
      const tenant = await newTenant();
      const read = (await stores.tenants.getTenant(tenant.tenantId)) as TenantConfig;
      expect(read.hasOwner).toBeUndefined();
      await login(tenant, record(tenant, '00ua'));
      const now = new Date().toISOString();
      const group = { tenantId: tenant.tenantId, groupId: 'g_1', displayName: 'Eng', externalId: undefined };
      expect(
        await stores.scimGroups.writeGroup({
          tenantId: tenant.tenantId,
          tenantGeneration: tenant.generation,
          group: { ...group, createdAt: now, updatedAt: now, version: 1 },
          expectedVersion: undefined,
          deleted: false,
          previousDisplayName: undefined,
          addMembers: [],
          removeMembers: [],
          users: [],
          enablesScimGroups: true,
          audit: [],
        }),
      ).toBe('written');
      // Neither write touches the config's version: the config write read before them still goes through.
      expect(await stores.tenants.putTenant({ ...read, ssoEnforced: true })).toBe('written');
      expect(await stores.tenants.getTenant(tenant.tenantId)).toMatchObject({
        ssoEnforced: true,
        hasOwner: true,
        scimGroups: true,
      });
    });

    it('reads a config stored before versions as version 0 and updates it once', async () => {
      const legacy = buildTenantConfig(
        { tenantId: tenantId(), issuer: ISSUER, clientId: '0oa1' },
        { allowLoopback: false, now: new Date() },
      );
      await storeLegacyConfig(stores, legacy);
      const read = (await stores.tenants.getTenant(legacy.tenantId)) as TenantConfig;
      expect(read.configVersion ?? 0).toBe(0);
      expect(await stores.tenants.putTenant({ ...read, configVersion: 0, ssoEnforced: true })).toBe('written');
      expect(await stores.tenants.getTenant(legacy.tenantId)).toMatchObject({ ssoEnforced: true, configVersion: 1 });
      expect(await stores.tenants.putTenant({ ...read, configVersion: 0, requireEmailVerified: true })).toBe(
        'conflict',
      );
    });

    it('purges everything stored under a tenant and counts it', async () => {
      const tenant = await newTenant();
      await login(tenant, record(tenant, '00ua'));
      await login(tenant, record(tenant, '00ub'));
      await stores.secrets.putClientSecret(tenant.tenantId, 'shh');
      expect(await stores.tenants.hasTenantData(tenant.tenantId)).toBe(true);
      expect(await stores.tenants.purgeTenantData(tenant.tenantId)).toEqual({
        tenant: 1,
        owner: 1,
        user: 2,
        client_secret: 1,
      });
      expect(await stores.tenants.hasTenantData(tenant.tenantId)).toBe(false);
      expect(await stores.tenants.purgeTenantData(tenant.tenantId)).toEqual({});
    });
  });
});

/**
 * Tenants' client secrets: the table (the local stack), Secrets Manager (AWS;
 * a stand-in on the wire that keeps secrets as the service does) and the
 * fake. Each store caches its reads, as the login function's do, and a
 * second store over the same secrets writes as another function would.
 */
interface ClientSecretStores {
  readonly store: ClientSecretStore;
  readonly otherWriter: ClientSecretStore;
  readonly close: () => Promise<void>;
}

const clientSecretImplementations: Array<[string, () => Promise<ClientSecretStores>]> = [
  [
    'DynamoDB adapters',
    async () => ({
      store: new TableClientSecretStore(client, tableName, 300),
      otherWriter: new TableClientSecretStore(client, tableName),
      close: async () => undefined,
    }),
  ],
  [
    'Secrets Manager adapter',
    async () => {
      const service = await fakeSecretsManager();
      const connect = () =>
        new SecretsManagerClientSecretStore(
          'okta-login/client-secret/',
          300,
          createSecretsManagerClient({
            endpoint: service.endpoint,
            region: 'eu-west-1',
            credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key' },
          }),
        );
      const [store, otherWriter] = [connect(), connect()];
      const close = async () => {
        store.destroy();
        otherWriter.destroy();
        await service.close();
      };
      return { store, otherWriter, close };
    },
  ],
  [
    'in-memory fakes',
    async () => {
      const table = new InMemoryTenantStore().table;
      const close = async () => undefined;
      return { store: new InMemoryClientSecretStore(table), otherWriter: new InMemoryClientSecretStore(table), close };
    },
  ],
];

describe.each(clientSecretImplementations)('Store contract: %s', (_name, make) => {
  const tenantId = () => `t_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  let stores: ClientSecretStores;
  beforeAll(async () => {
    stores = await make();
  });
  afterAll(() => stores.close());

  describe('Port: ClientSecretStore', () => {
    it('keeps a tenant’s secret, reads its own changes at once, and lets a deleted tenant’s id have one again', async () => {
      const { store } = stores;
      const id = tenantId();
      expect(await store.getClientSecret(id)).toBeUndefined();
      await store.putClientSecret(id, 'shh');
      expect(await store.getClientSecret(id)).toBe('shh');
      // A changed secret is read back by the store that wrote it, whatever it cached.
      await store.putClientSecret(id, 'rotated');
      expect(await store.getClientSecret(id)).toBe('rotated');
      expect(await store.getClientSecret(tenantId())).toBeUndefined();
      await store.deleteClientSecret(id);
      expect(await store.getClientSecret(id)).toBeUndefined();
      // A tenant delete run again (it finishes an interrupted one) deletes nothing more.
      await store.deleteClientSecret(id);
      // The tenant created again under the same id, with a new secret.
      await store.putClientSecret(id, 'again');
      expect(await store.getClientSecret(id)).toBe('again');
      expect(await store.getClientSecret(id, { fresh: true })).toBe('again');
    });

    it('says whether a secret is stored without reading it, past its cache, deleted ones included', async () => {
      const { store, otherWriter } = stores;
      const id = tenantId();
      expect(await store.hasClientSecret(id)).toBe(false);
      await store.putClientSecret(id, 'shh');
      expect(await store.hasClientSecret(id)).toBe(true);
      expect(await store.getClientSecret(id)).toBe('shh');
      // Deleted by another function while this one has the value cached.
      await otherWriter.deleteClientSecret(id);
      expect(await store.hasClientSecret(id)).toBe(false);
      await otherWriter.putClientSecret(id, 'again');
      expect(await store.hasClientSecret(id)).toBe(true);
    });

    it('reads past its cache when asked for a fresh secret: one another function saved', async () => {
      const { store, otherWriter } = stores;
      const id = tenantId();
      await store.putClientSecret(id, 'old');
      expect(await store.getClientSecret(id)).toBe('old');
      await otherWriter.putClientSecret(id, 'new');
      expect(await store.getClientSecret(id, { fresh: true })).toBe('new');
      expect(await store.getClientSecret(id)).toBe('new');
    });
  });
});

/**
 * The signing keys: one item pair per table, so the DynamoDB side gets a table of its own
 * (the other cases share theirs). Key material is fake: the stores do not look at it.
 */
const signingKeyImplementations: Array<[string, () => Promise<SigningKeyStore & PublicKeyStore>]> = [
  [
    'DynamoDB adapters',
    async () => {
      const keysTable = `contract-keys-${randomUUID()}`;
      await ensureTable(client, keysTable);
      const privateStore = new TableSigningKeyStore(client, keysTable);
      const publicStore = new DynamoDbPublicKeyStore(client, keysTable);
      return {
        getKeySet: (options) => privateStore.getKeySet(options),
        putKeySet: (set, expected) => privateStore.putKeySet(set, expected),
        getPublicKeys: () => publicStore.getPublicKeys(),
      };
    },
  ],
  ['in-memory fakes', async () => new InMemorySigningKeyStore()],
];

describe.each(signingKeyImplementations)('Store contract: %s', (_name, make) => {
  const key = (
    kid: string,
    times: { createdAt: number; signsFrom: number; retiredAt?: number; removeAfter?: number; standby?: true },
  ) => ({
    kid,
    privateJwk: { kty: 'RSA', n: `n-${kid}`, e: 'AQAB', d: `d-${kid}`, p: `p-${kid}`, q: `q-${kid}`, kid },
    publicJwk: { kty: 'RSA', n: `n-${kid}`, e: 'AQAB', kid, alg: 'RS256', use: 'sig' },
    ...times,
  });

  describe('Port: SigningKeyStore and PublicKeyStore', () => {
    it('stores nothing at first; writes the private set and its public half together, conditional on the version', async () => {
      const store = await make();
      expect(await store.getKeySet({ fresh: true })).toBeUndefined();
      expect(await store.getPublicKeys()).toBeUndefined();

      const first = { version: 1, keys: [key('k1', { createdAt: 1000, signsFrom: 1000 })] };
      expect(await store.putKeySet(first, undefined)).toBe('written');
      // A second creation (a racing first start) loses.
      expect(await store.putKeySet({ ...first, keys: [] }, undefined)).toBe('conflict');
      expect(await store.getKeySet({ fresh: true })).toEqual(first);
      expect(await store.getPublicKeys()).toEqual({
        version: 1,
        keys: [{ publicJwk: first.keys[0]?.publicJwk, createdAt: 1000, signsFrom: 1000 }],
      });

      const second = {
        version: 2,
        keys: [
          key('k1', { createdAt: 1000, signsFrom: 1000, retiredAt: 5000, removeAfter: 9000 }),
          key('k2', { createdAt: 2000, signsFrom: 5000 }),
          key('k3', { createdAt: 3000, signsFrom: 6000, standby: true }),
        ],
      };
      // Written against a stale version: nothing changes.
      expect(await store.putKeySet(second, 0)).toBe('conflict');
      expect((await store.getKeySet({ fresh: true }))?.version).toBe(1);
      expect(await store.putKeySet(second, 1)).toBe('written');
      expect(await store.getKeySet({ fresh: true })).toEqual(second);
      const published = await store.getPublicKeys();
      expect(published?.version).toBe(2);
      expect(published?.keys.map((entry) => entry.publicJwk.kid)).toEqual(['k1', 'k2', 'k3']);
      expect(published?.keys[0]).toMatchObject({ retiredAt: 5000, removeAfter: 9000 });
      // The standby mark round-trips (the signer must never pick the standby).
      expect(published?.keys.map((entry) => entry.standby ?? false)).toEqual([false, false, true]);
      // The public half never carries a private member.
      expect(JSON.stringify(published)).not.toMatch(/"(d|p|q)":/);
    });
  });
});

describe('Store failures', () => {
  it('turns an unreachable DynamoDB into STORE_UNAVAILABLE', async () => {
    const dead = createDocumentClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    await expect(storesOn(dead, tableName).tenants.getTenant('x')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    closeDocumentClient(dead);
  });
});

/** A tenant config as the code before config versions stored it: no `configVersion`. */
async function storeLegacyConfig(stores: StoreSet, config: TenantConfig): Promise<void> {
  if (stores.tenants instanceof InMemoryTenantStore) {
    stores.tenants.tenants.set(config.tenantId, config);
    return;
  }
  await client.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...keys.tenantConfig(config.tenantId), type: 'tenant', ...config },
    }),
  );
}
