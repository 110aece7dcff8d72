import { describe, expect, it } from 'vitest';
import type { LoginRecord } from '../../shared/ports.ts';
import { provisionLogin } from '../../shared/provisioning.ts';
import { userIdFor } from '../../shared/users.ts';
import { InMemoryIdentityStore, InMemoryTenantStore } from '../support/in-memory-stores.ts';

const ISSUER = 'https://acme.okta.example';

function record(sub: string, tokenHash = `hash-${sub}-${Math.random()}`): LoginRecord {
  return {
    tenantId: 'acme',
    userId: userIdFor(ISSUER, sub),
    issuer: ISSUER,
    sub,
    profile: { email: `${sub}@acme.example`, emailVerified: true, name: sub, groups: [], roles: [] },
    session: {
      tokenHash,
      tenantId: 'acme',
      userId: userIdFor(ISSUER, sub),
      createdAt: 1,
      createdAtMs: 1000,
      expiresAt: 2,
      lastSeenAt: 1,
    },
    now: '2026-11-22T12:00:00.000Z',
    rolesFrom: 'claim',
  };
}

// The store cases (racing first logins, profile refresh, disabled users) run against both
// stores in test/integration/store-contract.test.ts; these are the provisioning state machine.
describe('Function: provisionLogin', () => {
  it('makes the first user the owner and later users members', async () => {
    const store = new InMemoryIdentityStore();
    expect((await provisionLogin(store, record('00ua'), {})).mode).toBe('owner');
    expect((await provisionLogin(store, record('00ub'), {})).mode).toBe('member');
    expect((await provisionLogin(store, record('00ua'), {})).mode).toBe('returning');
    const roles = (await store.listUsers('acme')).map((user) => [user.sub, user.role]);
    expect(roles.sort()).toEqual([
      ['00ua', 'owner'],
      ['00ub', 'member'],
    ]);
  });

  it('claims ownership in one write for a tenant without owner, and members in two', async () => {
    const store = new InMemoryIdentityStore();
    expect((await provisionLogin(store, record('00ua'), {})).mode).toBe('owner');
    expect(store.writes).toBe(1);
    store.writes = 0;
    expect((await provisionLogin(store, record('00ub'), { hasOwner: true })).mode).toBe('member');
    expect(store.writes).toBe(2); // returning attempt, then member
    store.writes = 0;
    expect((await provisionLogin(store, record('00ub'), { hasOwner: true })).mode).toBe('returning');
    expect(store.writes).toBe(1);
  });

  it('recovers when a stale tenant config says there is no owner yet', async () => {
    const store = new InMemoryIdentityStore();
    await provisionLogin(store, record('00ua'), {});
    expect((await provisionLogin(store, record('00ub'), { hasOwner: false })).mode).toBe('member');
    expect((await provisionLogin(store, record('00ua'), { hasOwner: false })).mode).toBe('returning');
  });

  it('turns a tenant deleted meanwhile into TENANT_NOT_FOUND', async () => {
    const tenants = new InMemoryTenantStore();
    const store = new InMemoryIdentityStore(tenants);
    await expect(provisionLogin(store, record('00ua'), {})).rejects.toMatchObject({
      code: 'TENANT_NOT_FOUND',
      reason: 'tenant_deleted_during_login',
    });
  });
});
