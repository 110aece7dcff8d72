/**
 * `GET /session/token` as domain logic (shared/session-token/issue.ts) over
 * in-memory ports and an injected clock: the claims and header, `exp` capped
 * by the session, the one-way `sid`, refusal without a live session, and that
 * only a key published now (by the fresh public set read with the session)
 * ever signs, whatever the cached private set holds.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../shared/config.ts';
import { ServiceError } from '../../shared/errors.ts';
import type { SigningKeyStore } from '../../shared/ports.ts';
import { issueSessionToken, sessionIdClaim } from '../../shared/session-token/issue.ts';
import { type KeySet, publicKeySet, publishedJwks, type SigningKey } from '../../shared/session-token/keys.ts';
import { generateSigningKeyPair, type NewKeyPair } from '../../shared/session-token/rotation.ts';
import type { Session } from '../../shared/sessions.ts';
import { formatSessionCookie, hashSessionToken, newSessionToken } from '../../shared/sessions.ts';
import { TenantDirectory } from '../../shared/tenant-directory.ts';
import { userIdFor } from '../../shared/users.ts';
import { InMemoryIdentityStore, InMemoryTenantStore } from '../support/in-memory-stores.ts';
import { testUser } from '../support/test-user.ts';

const PUBLIC_URL = 'https://login.example.com';
const AUDIENCE = 'https://app.example.com';
const TENANT = 'acme';
const ISSUER = 'https://acme.okta.com';
const NOW_MS = Date.parse('2026-11-22T12:00:00Z');
const NOW = NOW_MS / 1000;
const HOUR_MS = 3600_000;

/** A private key store that counts reads, with a cache that can be left stale on purpose. */
class FakeSigningKeyStore implements SigningKeyStore {
  stored: KeySet | undefined;
  cached: KeySet | undefined;
  freshReads = 0;
  async getKeySet(options?: { fresh?: boolean }) {
    if (options?.fresh || !this.cached) {
      if (options?.fresh) this.freshReads++;
      this.cached = this.stored;
    }
    return this.cached;
  }
  async putKeySet(set: KeySet) {
    this.stored = set;
    return 'written' as const;
  }
}

let pairs: [NewKeyPair, NewKeyPair, NewKeyPair];
beforeAll(async () => {
  pairs = await Promise.all([generateSigningKeyPair(), generateSigningKeyPair(), generateSigningKeyPair()]);
});

const keyOf = (pair: NewKeyPair, times: Partial<SigningKey> = {}): SigningKey => ({
  ...pair,
  createdAt: NOW_MS - 48 * HOUR_MS,
  signsFrom: NOW_MS - 46 * HOUR_MS,
  ...times,
});

function setup(env: Record<string, string> = {}) {
  const config = readConfig({
    TABLE_NAME: 't',
    PUBLIC_URL,
    APP_URL: `${AUDIENCE}/home`,
    STATE_KEY: 'x'.repeat(43),
    ...env,
  });
  const tenants = new InMemoryTenantStore();
  const store = new InMemoryIdentityStore();
  const signingKeys = new FakeSigningKeyStore();
  let clock = NOW_MS;
  const deps = {
    config,
    sessions: store,
    tenants: new TenantDirectory(tenants),
    signingKeys,
    now: () => new Date(clock),
  };
  const user = testUser({
    tenantId: TENANT,
    userId: userIdFor(ISSUER, '00u1'),
    issuer: ISSUER,
    sub: '00u1',
    email: 'ada@acme.example',
    emailVerified: true,
    name: 'Ada Lovelace',
    groups: ['Admins'],
    roles: ['admin', 'engineer'],
    role: 'owner',
    createdAt: new Date(NOW_MS).toISOString(),
    lastLoginAt: new Date(NOW_MS).toISOString(),
  });
  store.users.set(`${TENANT}/${user.userId}`, user);
  const token = newSessionToken();
  const tokenHash = hashSessionToken(token);
  const session: Session = {
    tokenHash,
    tenantId: TENANT,
    userId: user.userId,
    createdAt: NOW - 60,
    createdAtMs: (NOW - 60) * 1000,
    expiresAt: NOW + 8 * 3600,
    lastSeenAt: NOW - 60,
  };
  store.sessions.set(tokenHash, session);
  const event = (cookie = formatSessionCookie({ tenantId: TENANT, userId: user.userId, token })) =>
    ({
      routeKey: 'GET /session/token',
      headers: {},
      cookies: [`__Host-session=${cookie}`],
      requestContext: { domainName: 'evil.example' },
    }) as unknown as APIGatewayProxyEventV2;
  /** Stores a key set in both stores, as `putKeySet` does (the public half into the table). */
  const storeKeys = (keys: SigningKey[], version: number) => {
    const set = { keys, version };
    signingKeys.stored = set;
    store.table.publicKeys = publicKeySet(set);
    return set;
  };
  const issue = async () => {
    const response = await issueSessionToken(deps, event());
    return { response, body: JSON.parse(response.body ?? '{}') as { token: string; expiresAt: string } };
  };
  return {
    deps,
    store,
    signingKeys,
    session,
    user,
    tokenHash,
    event,
    storeKeys,
    issue,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => (error instanceof ServiceError ? `${error.code}/${error.reason}` : String(error)),
  );

describe('issueSessionToken', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('signs the session’s user into RS256 claims the app can verify with the published key set', async () => {
    t.storeKeys([keyOf(pairs[0])], 1);
    const { response, body } = await t.issue();
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(decodeProtectedHeader(body.token)).toEqual({ alg: 'RS256', kid: pairs[0].kid, typ: 'session+jwt' });
    const jwks = createLocalJWKSet(publishedJwks(t.store.table.publicKeys ?? { keys: [], version: 0 }, NOW_MS));
    const { payload } = await jwtVerify(body.token, jwks, {
      issuer: PUBLIC_URL,
      audience: AUDIENCE,
      typ: 'session+jwt',
      algorithms: ['RS256'],
      currentDate: new Date(NOW_MS),
    });
    expect(payload).toEqual({
      iss: PUBLIC_URL,
      aud: AUDIENCE,
      sub: t.user.userId,
      tenant: TENANT,
      role: 'owner',
      roles: ['admin', 'engineer'],
      email: 'ada@acme.example',
      email_verified: true,
      name: 'Ada Lovelace',
      sid: sessionIdClaim(t.tokenHash),
      iat: NOW,
      exp: NOW + 300,
    });
    expect(body.expiresAt).toBe(new Date((NOW + 300) * 1000).toISOString());
  });

  it('takes iss from PUBLIC_URL and aud from APP_AUDIENCE, never from the request', async () => {
    t = setup({ APP_AUDIENCE: 'urn:acme:app' });
    t.storeKeys([keyOf(pairs[0])], 1);
    const claims = decodeJwt((await t.issue()).body.token);
    expect(claims.iss).toBe(PUBLIC_URL);
    expect(claims.aud).toBe('urn:acme:app');
  });

  it('never lets a token outlive its session, and honours SESSION_TOKEN_TTL_SECONDS', async () => {
    t = setup({ SESSION_TOKEN_TTL_SECONDS: '900' });
    t.storeKeys([keyOf(pairs[0])], 1);
    expect(decodeJwt((await t.issue()).body.token).exp).toBe(NOW + 900);
    t.store.sessions.set(t.tokenHash, { ...t.session, expiresAt: NOW + 42 });
    const { body } = await t.issue();
    expect(decodeJwt(body.token).exp).toBe(NOW + 42);
    expect(body.expiresAt).toBe(new Date((NOW + 42) * 1000).toISOString());
  });

  it('derives sid one-way: neither the cookie’s token nor the stored hash, stable per session', async () => {
    t.storeKeys([keyOf(pairs[0])], 1);
    const first = decodeJwt((await t.issue()).body.token);
    const second = decodeJwt((await t.issue()).body.token);
    expect(first.sid).toBe(second.sid);
    expect(first.sid).not.toBe(t.tokenHash);
    const token = t.event().cookies?.[0]?.split('.').at(-1) ?? '';
    expect(JSON.stringify(first)).not.toContain(token);
    expect(JSON.stringify(first)).not.toContain(t.tokenHash);
    expect(sessionIdClaim('another')).not.toBe(first.sid);
  });

  it('refuses without a live session (no cookie, unknown token, expired, disabled, deactivated, revoked, ended, no user)', async () => {
    t.storeKeys([keyOf(pairs[0])], 1);
    const none = { ...t.event(), cookies: [] } as APIGatewayProxyEventV2;
    expect(await refusal(issueSessionToken(t.deps, none))).toBe('NOT_AUTHENTICATED/no_session');
    const forged = t.event(formatSessionCookie({ tenantId: TENANT, userId: t.user.userId, token: newSessionToken() }));
    expect(await refusal(issueSessionToken(t.deps, forged))).toBe('NOT_AUTHENTICATED/no_session');
    const key = `${TENANT}/${t.user.userId}`;
    const cases: Array<() => void> = [
      () => t.store.sessions.set(t.tokenHash, { ...t.session, expiresAt: NOW }),
      () => t.store.users.set(key, { ...t.user, adminDisabled: true }),
      () => t.store.users.set(key, { ...t.user, deactivated: true }),
      () => t.store.users.set(key, { ...t.user, sessionsNotBeforeMs: NOW_MS }),
      () => t.store.sessions.delete(t.tokenHash),
      () => t.store.users.delete(key),
    ];
    for (const [index, arrange] of cases.entries()) {
      const fresh = setup();
      fresh.storeKeys([keyOf(pairs[0])], 1);
      t = fresh;
      arrange();
      expect(await refusal(t.issue()), `case ${index}`).toBe('NOT_AUTHENTICATED/no_session');
    }
  });

  it('counts as activity: touches the session for the idle timeout', async () => {
    t = setup({ SESSION_IDLE_SECONDS: '3600' });
    t.storeKeys([keyOf(pairs[0])], 1);
    t.store.sessions.set(t.tokenHash, { ...t.session, lastSeenAt: NOW - 1800 });
    await t.issue();
    expect(t.store.sessions.get(t.tokenHash)?.lastSeenAt).toBe(NOW);
  });

  it('answers 503 (configuration) without an audience or a key to sign with', async () => {
    t = setup({ APP_URL: '' });
    t.storeKeys([keyOf(pairs[0])], 1);
    expect(await refusal(t.issue())).toBe('CONFIGURATION_ERROR/no_app_audience');
    t = setup({ PUBLIC_URL: '' });
    expect(await refusal(t.issue())).toBe('CONFIGURATION_ERROR/no_public_url');
    t = setup();
    expect(await refusal(t.issue())).toBe('CONFIGURATION_ERROR/no_signing_key');
    // Only a key still waiting out its publication delay.
    t.storeKeys([keyOf(pairs[0], { createdAt: NOW_MS - 1000, signsFrom: NOW_MS + HOUR_MS })], 1);
    expect(await refusal(t.issue())).toBe('CONFIGURATION_ERROR/no_signing_key');
  });

  it('signs only with a key published now: an emergency removal applies at once, even with the private set cached', async () => {
    const a = keyOf(pairs[0]);
    const b = keyOf(pairs[1], { createdAt: NOW_MS - 4 * HOUR_MS, signsFrom: NOW_MS - 2 * HOUR_MS });
    const retiredA = { ...a, retiredAt: b.signsFrom };
    t.storeKeys([retiredA, b], 1);
    expect(decodeProtectedHeader((await t.issue()).body.token).kid).toBe(b.kid);
    // b is removed: both stores lose it, but this instance's private set is still the cached one.
    t.storeKeys([retiredA], 2);
    t.signingKeys.stored = { keys: [retiredA], version: 2 };
    // a is retired, b is gone: nothing signs; never b from the cache.
    expect(await refusal(t.issue())).toBe('CONFIGURATION_ERROR/no_signing_key');
    // A key signing now per the public set, missing from the stale cache: read past the cache once.
    const c = keyOf(pairs[2], { createdAt: NOW_MS - 3 * HOUR_MS, signsFrom: NOW_MS - HOUR_MS });
    t.storeKeys([retiredA, c], 3);
    const reads = t.signingKeys.freshReads;
    expect(decodeProtectedHeader((await t.issue()).body.token).kid).toBe(c.kid);
    expect(t.signingKeys.freshReads).toBe(reads + 1);
    await t.issue();
    expect(t.signingKeys.freshReads).toBe(reads + 1);
  });

  it('moves to a new key when the public set says it signs, although the cached private set predates its retirement', async () => {
    const a = keyOf(pairs[0]);
    const b = keyOf(pairs[1], { createdAt: NOW_MS - 1000, signsFrom: NOW_MS + 1000 });
    t.storeKeys([{ ...a, retiredAt: b.signsFrom }, b], 2);
    // The instance cached the set before b existed (a signing, not retired).
    t.signingKeys.cached = { keys: [a], version: 1 };
    expect(decodeProtectedHeader((await t.issue()).body.token).kid).toBe(a.kid);
    t.advance(1000);
    expect(decodeProtectedHeader((await t.issue()).body.token).kid).toBe(b.kid);
  });

  it('never signs with a cached private key whose public half differs from the published one', async () => {
    const a = keyOf(pairs[0]);
    t.storeKeys([a], 1);
    const impostor = { ...a, privateJwk: pairs[1].privateJwk };
    t.signingKeys.stored = { keys: [impostor], version: 1 };
    t.signingKeys.cached = { keys: [impostor], version: 1 };
    expect(await refusal(t.issue())).toBe('CONFIGURATION_ERROR/no_signing_key');
  });
});
