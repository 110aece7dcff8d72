/**
 * Okta Universal Logout (Global Token Revocation) end to end through the
 * local stack: the tenant signs in through a custom authorization server (the
 * test identity provider, a real oidc-provider) while its Okta org — discovery
 * at the org URL and a real RSA key set — signs the revocation JWTs, as Okta
 * does. Every refusal is shown to revoke and write nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestBrowser } from '../../local/http-browser.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import { CLIENT_ID, CLIENT_SECRET, type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';
import type { SignOptions, TestOktaOrg } from '../support/okta-org.ts';
import { pastRevocations } from '../support/test-clock.ts';

/** Another tenant of this service on the same Okta org (another app there). */
const OTHER_TENANT = 'globex';
const OTHER_CLIENT_ID = 'globex-client';

let env: MisbehavingStack;
let org: TestOktaOrg;

const endpoint = (tenant = TENANT) => `${env.stack.url}/t/${tenant}/global-token-revocation`;
const seconds = (offset = 0) => Math.floor(Date.now() / 1000) + offset;

test.beforeAll(async ({ stack, oktaOrg }) => {
  env = stack;
  org = oktaOrg;
  // ID tokens come from the test identity provider (a custom authorization server); Okta's org is elsewhere.
  const put = await cli('put', TENANT, '--org-url', org.url);
  expect(put).toMatchObject({
    code: 0,
    output: {
      changed: ['orgUrl'],
      tenant: { okta: { universalLogout: { globalTokenRevocationEndpoint: endpoint() } } },
    },
  });
  await env.addTenant(OTHER_TENANT, { clientId: OTHER_CLIENT_ID, clientSecret: CLIENT_SECRET });
  expect((await cli('put', OTHER_TENANT, '--org-url', org.url)).code).toBe(0);
});

/** `Bearer <a revocation JWT of the org>` for this tenant's app and endpoint; `claims` override or remove. */
async function bearer(claims: Record<string, unknown> = {}, options?: SignOptions): Promise<string> {
  return `Bearer ${await org.revocationToken({ sub: CLIENT_ID, aud: endpoint(), ...claims }, options)}`;
}

/** For the other tenant: its app, its endpoint. */
const otherBearer = (claims: Record<string, unknown> = {}) =>
  bearer({ sub: OTHER_CLIENT_ID, aud: endpoint(OTHER_TENANT), ...claims });

async function revoke(body: unknown, authorization: string | undefined, tenant = TENANT) {
  const response = await fetch(endpoint(tenant), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

const issSub = (sub: string, iss = org.url) => ({ sub_id: { format: 'iss_sub', iss, sub } });

/**
 * A login at the test identity provider. Its made-up users' `sub` comes from
 * the first 8 letters of the login, so each test's logins differ there: the
 * same user revoked a moment before would have this second's sessions ended too.
 */
const signIn = (login: string) => env.signIn(login);
const me = (browser: TestBrowser) => env.me(browser);
/** The statuses of `/me` and of the app route behind the authorizer. */
const routes = (browser: TestBrowser) => env.routes(browser);

async function userOf(browser: TestBrowser): Promise<{ id: string; sub: string; email: string }> {
  return (await me(browser)).body.user;
}

async function universalLogoutEvents(tenant = TENANT) {
  const { output } = await cli('audit', tenant);
  return (output as Array<{ type: string; subject: string; actor: string; details?: Record<string, string> }>).filter(
    (event) => event.type === 'universal_logout',
  );
}

describe('Universal Logout ends a user’s sessions at once', () => {
  it('ends every session of the user, in every browser, on /me and the app’s routes, and no one else’s', async () => {
    const browsers = [await signIn('ada'), await signIn('ada'), await signIn('ada')];
    const bystander = await signIn('grace');
    for (const browser of [...browsers, bystander]) expect(await routes(browser)).toEqual([200, 200]);
    const ada = await userOf(browsers[0] as TestBrowser);

    const response = await revoke(issSub(ada.sub), await bearer());
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expect(response.headers.get('cache-control')).toBe('no-store');

    for (const browser of browsers) expect(await routes(browser)).toEqual([401, 403]);
    expect(await routes(bystander)).toEqual([200, 200]);
    expect((await universalLogoutEvents()).at(-1)).toMatchObject({
      actor: 'okta:universal-logout',
      subject: ada.id,
      outcome: 'success',
      details: { format: 'iss_sub', sessionsEnded: '3' },
    });

    // The user may sign in again (once the revocation's few milliseconds of margin have passed).
    await pastRevocations();
    const again = await signIn('ada');
    expect(await routes(again)).toEqual([200, 200]);
    expect(await routes(browsers[0] as TestBrowser)).toEqual([401, 403]);
  });

  it.each([
    [
      'sub_id, iss the tenant’s own issuer (its custom authorization server)',
      'issuerform',
      (user: { sub: string }) => issSub(user.sub, env.idp.issuer),
    ],
    [
      'the legacy subject member, iss the org URL with a trailing slash',
      'legacysub',
      (user: { sub: string }) => ({
        subject: { format: 'iss_sub', iss: `${org.url}/`, sub: user.sub },
      }),
    ],
    [
      'the legacy subject member, email',
      'legacymail',
      (user: { email: string }) => ({
        subject: { format: 'email', email: user.email },
      }),
    ],
  ])('accepts %s', async (_name, login, body) => {
    const browser = await signIn(login);
    expect(await routes(browser)).toEqual([200, 200]);
    expect((await revoke(body(await userOf(browser)), await bearer())).status).toBe(204);
    expect(await routes(browser)).toEqual([401, 403]);
  });

  it('ends the sessions of every user of the tenant with the email, compared without case', async () => {
    env.idp.mutateNextIdToken({ claims: { email: 'Shared.Desk@acme.example' } });
    const first = await signIn('desk_one');
    env.idp.mutateNextIdToken({ claims: { email: 'shared.desk@ACME.example' } });
    const second = await signIn('desk_two');
    const other = await signIn('desk_three');
    const ids = [(await userOf(first)).id, (await userOf(second)).id];

    const response = await revoke({ sub_id: { format: 'email', email: 'SHARED.DESK@acme.example' } }, await bearer());
    expect(response.status).toBe(204);
    expect(await routes(first)).toEqual([401, 403]);
    expect(await routes(second)).toEqual([401, 403]);
    expect(await routes(other)).toEqual([200, 200]);
    const events = (await universalLogoutEvents()).slice(-2);
    expect(events.map((event) => event.subject).sort()).toEqual(ids.sort());
    for (const event of events) expect(event.details).toEqual({ format: 'email', sessionsEnded: '1' });
  });

  it('answers 204 for a user without a live session, counting none', async () => {
    const browser = await signIn('sleeper');
    const user = await userOf(browser);
    await browser.request(`${env.stack.url}/logout`, { method: 'POST', headers: { origin: env.stack.url } });
    expect((await revoke(issSub(user.sub), await bearer())).status).toBe(204);
    expect((await universalLogoutEvents()).at(-1)).toMatchObject({
      subject: user.id,
      details: { format: 'iss_sub', sessionsEnded: '0' },
    });
  });

  it('answers 404 for a subject the tenant does not have, the same whether another tenant has it', async () => {
    const ada = env.idp.users.find((user) => user.login === 'ada');
    if (!ada) throw new Error('no demo user ada');
    const elsewhere = [
      await revoke(issSub(ada.sub), await otherBearer(), OTHER_TENANT),
      await revoke({ sub_id: { format: 'email', email: ada.email } }, await otherBearer(), OTHER_TENANT),
    ];
    const nowhere = [
      await revoke(issSub('00unobody00000000000'), await otherBearer(), OTHER_TENANT),
      await revoke({ sub_id: { format: 'email', email: 'nobody@acme.example' } }, await otherBearer(), OTHER_TENANT),
    ];
    // In this tenant too: an issuer that is neither its issuer nor its org URL names no user of it.
    const otherIssuer = await revoke(issSub(ada.sub, 'https://elsewhere.okta.example'), await bearer());
    const withoutId = ({ correlationId, ...rest }: Record<string, unknown>) => {
      expect(correlationId).toEqual(expect.any(String));
      return rest;
    };
    for (const response of [...elsewhere, ...nowhere, otherIssuer]) {
      expect(response.status).toBe(404);
      expect(withoutId(response.body)).toEqual({
        error: 'not_found',
        error_description: 'No user of this organization matches the subject.',
      });
    }
    expect(await universalLogoutEvents(OTHER_TENANT)).toEqual([]);
  });
});

describe('Refused calls revoke nothing and write nothing', () => {
  let victim: TestBrowser;
  let victimSub: string;
  beforeAll(async () => {
    victim = await signIn('victim');
    victimSub = (await userOf(victim)).sub;
  });

  /** Asserts the call changed nothing: the victim still signed in, no jti recorded, no audit event. */
  async function unchanged(call: () => ReturnType<typeof revoke>, jtiRecorded = false) {
    const [usedBefore, eventsBefore] = [await env.count('used_token_id'), (await universalLogoutEvents()).length];
    const response = await call();
    expect(await routes(victim)).toEqual([200, 200]);
    expect(await env.count('used_token_id')).toBe(usedBefore + (jtiRecorded ? 1 : 0));
    expect((await universalLogoutEvents()).length).toBe(eventsBefore);
    expect(Object.keys(response.body).sort()).toEqual(['correlationId', 'error', 'error_description']);
    return response;
  }

  it.each([
    ['no Authorization header', async () => undefined],
    ['a Basic credential', async () => 'Basic YWNtZTpzZWNyZXQ='],
    ['a bearer that is not a JWT', async () => 'Bearer not-a-jwt'],
    ['a token from another issuer', () => bearer({ iss: 'https://evil.okta.example' })],
    ['a token from the tenant’s custom authorization server', () => bearer({ iss: env.idp.issuer })],
    ['typ JWT', () => bearer({}, { header: { typ: 'JWT' } })],
    ['no typ', () => bearer({}, { header: { typ: undefined } })],
    ['an expired token', () => bearer({ iat: seconds(-400), nbf: seconds(-400), exp: seconds(-100) })],
    ['a token valid for an hour', () => bearer({ exp: seconds(3600) })],
    ['a token issued in the future', () => bearer({ iat: seconds(120), nbf: seconds(120), exp: seconds(400) })],
    ['a token without jti', () => bearer({ jti: undefined })],
    ['a token without exp', () => bearer({ exp: undefined })],
    ['a token without iat', () => bearer({ iat: undefined })],
    ['a token without aud', () => bearer({ aud: undefined })],
    ['a token signed by a key the org does not publish', () => bearer({}, { signing: 'unknown-key' })],
    ['alg none', () => bearer({}, { signing: 'none' })],
    ['HS256 keyed with the org’s public key', () => bearer({}, { signing: 'hs256' })],
    ['a signature over another payload', () => bearer({}, { signing: 'tamper-payload' })],
  ])('401 for %s', async (_name, authorization) => {
    const response = await unchanged(async () => revoke(issSub(victimSub), await authorization()));
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_token');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer( error="invalid_token")?$/);
  });

  it.each([
    ['a token for another tenant’s endpoint on this service', () => bearer({ aud: endpoint(OTHER_TENANT) })],
    ['a token for another service', () => bearer({ aud: 'https://other.example/global-token-revocation' })],
    ['a token for this endpoint and another', () => bearer({ aud: [endpoint(), endpoint(OTHER_TENANT)] })],
    ['a token for another app of the org', () => bearer({ sub: '0oa-another-app' })],
    ['another tenant’s token (its client, its endpoint)', () => otherBearer()],
    ['another tenant’s client for this endpoint', () => otherBearer({ aud: endpoint() })],
  ])('403 for %s', async (_name, authorization) => {
    const response = await unchanged(async () => revoke(issSub(victimSub), await authorization()));
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('access_denied');
  });

  it.each([
    ['a body that is not JSON', `sub_id=${'x'.repeat(8)}`, 400],
    ['a JSON array', '[]', 400],
    ['no subject', {}, 400],
    ['a subject without format', () => ({ sub_id: { iss: org.url, sub: victimSub } }), 400],
    ['iss_sub without sub', () => ({ sub_id: { format: 'iss_sub', iss: org.url } }), 400],
    ['a numeric sub', () => ({ sub_id: { format: 'iss_sub', iss: org.url, sub: 7 } }), 400],
    ['both sub_id and subject', () => ({ ...issSub(victimSub), subject: issSub(victimSub).sub_id }), 400],
    ['an oversized body', () => ({ ...issSub(victimSub), padding: 'x'.repeat(9000) }), 400],
    ['format opaque', () => ({ sub_id: { format: 'opaque', id: victimSub } }), 422],
    ['format phone_number', { sub_id: { format: 'phone_number', phone_number: '+12065550100' } }, 422],
  ])('%s: %i with a valid token (its jti used up)', async (_name, body, status) => {
    const value = typeof body === 'function' ? body() : body;
    const response = await unchanged(async () => revoke(value, await bearer()), true);
    expect(response.status).toBe(status);
    expect(response.body.error).toBe(status === 400 ? 'invalid_request' : 'unsupported_subject_format');
  });

  it('refuses a replayed token, with any body, and a token used twice at once works once', async () => {
    const browser = await signIn('replayed');
    const { sub } = await userOf(browser);
    const authorization = await bearer();
    expect((await revoke(issSub(sub), authorization)).status).toBe(204);
    await pastRevocations();
    const again = await signIn('replayed');
    for (const body of [issSub(sub), issSub(victimSub)]) {
      const replay = await unchanged(async () => revoke(body, authorization));
      expect(replay).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    }
    expect(await routes(again)).toEqual([200, 200]);

    const racing = await bearer();
    const statuses = await Promise.all([revoke(issSub(sub), racing), revoke(issSub(sub), racing)]);
    expect(statuses.map((response) => response.status).sort()).toEqual([204, 401]);
  });

  it('answers 404 for an unknown tenant, before looking at the token', async () => {
    const response = await revoke(issSub(victimSub), undefined, 'no_such_tenant');
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('not_found');
  });
});

describe('A tenant can turn Universal Logout off', () => {
  it('answers 404 without verifying anything while off, and works again when on', async () => {
    const browser = await signIn('switch');
    const { sub } = await userOf(browser);
    const off = await cli('put', TENANT, '--no-universal-logout');
    expect(off.output).toMatchObject({
      changed: ['universalLogout'],
      tenant: { okta: { universalLogout: expect.any(String) } },
    });
    expect((await cli('get', TENANT)).output).toMatchObject({ universalLogout: false });

    const fetches = { ...org.counters };
    const used = await env.count('used_token_id');
    for (const authorization of [await bearer(), undefined, 'Bearer not-a-jwt']) {
      const response = await revoke(issSub(sub), authorization);
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({
        error: 'not_found',
        error_description: 'Universal Logout is turned off for this organization.',
      });
    }
    expect(org.counters).toEqual(fetches);
    expect(await env.count('used_token_id')).toBe(used);
    expect(await routes(browser)).toEqual([200, 200]);

    expect((await cli('put', TENANT, '--universal-logout')).output).toMatchObject({ changed: ['universalLogout'] });
    const got = (await cli('get', TENANT)).output;
    expect(got.okta.universalLogout.globalTokenRevocationEndpoint).toBe(endpoint());
    expect((await revoke(issSub(sub), await bearer())).status).toBe(204);
    expect(await routes(browser)).toEqual([401, 403]);
  });
});
