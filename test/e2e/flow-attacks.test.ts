/**
 * Attacks on the login flow itself (not the token): forged, missing, expired
 * and replayed state; callbacks on another tenant's path; login CSRF; a foreign
 * issuer at the initiate-login URI; open redirects; Okta Simplified posts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../local/http-browser.ts';
import { startTestIdp, type TestIdp } from '../../local/test-idp.ts';
import { loginStateCookieName } from '../../shared/login-state.ts';
import { expiredLoginState } from '../support/complete-login.ts';
import { test } from '../support/fixtures.ts';
import { CLIENT_ID, CLIENT_SECRET, type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';

let env: MisbehavingStack;
let evil: TestIdp;

test.beforeAll(async ({ stack }) => {
  env = stack;
  // A second tenant on the same identity provider, to aim callbacks at.
  await env.addTenant('globex', { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  evil = await startTestIdp({ clients: [] });
});

afterAll(async () => {
  await evil?.stop();
});

const sessionSet = (headers: Headers) => headers.getSetCookie().some((cookie) => cookie.startsWith('__Host-session='));

describe('State', () => {
  it('refuses a missing state', async () => {
    const response = await new TestBrowser().request(`${env.stack.url}/t/${TENANT}/callback?code=abc`);
    expect(response.status).toBe(400);
    expect(response.body).toContain('Start sign-in again');
  });

  it('refuses a forged state and never reaches the token endpoint', async () => {
    env.idp.resetCounters();
    const browser = new TestBrowser();
    await browser.jar.setCookie(
      `${loginStateCookieName('AAAAAAAAAAAAAAAAAAAAAA')}=forged; Path=/; Secure`,
      env.stack.url,
    );
    const response = await browser.request(
      `${env.stack.url}/t/${TENANT}/callback?code=abc&state=AAAAAAAAAAAAAAAAAAAAAA`,
    );
    expect(response.status).toBe(400);
    expect(env.idp.counters.token).toBe(0);
  });

  it('refuses an expired state', async () => {
    const browser = new TestBrowser();
    const stateId = 'BBBBBBBBBBBBBBBBBBBBBB';
    await browser.jar.setCookie(`${await expiredLoginState(TENANT, stateId)}; Path=/; Secure`, env.stack.url);
    const response = await browser.request(`${env.stack.url}/t/${TENANT}/callback?code=abc&state=${stateId}`);
    expect(response.status).toBe(400);
    expect(response.body).toContain('expired');
  });

  it('refuses a replayed callback in the same browser even with its state cookie restored', async () => {
    const browser = new TestBrowser();
    const url = await env.callbackUrl(browser);
    const cookies = await browser.jar.getCookies(env.stack.url);
    const stateCookie = cookies.find((cookie) => cookie.key.startsWith('__Host-login-'));
    expect((await browser.request(url)).status).toBe(302);
    await browser.jar.setCookie(`${stateCookie?.key}=${stateCookie?.value}; Path=/; Secure`, env.stack.url);
    env.idp.resetCounters();
    const replay = await browser.request(url);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('already been used');
    expect(env.idp.counters.token).toBe(0);
  });

  it('refuses a callback delivered to another tenant’s path', async () => {
    const browser = new TestBrowser();
    const url = new URL(await env.callbackUrl(browser));
    const elsewhere = `${env.stack.url}/t/globex/callback${url.search}`;
    const response = await browser.request(elsewhere);
    expect(response.status).toBe(400);
    expect(sessionSet(response.headers)).toBe(false);
  });

  it('refuses an authorization response that names another issuer (RFC 9207) before the token endpoint', async () => {
    const browser = new TestBrowser();
    const url = new URL(await env.callbackUrl(browser));
    url.searchParams.set('iss', 'https://evil.example');
    env.idp.resetCounters();
    const response = await browser.request(url.toString(), { headers: { accept: 'application/json' } });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error).toBe('ISSUER_MISMATCH');
    expect(env.idp.counters.token).toBe(0);
    expect(sessionSet(response.headers)).toBe(false);

    // The tenant's own issuer there is fine.
    const own = new TestBrowser();
    const ownUrl = new URL(await env.callbackUrl(own));
    ownUrl.searchParams.set('iss', env.idp.issuer);
    expect((await own.request(ownUrl.toString())).status).toBe(302);
  });

  it('refuses login CSRF: the attacker’s callback URL opened in the victim’s browser', async () => {
    const usersBefore = await env.count('user');
    const attacker = new TestBrowser();
    const url = await env.callbackUrl(attacker, 'mallory');
    const victim = new TestBrowser();
    const response = await victim.request(url);
    expect(response.status).toBe(400);
    expect(sessionSet(response.headers)).toBe(false);
    expect(await env.count('user')).toBe(usersBefore);
  });
});

describe('Initiate login', () => {
  it('refuses a foreign iss without any discovery request to it', async () => {
    evil.resetCounters();
    const response = await new TestBrowser().request(
      `${env.stack.url}/t/${TENANT}/login?iss=${encodeURIComponent(evil.issuer)}`,
    );
    expect(response.status).toBe(400);
    expect(evil.counters.discovery).toBe(0);
  });

  // The open-redirect family: values that look like paths (or allowed URLs) but normalise to another host.
  const OPEN_REDIRECTS = [
    'https://evil.example/phish',
    '//evil.example/phish',
    '/.//evil.example/x',
    '/././/evil.example/x',
    '/a/..//evil.example/x',
    '/%2e//evil.example/x',
    '/%2e%2e//evil.example/x',
    '/%2F%2Fevil.example',
    '/%252F%252Fevil.example',
    '/%5Cevil.example',
    '/%09/evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'javascript:alert(document.cookie)',
    'https:evil.example',
    `${'http'}://localhost:1/elsewhere`,
    '%2F%2Fevil.example',
    'https://evil.example%2F@localhost/',
  ];

  /** Starts a login by GET or by a form POST (OIDC Core §4 allows both) and completes it. */
  async function loginWithTarget(method: 'GET' | 'POST', target: string) {
    const params = new URLSearchParams({ iss: env.idp.issuer, target_link_uri: target });
    const initiate = `${env.stack.url}/t/${TENANT}/login`;
    const start =
      method === 'GET' ? { startUrl: `${initiate}?${params}` } : { startUrl: initiate, startBody: `${params}` };
    const { callback } = await env.login('ada', { ...start, until: 'callback' });
    if (!callback) throw new Error('no callback');
    return callback;
  }

  describe.each(['GET', 'POST'] as const)('target_link_uri by %s', (method) => {
    it.each(OPEN_REDIRECTS)('never redirects to %s', async (target) => {
      const response = await loginWithTarget(method, target);
      expect(response.status).toBe(302);
      expect(sessionSet(response.headers)).toBe(true);
      // The header exactly as a browser gets it: not scheme-relative in any spelling, and on our origin
      // (no APP_URL or default path here: the built-in signed-in page).
      const raw = response.headers.get('location') ?? '';
      expect(raw).toBe('/signed-in');
      expect(new URL(raw, env.stack.url).origin).toBe(env.stack.url);
    });

    it('follows a genuine same-origin target', async () => {
      const response = await loginWithTarget(method, '/projects/7?tab=files#top');
      expect(response.headers.get('location')).toBe('/projects/7?tab=files#top');
    });
  });
});

describe('Okta Simplified (id_token posted to the app)', () => {
  async function post(path: string, idToken: string) {
    const browser = new TestBrowser();
    const response = await browser.request(`${env.stack.url}/t/${TENANT}/${path}`, {
      method: 'POST',
      body: new URLSearchParams({ id_token: idToken }).toString(),
    });
    return { browser, response };
  }

  it.each(['callback', 'login'])('bounces forged, replayed and foreign-client tokens posted to /%s', async (path) => {
    const [usersBefore, sessionsBefore] = [await env.count('user'), await env.count('session')];
    const now = Math.floor(Date.now() / 1000);
    const valid = await env.idp.issueIdToken({
      iss: env.idp.issuer,
      sub: '00uposted',
      aud: CLIENT_ID,
      iat: now,
      exp: now + 300,
    });
    const otherClient = await env.idp.issueIdToken({
      iss: env.idp.issuer,
      sub: '00uposted',
      aud: 'other',
      iat: now,
      exp: now + 300,
    });
    for (const token of ['not.a.jwt', valid, valid, otherClient]) {
      const { response } = await post(path, token);
      expect(response.status).toBe(302);
      expect(response.location?.startsWith(`${env.idp.issuer}/auth?`)).toBe(true);
      expect(new URL(response.location ?? '').searchParams.get('response_type')).toBe('code');
      expect(sessionSet(response.headers)).toBe(false);
    }
    expect(await env.count('user')).toBe(usersBefore);
    expect(await env.count('session')).toBe(sessionsBefore);
  });
});
