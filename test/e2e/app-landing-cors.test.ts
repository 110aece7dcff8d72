/**
 * Connecting the app, end to end through the local stack: where a login
 * lands (target_link_uri → the tenant's default → APP_URL →
 * DEFAULT_REDIRECT_PATH → the built-in signed-in page, never a 404), and CORS
 * for the app's calls from its own origin (`GET /me`, `POST /logout`, their
 * preflights): exact origins only, `Vary: Origin` on every answer, a tenant's
 * origins only for that tenant's sessions.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { corsAllowed as ALLOWED, corsOf, CORS_REFUSED as REFUSED, TestBrowser } from '../../local/http-browser.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import {
  ACME_ORIGIN,
  BETA,
  BETA_ORIGIN,
  CLIENT_ID,
  type MisbehavingStack,
  startMisbehavingStack,
  TENANT,
} from '../support/misbehaving-stack.ts';

/** The app: nothing needs to listen there, logins stop at our callback's answer. */
const APP_URL = 'http://localhost:4100/home';
const APP_ORIGIN = 'http://localhost:4100';
const OTHER_APP_ORIGIN = 'http://127.0.0.1:4101';

/** A tenant-A session's answer must not be readable by any of these. */
const FOREIGN_ORIGINS = [
  'https://evil.example',
  `${ACME_ORIGIN}.evil.test`,
  'http://acme-app.example',
  `${ACME_ORIGIN}:8443`,
  `${ACME_ORIGIN}.`,
  'https://ACME-APP.example',
  `${APP_ORIGIN}.evil.test`,
  'https://localhost:4100',
  'http://localhost:4101',
  BETA_ORIGIN,
  'null',
];

/** The file's stack, for the first deployment; the second starts its own, one per test. */
test.override('stackOptions', {
  env: { APP_URL, APP_ORIGINS: OTHER_APP_ORIGIN, DEFAULT_REDIRECT_PATH: '/never-reached' },
});

describe('a deployment with APP_URL and APP_ORIGINS', () => {
  let env: MisbehavingStack;

  test.beforeAll(async ({ stack, betaTenant }) => {
    env = stack;
    // Before any request, so no function has the tenants cached without their origins.
    expect((await cli('put', TENANT, '--allowed-redirect-origin', ACME_ORIGIN)).code).toBe(0);
    const beta = await cli(
      'put',
      betaTenant.tenant,
      '--allowed-redirect-origin',
      BETA_ORIGIN,
      '--default-redirect',
      `${BETA_ORIGIN}/start`,
      '--logout-redirect',
      `${BETA_ORIGIN}/bye`,
    );
    expect(beta.code).toBe(0);
  });

  async function signIn(tenant: string, query?: string) {
    const { browser, callback } = await env.login('ada', { tenant, query, until: 'callback' });
    expect(callback?.status).toBe(302);
    return { browser, landing: callback?.location };
  }

  const me = (browser: TestBrowser, origin?: string) =>
    browser.request(`${env.stack.url}/me`, {
      headers: { accept: 'application/json', ...(origin ? { origin, 'sec-fetch-site': 'same-site' } : {}) },
    });

  describe('where users land', () => {
    it('follows an allowed target_link_uri first', async () => {
      const { landing } = await signIn(TENANT, `target_link_uri=${encodeURIComponent(`${ACME_ORIGIN}/projects/7`)}`);
      expect(landing).toBe(`${ACME_ORIGIN}/projects/7`);
    });

    it('then the tenant’s --default-redirect', async () => {
      const { landing } = await signIn(BETA);
      expect(landing).toBe(`${BETA_ORIGIN}/start`);
    });

    it('then APP_URL, before DEFAULT_REDIRECT_PATH', async () => {
      const { landing } = await signIn(TENANT);
      expect(landing).toBe(APP_URL);
    });

    it('accepts a target_link_uri on the app’s origin (APP_URL’s origin and APP_ORIGINS are allowed origins)', async () => {
      for (const target of [`${APP_ORIGIN}/reports`, `${OTHER_APP_ORIGIN}/admin`]) {
        const { landing } = await signIn(TENANT, `target_link_uri=${encodeURIComponent(target)}`);
        expect(landing).toBe(target);
      }
    });

    it('ignores a target on another tenant’s origin and lands on APP_URL', async () => {
      const { landing } = await signIn(TENANT, `target_link_uri=${encodeURIComponent(`${BETA_ORIGIN}/x`)}`);
      expect(landing).toBe(APP_URL);
    });
  });

  describe('CORS on GET /me', () => {
    it('lets the app origins and the session tenant’s own origins read the answer', async () => {
      const { browser } = await signIn(TENANT);
      for (const origin of [APP_ORIGIN, OTHER_APP_ORIGIN, ACME_ORIGIN]) {
        const answer = await me(browser, origin);
        expect(answer.status, origin).toBe(200);
        expect(corsOf(answer), origin).toEqual(ALLOWED(origin));
        expect(JSON.parse(answer.body)).toMatchObject({ tenant: TENANT, user: { name: 'Ada Lovelace' } });
      }
    });

    it('gives every other origin no CORS header, only Vary: Origin (look-alikes, other schemes and ports, null)', async () => {
      const { browser } = await signIn(TENANT);
      for (const origin of FOREIGN_ORIGINS) {
        const answer = await me(browser, origin);
        expect(corsOf(answer), origin).toEqual(REFUSED);
      }
    });

    it('never lets an origin allowed for tenant B read a tenant-A session', async () => {
      const acme = await signIn(TENANT);
      expect(corsOf(await me(acme.browser, BETA_ORIGIN))).toEqual(REFUSED);
      // The same origin does read a tenant-B session: the refusal above is about the tenant.
      const beta = await signIn(BETA);
      const answer = await me(beta.browser, BETA_ORIGIN);
      expect(answer.status).toBe(200);
      expect(corsOf(answer)).toEqual(ALLOWED(BETA_ORIGIN));
      expect(corsOf(await me(beta.browser, ACME_ORIGIN))).toEqual(REFUSED);
    });

    it('stops allowing a tenant origin at the next request after `tenant put` removes it, the tenant cache warm', async () => {
      const { browser } = await signIn(TENANT);
      expect(corsOf(await me(browser, ACME_ORIGIN))).toEqual(ALLOWED(ACME_ORIGIN));
      // The session function now has the tenant cached (TENANT_CACHE_SECONDS, 30 s by default) with the origin.
      const other = 'https://portal.acme.example';
      expect((await cli('put', TENANT, '--allowed-redirect-origin', other)).code).toBe(0);
      try {
        expect(corsOf(await me(browser, ACME_ORIGIN))).toEqual(REFUSED);
        // An origin added meanwhile waits for the cache or is confirmed: either way it is the fresh list's.
        const added = corsOf(await me(browser, other));
        expect([JSON.stringify(ALLOWED(other)), JSON.stringify(REFUSED)]).toContain(JSON.stringify(added));
      } finally {
        expect((await cli('put', TENANT, '--allowed-redirect-origin', ACME_ORIGIN)).code).toBe(0);
      }
    });

    it('carries Vary: Origin on same-origin answers and on 401s, and lets the app read its 401', async () => {
      const { browser } = await signIn(TENANT);
      expect((await me(browser)).headers.get('vary')).toBe('Origin');
      const stranger = new TestBrowser();
      const unauthenticated = await me(stranger, APP_ORIGIN);
      expect(unauthenticated.status).toBe(401);
      expect(corsOf(unauthenticated)).toEqual(ALLOWED(APP_ORIGIN));
      const foreign = await me(stranger, 'https://evil.example');
      expect(foreign.status).toBe(401);
      expect(corsOf(foreign)).toEqual(REFUSED);
    });
  });

  describe('OPTIONS preflight', () => {
    const preflight = (path: string, origin: string, method: string) =>
      fetch(`${env.stack.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
      });

    it('answers the deployment’s app origins with what they may send', async () => {
      for (const [path, method] of [
        ['/me', 'GET'],
        ['/logout', 'POST'],
      ] as const) {
        const answer = await preflight(path, APP_ORIGIN, method);
        expect(answer.status).toBe(204);
        expect(answer.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
        expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
        expect(answer.headers.get('access-control-allow-methods')).toBe(method);
        expect(answer.headers.get('access-control-allow-headers')).toBe('content-type');
        expect(Number(answer.headers.get('access-control-max-age'))).toBeGreaterThan(0);
        expect(answer.headers.get('vary')).toBe('Origin');
      }
    });

    it('answers anything else with 204 and no CORS headers (a preflight has no cookie, so no tenant)', async () => {
      for (const origin of [...FOREIGN_ORIGINS, ACME_ORIGIN]) {
        const answer = await preflight('/me', origin, 'GET');
        expect(answer.status, origin).toBe(204);
        expect(answer.headers.get('access-control-allow-origin'), origin).toBeNull();
        expect(answer.headers.get('vary')).toBe('Origin');
      }
      const wrongMethod = await preflight('/me', APP_ORIGIN, 'DELETE');
      expect(wrongMethod.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('POST /logout from the app', () => {
    const logout = (browser: TestBrowser, origin: string, site = 'same-site') =>
      browser.request(`${env.stack.url}/logout`, {
        method: 'POST',
        headers: { origin, 'sec-fetch-site': site, accept: 'application/json' },
      });

    it('answers an app origin with 200 JSON, never a 302, and the session ends', async () => {
      const { browser } = await signIn(TENANT);
      const cookie = await browser.jar.getCookieString(`${env.stack.url}/me`);
      const answer = await logout(browser, APP_ORIGIN);
      expect(answer.status).toBe(200);
      expect(answer.location).toBeUndefined();
      expect(JSON.parse(answer.body)).toEqual({ redirect: null });
      expect(corsOf(answer)).toEqual(ALLOWED(APP_ORIGIN));
      expect(answer.headers.getSetCookie().some((c) => c.startsWith('__Host-session=;'))).toBe(true);
      // The old cookie replayed: the session is gone on the server, not only in this browser.
      const replay = await fetch(`${env.stack.url}/me`, { headers: { cookie, accept: 'application/json' } });
      expect(replay.status).toBe(401);
    });

    it('hands the tenant’s logout target to its own origin as JSON', async () => {
      const { browser } = await signIn(BETA);
      const answer = await logout(browser, BETA_ORIGIN);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ redirect: `${BETA_ORIGIN}/bye` });
      expect(corsOf(answer)).toEqual(ALLOWED(BETA_ORIGIN));
      expect((await me(browser)).status).toBe(401);
    });

    it('still refuses a cross-site origin, another tenant’s origin and null, and the session lives on', async () => {
      const { browser } = await signIn(TENANT);
      for (const [origin, site] of [
        ['https://evil.example', 'cross-site'],
        [`${ACME_ORIGIN}.evil.test`, 'cross-site'],
        [BETA_ORIGIN, 'same-site'],
        ['null', 'cross-site'],
        ['http://acme-app.example', 'same-site'],
      ] as const) {
        const answer = await logout(browser, origin, site);
        expect(answer.status, origin).toBe(403);
        expect(corsOf(answer), origin).toEqual(REFUSED);
      }
      expect((await me(browser)).status).toBe(200);
    });
  });
});

describe('a deployment without APP_URL', () => {
  let env: MisbehavingStack | undefined;

  afterAll(async () => {
    await env?.stop();
  });

  /** A new stack in this process: the handlers must read the new environment, so load them afresh. */
  async function restart(vars: Record<string, string>) {
    await env?.stop();
    vi.resetModules();
    env = await startMisbehavingStack({ APP_URL: '', APP_ORIGINS: '', ...vars });
    return env;
  }

  it('lands on DEFAULT_REDIRECT_PATH when set (here the app’s own route behind the authorizer)', async () => {
    const stack = await restart({ DEFAULT_REDIRECT_PATH: '/app/whoami' });
    const { hops, callback } = await stack.login();
    expect(callback?.location).toBe(`${stack.stack.url}/app/whoami`);
    expect(hops.at(-1)?.status).toBe(200);
  });

  it('sends Okta, at sign-out, the sign-out redirect URI the tenant CLI prints: the default path when set', async () => {
    const stack = await restart({ DEFAULT_REDIRECT_PATH: '/app/whoami' });
    const put = await cli(
      'put',
      TENANT,
      '--issuer',
      stack.idp.issuer,
      '--client-id',
      CLIENT_ID,
      '--logout-redirect',
      'okta',
    );
    expect(put.code).toBe(0);
    const printed = (await cli('get', TENANT)).output.okta.signOutRedirectUri;
    expect(printed).toBe(`${stack.stack.url}/app/whoami`);
    const { browser } = await stack.login();
    const out = await browser.request(`${stack.stack.url}/logout`, {
      method: 'POST',
      headers: { origin: stack.stack.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(out.status).toBe(302);
    expect(new URL(out.location ?? '').searchParams.get('post_logout_redirect_uri')).toBe(printed);
  });

  it('lands on the built-in signed-in page otherwise: who, tenant, role and a sign-out form', async () => {
    const stack = await restart({ DEFAULT_REDIRECT_PATH: '' });
    const { browser, hops, callback } = await stack.login();
    expect(callback?.location).toBe(`${stack.stack.url}/signed-in`);
    const page = hops.at(-1);
    expect(page?.status).toBe(200);
    expect(page?.headers.get('cache-control')).toBe('no-store');
    expect(page?.body).toContain('<dd data-testid="name">Ada Lovelace</dd>');
    expect(page?.body).toContain(`<dd data-testid="tenant">${TENANT}</dd>`);
    expect(page?.body).toContain('<dd data-testid="role">owner</dd>');
    expect(page?.body).toMatch(/<form method="post" action="\/logout">/);

    // The form posts same-origin, as a browser sends it from this page.
    const out = await browser.request(`${stack.stack.url}/logout`, {
      method: 'POST',
      headers: { origin: stack.stack.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(out.status).toBe(200);
    expect(out.body).toContain('You are signed out');
    // Without a session the page is the not-signed-in page, not a 404.
    const after = await browser.request(`${stack.stack.url}/signed-in`);
    expect(after.status).toBe(401);
    expect(after.body).toContain('Not signed in');
  });
});
