import { describe, expect, it } from 'vitest';
import type { LoginRecord } from '../../shared/ports.ts';
import { provisionLogin } from '../../shared/provisioning.ts';
import { userIdFor } from '../../shared/users.ts';
import { InMemoryIdentityStore } from '../support/in-memory-stores.ts';

const ISSUER = 'https://acme.okta.example';

function record(sub: string, tokenHash = `hash-${sub}-${Math.random()}`): LoginRecord {
  return {
    tenantId: 'acme',
    userId: userIdFor(ISSUER, sub),
    issuer: ISSUER,
    sub,
    profile: { email: `${sub}@acme.example`, emailVerified: true, name: sub, groups: [], roles: [] },
    session: { tokenHash, tenantId: 'acme', userId: userIdFor(ISSUER, sub), createdAt: 1, expiresAt: 2, lastSeenAt: 1 },
    now: '2026-11-22T12:00:00.000Z',
  };
}

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

  it('creates exactly one owner when 50 first logins race', async () => {
    const store = new InMemoryIdentityStore();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => provisionLogin(store, record(`00u${index}`), {})),
    );
    expect(results.filter((result) => result.mode === 'owner')).toHaveLength(1);
    const users = await store.listUsers('acme');
    expect(users).toHaveLength(50);
    expect(users.filter((user) => user.role === 'owner')).toHaveLength(1);
  });

  it('refreshes the profile of a returning user', async () => {
    const store = new InMemoryIdentityStore();
    await provisionLogin(store, record('00ua'), {});
    const changed = {
      ...record('00ua'),
      profile: { email: 'new@acme.example', emailVerified: true, name: 'New', groups: ['g'], roles: [] },
    };
    await provisionLogin(store, changed, {});
    const [user] = await store.listUsers('acme');
    expect(user?.email).toBe('new@acme.example');
    expect(user?.groups).toEqual(['g']);
    expect(user?.role).toBe('owner');
  });

  it('refuses a disabled user', async () => {
    const store = new InMemoryIdentityStore();
    await provisionLogin(store, record('00ua'), {});
    const key = `acme/${userIdFor(ISSUER, '00ua')}`;
    const user = store.users.get(key);
    if (!user) throw new Error('user missing');
    store.users.set(key, { ...user, disabled: true });
    await expect(provisionLogin(store, record('00ua'), {})).rejects.toMatchObject({ code: 'USER_DISABLED' });
  });
});
