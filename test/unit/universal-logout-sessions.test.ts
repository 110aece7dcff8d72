import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../shared/config.ts';
import { DiscoveryCache } from '../../shared/oidc/discovery.ts';
import { SigningKeysCache } from '../../shared/oidc/signing-keys.ts';
import { revocationEpoch } from '../../shared/session/revocation.ts';
import { hashSessionToken, newSessionToken, type Session } from '../../shared/sessions.ts';
import { TenantDirectory } from '../../shared/tenant-directory.ts';
import { buildTenantConfig } from '../../shared/tenants.ts';
import type { UniversalLogoutDependencies } from '../../shared/universal-logout/dependencies.ts';
import { endSessions } from '../../shared/universal-logout/end-sessions.ts';
import { findSubjectUsers } from '../../shared/universal-logout/find-users.ts';
import { type User, userIdFor } from '../../shared/users.ts';
import {
  InMemoryIdentityStore,
  InMemoryReplayGuard,
  InMemoryTenantStore,
  RecordingUniversalLogoutTelemetry,
} from '../support/in-memory-stores.ts';
import { testUser } from '../support/test-user.ts';

const ISSUER = 'https://acme.okta.example/oauth2/default';
const NOW = new Date('2026-11-25T12:00:00Z');
const now = Math.floor(NOW.getTime() / 1000);
const IDLE = 3600;

function setup() {
  const tenants = new InMemoryTenantStore();
  const store = new InMemoryIdentityStore(tenants);
  const tenant = buildTenantConfig(
    { tenantId: 'acme', issuer: ISSUER, clientId: '0oa-acme' },
    { allowLoopback: false, now: NOW },
  );
  tenants.tenants.set(tenant.tenantId, tenant);
  const fetch = async () => new Response(null, { status: 599 });
  const deps: UniversalLogoutDependencies = {
    config: readConfig({ TABLE_NAME: 'unit', SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE) }),
    tenants: new TenantDirectory(tenants, { ttlMs: 0 }),
    discovery: new DiscoveryCache({ fetch, timeoutMs: 100, allowLoopback: false }),
    signingKeys: new SigningKeysCache({ fetch, timeoutMs: 100 }),
    replays: new InMemoryReplayGuard(tenants.table),
    users: store,
    sessions: store,
    audit: store,
    telemetry: new RecordingUniversalLogoutTelemetry(),
    logger: new Logger({ logLevel: 'SILENT' }),
    now: () => NOW,
  };
  const addUser = (sub: string, email: string | undefined, changes: Partial<User> = {}): User => {
    const user = testUser({
      tenantId: tenant.tenantId,
      userId: userIdFor(ISSUER, sub),
      issuer: ISSUER,
      sub,
      email,
      emailVerified: true,
      name: sub,
      createdAt: NOW.toISOString(),
      lastLoginAt: NOW.toISOString(),
      ...changes,
    });
    store.users.set(`${tenant.tenantId}/${user.userId}`, user);
    return user;
  };
  const addSession = (user: User, changes: Partial<Session> = {}) => {
    const createdAt = changes.createdAt ?? now - 600;
    const session: Session = {
      tokenHash: hashSessionToken(newSessionToken()),
      tenantId: tenant.tenantId,
      userId: user.userId,
      tenantGeneration: tenant.generation,
      createdAt,
      createdAtMs: createdAt * 1000,
      expiresAt: now + 3600,
      lastSeenAt: now - 60,
      ...changes,
    };
    store.sessions.set(session.tokenHash, session);
  };
  return { deps, store, tenant, addUser, addSession };
}

describe('Universal Logout: whom a subject names', () => {
  it('finds the user keyed by the tenant’s issuer and the sub, with the org URL or the issuer as iss', async () => {
    const { deps, tenant, addUser } = setup();
    const ada = addUser('00u1ada', 'ada@acme.example');
    for (const iss of [ISSUER, 'https://acme.okta.example', 'https://acme.okta.example/']) {
      expect(await findSubjectUsers(deps, tenant, { format: 'iss_sub', iss, sub: '00u1ada' })).toEqual([ada]);
    }
    for (const iss of ['https://other.okta.example', `${ISSUER}/`, 'https://acme.okta.example/oauth2/other']) {
      await expect(findSubjectUsers(deps, tenant, { format: 'iss_sub', iss, sub: '00u1ada' })).rejects.toMatchObject({
        code: 'SUBJECT_NOT_FOUND',
      });
    }
  });

  it('finds every user with the email, without case, and no one without one', async () => {
    const { deps, tenant, addUser } = setup();
    const first = addUser('00u1', 'Desk@Acme.example');
    const second = addUser('00u2', 'desk@acme.EXAMPLE');
    addUser('00u3', 'other@acme.example');
    addUser('00u4', undefined);
    const found = await findSubjectUsers(deps, tenant, { format: 'email', email: 'DESK@acme.example' });
    expect(found.map((user) => user.sub).sort()).toEqual([first.sub, second.sub]);
    await expect(
      findSubjectUsers(deps, tenant, { format: 'email', email: 'nobody@acme.example' }),
    ).rejects.toMatchObject({
      code: 'SUBJECT_NOT_FOUND',
    });
  });
});

describe('Universal Logout: ending and counting sessions', () => {
  it('counts only the sessions a request would still accept, and ends every session started before it', async () => {
    const { deps, store, tenant, addUser, addSession } = setup();
    const ada = addUser('00u1ada', 'ada@acme.example', { sessionsNotBeforeMs: (now - 300) * 1000 });
    addSession(ada, { createdAt: now - 60 }); // live
    addSession(ada, { createdAt: now - 120, lastSeenAt: now - 100 }); // live
    addSession(ada, { lastSeenAt: now - IDLE - 1, createdAt: now - 200 }); // idle
    addSession(ada, { createdAt: now - 400 }); // ended by an earlier revocation
    addSession(ada, { expiresAt: now - 1 }); // expired, not yet removed by TTL
    addSession(ada, { tenantGeneration: 'an-earlier-tenant', createdAt: now - 60 }); // another generation
    const grace = addUser('00u1grace', 'grace@acme.example');
    addSession(grace);

    expect(await endSessions(deps, tenant, [ada], { format: 'iss_sub', iss: ISSUER, sub: ada.sub })).toBe(2);
    expect(store.users.get(`acme/${ada.userId}`)?.sessionsNotBeforeMs).toBe(revocationEpoch(NOW));
    expect(store.users.get(`acme/${grace.userId}`)?.sessionsNotBeforeMs).toBeUndefined();
    expect(store.auditEvents.at(-1)).toMatchObject({
      type: 'universal_logout',
      actor: 'okta:universal-logout',
      subject: ada.userId,
      details: { format: 'iss_sub', sessionsEnded: '2' },
    });
  });

  it('counts nothing for a disabled user, and skips a user removed meanwhile', async () => {
    const { deps, store, tenant, addUser, addSession } = setup();
    const disabled = addUser('00u1off', undefined, { adminDisabled: true });
    addSession(disabled);
    const gone = addUser('00u1gone', undefined);
    store.users.delete(`acme/${gone.userId}`);
    const subject = { format: 'email', email: 'x@acme.example' } as const;
    expect(await endSessions(deps, tenant, [disabled, gone], subject)).toBe(0);
    expect(store.auditEvents.map((event) => [event.subject, event.details?.sessionsEnded])).toEqual([
      [disabled.userId, '0'],
    ]);
  });
});
