/**
 * The OpenID RP certification ID-token cases, end to end: a real login through
 * the local server against a test identity provider whose token endpoint hands
 * back a tampered ID token. Every bad token is refused at the callback with no
 * session and no user written; the accepted cases (no kid with one key, a key
 * rotated just before signing) sign the user in.
 */
import { describe, expect, it } from 'vitest';
import { test } from '../support/fixtures.ts';
import { CLIENT_ID, CLIENT_SECRET, type MisbehavingStack } from '../support/misbehaving-stack.ts';
import type { TestClock } from '../support/test-clock.ts';

let env: MisbehavingStack;
let clock: TestClock;

// The clock first: the stack's JWKS cooldown is then timed on a clock the tests can move.
test.beforeAll(({ clock: installed, stack }) => {
  clock = installed;
  env = stack;
});

/** Moves the clock past the JWKS refetch cooldown (its default, 30 s): an unknown kid may fetch the key set again. */
const pastJwksCooldown = () => clock.advance(31_000);

const now = () => Math.floor(Date.now() / 1000);

async function expectRefused(expectedStatus = 401) {
  const { callback, browser } = await env.login();
  expect(callback?.status).toBe(expectedStatus);
  expect(callback?.body).toContain('Start sign-in again');
  expect(callback?.headers.getSetCookie().some((cookie) => cookie.startsWith('__Host-session='))).toBe(false);
  expect(await browser.cookieValue(env.stack.url, '__Host-session')).toBeUndefined();
  expect(await env.count('user')).toBe(0);
  expect(await env.count('session')).toBe(0);
}

describe('ID token rules through the callback', () => {
  it.each([
    ['a bad signature (signed by a key not in the JWKS, same kid)', { sign: 'unknown-key' as const }],
    ['a valid signature over a different payload', { sign: 'tamper-payload' as const }],
    ['alg none', { sign: 'none' as const }],
    ['HS256 signed with the client secret', { sign: { hs256Secret: CLIENT_SECRET } }],
    ['a wrong iss', { claims: { iss: 'https://evil.example' } }],
    ['a missing iss', { claims: { iss: undefined } }],
    ['an iss with a trailing slash', { claims: { iss: 'TRAILING_SLASH' } }],
    ['a wrong aud', { claims: { aud: 'another-client' } }],
    ['a missing aud', { claims: { aud: undefined } }],
    ['an extra untrusted audience', { claims: { aud: [CLIENT_ID, 'untrusted'], azp: CLIENT_ID } }],
    ['azp naming another client', { claims: { azp: 'another-client' } }],
    ['an expired token', { claims: { exp: 'EXPIRED' } }],
    ['nbf in the future', { claims: { nbf: 'FUTURE' } }],
    ['a missing iat', { claims: { iat: undefined } }],
    ['a missing sub', { claims: { sub: undefined } }],
    ['a wrong nonce', { claims: { nonce: 'not-the-nonce' } }],
    ['a missing nonce', { claims: { nonce: undefined } }],
    ['a kid that is not in the JWKS', { header: { kid: 'not-published' }, sign: 'unknown-key' as const }],
  ])('refuses %s', async (_name, mutation) => {
    const claims = { ...(mutation as { claims?: Record<string, unknown> }).claims };
    if (claims.iss === 'TRAILING_SLASH') claims.iss = `${env.idp.issuer}/`;
    if (claims.exp === 'EXPIRED') claims.exp = now() - 600;
    if (claims.nbf === 'FUTURE') claims.nbf = now() + 600;
    env.idp.mutateNextIdToken({ ...mutation, ...((mutation as { claims?: unknown }).claims ? { claims } : {}) });
    await expectRefused();
  });

  it('limits JWKS refetches when a flood of unknown kids arrives', async () => {
    pastJwksCooldown(); // the cooldown from earlier cases
    env.idp.resetCounters();
    for (let index = 0; index < 8; index++) {
      env.idp.mutateNextIdToken({ header: { kid: `flood-${index}` }, sign: 'unknown-key' });
    }
    await Promise.all(Array.from({ length: 8 }, () => expectRefused()));
    expect(env.idp.counters.token).toBe(8);
    expect(env.idp.counters.jwks).toBeLessThanOrEqual(1);
  });

  it('accepts a token without kid when the JWKS has a single key', async () => {
    await env.idp.setJwks('no-kid-single-key');
    pastJwksCooldown();
    const { callback } = await env.login('grace');
    expect(callback?.status).toBe(302);
    await env.idp.setJwks('normal');
  });

  it('accepts a key rotated just before signing, refetching the JWKS once', async () => {
    pastJwksCooldown();
    const { callback: before } = await env.login('ada');
    expect(before?.status).toBe(302);
    env.idp.resetCounters();
    await env.idp.rotateSigningKey();
    pastJwksCooldown();
    const { callback, browser } = await env.login('ada');
    expect(callback?.status).toBe(302);
    expect(env.idp.counters.jwks).toBe(1);
    const me = await browser.request(`${env.stack.url}/me`, { headers: { accept: 'application/json' } });
    expect(JSON.parse(me.body).user.sub).toBe('00u1ada0lovelace0001');
  });

  it('makes no discovery or JWKS fetch on a warm login', async () => {
    await env.login('ada');
    env.idp.resetCounters();
    const { callback } = await env.login('ada');
    expect(callback?.status).toBe(302);
    expect(env.idp.counters).toEqual({ discovery: 0, jwks: 0, token: 1 });
  });
});
