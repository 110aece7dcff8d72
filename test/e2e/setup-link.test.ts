/**
 * The setup link end to end, against the local stack and its demo Okta (a
 * real oidc-provider) with the app integration created on the demo Okta's
 * admin page: the link is the only credential (hashed at rest, one tenant,
 * expiry, revocation, spent by activation unless re-issued), every form is
 * CSRF-protected, checks are rate-limited, the test sign-in provisions
 * nothing, and no secret, token, code or cookie value reaches a page or a log.
 */

import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { DemoIdp } from '../../local/demo-idp.ts';
import { type Hop, setupCsrfOf, setupNonceOf, TestBrowser } from '../../local/http-browser.ts';
import type { LocalStack } from '../../local/stack.ts';
import { type Stores, storesOn } from '../../shared/adapters/runtime.ts';
import { hashSetupToken, newSetupToken } from '../../shared/setup/link.ts';
import { cli } from '../support/cli.ts';
import { completeLogin } from '../support/complete-login.ts';
import { test } from '../support/fixtures.ts';

const ATTEMPT_LIMIT = 8;
test.override('stackOptions', {
  env: {
    LOG_LEVEL: 'DEBUG',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    SETUP_ATTEMPT_LIMIT: String(ATTEMPT_LIMIT),
    TENANT_CACHE_SECONDS: '1',
  },
});

let stack: LocalStack;
let okta: DemoIdp;
let client: DynamoDBDocumentClient;
let stores: Stores;
let captured: string[];
/** Every value that must never be shown or logged, and every page served, for the last test. */
const secrets = new Set<string>();
/** Values a page shows once by design (the SCIM token): never in a log line. */
const shownOnce = new Set<string>();
const pages: string[] = [];

test.beforeAll(({ logs, table, localStack, demoOkta }) => {
  captured = logs;
  client = table;
  stack = localStack;
  okta = demoOkta;
  stores = storesOn(client, stack.tableName);
});

const setupUrl = (tenant: string, path = '') => `${stack.url}/t/${tenant}/setup${path}`;

async function invite(
  tenant: string,
  ...args: string[]
): Promise<{ tenant: { tenantId: string }; url: string; expiresAt: string }> {
  const result = await cli('invite', tenant, ...args);
  expect(result.code, result.stderr).toBe(0);
  secrets.add(new URL(result.output.url).searchParams.get('token') ?? '');
  return result.output;
}

/** Opens a setup link as a browser does: the token is exchanged for the cookie, then the page. */
async function open(browser: TestBrowser, url: string): Promise<Hop> {
  const hops = await browser.navigate(url);
  for (const hop of hops) pages.push(hop.body);
  return hops.at(-1) as Hop;
}

const SAME_ORIGIN = () => ({ origin: stack.url, 'sec-fetch-site': 'same-origin' });

async function post(
  browser: TestBrowser,
  tenant: string,
  action: 'check' | 'test' | 'activate' | `actions/${string}`,
  fields: Record<string, string>,
  headers: Record<string, string> = SAME_ORIGIN(),
): Promise<Hop> {
  const hop = await browser.request(setupUrl(tenant, `/${action}`), {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers,
  });
  pages.push(hop.body);
  return hop;
}

/** The hidden fields of the page's form that posts to `form`: the CSRF token and that form's one-time nonce. */
function formOf(page: Hop, form: 'check' | 'activate' | `actions/${string}`): { csrf: string; nonce: string } {
  const nonce = setupNonceOf(page, form);
  expect(nonce, `the ${form} form's nonce`).toMatch(/^[\w-]{22}$/);
  return { csrf: setupCsrfOf(page), nonce };
}

/** An app integration in the demo Okta for `tenant`, as its admin creates it. */
async function oktaApp(tenant: string, options: { groupsClaim?: boolean; assigned?: string[] } = {}) {
  const app = await okta.createApp({
    name: `App of ${tenant}`,
    redirectUri: `${stack.url}/t/${tenant}/callback`,
    initiateLoginUri: `${stack.url}/t/${tenant}/login`,
    ...options,
  });
  secrets.add(app.clientSecret);
  return app;
}

async function connect(
  browser: TestBrowser,
  tenant: string,
  page: Hop,
  app: { clientId: string; clientSecret: string },
) {
  return post(browser, tenant, 'check', {
    ...formOf(page, 'check'),
    issuer: okta.issuer,
    client_id: app.clientId,
    client_secret: app.clientSecret,
    groups: 'on',
  });
}

/** Runs the test sign-in from the setup page as `login`, following it back to the setup page. */
async function testSignIn(browser: TestBrowser, tenant: string, page: Hop, login: string): Promise<Hop[]> {
  const start = await post(browser, tenant, 'test', { csrf: setupCsrfOf(page) });
  expect(start.status).toBe(302);
  const target = { serviceUrl: stack.url, tenant, issuer: okta.issuer };
  const signIn = await completeLogin(target, { browser, login, startUrl: start.location ?? '' });
  const hops = [start, ...signIn.hops];
  for (const hop of hops) {
    const code = new URL(hop.url).searchParams.get('code');
    if (code) secrets.add(code);
    if (hop.url.startsWith(stack.url)) pages.push(hop.body);
  }
  return hops;
}

async function rememberCookies(browser: TestBrowser) {
  for (const cookie of await browser.jar.getCookies(stack.url)) {
    if (cookie.key.startsWith('__Host-')) secrets.add(cookie.value);
  }
}

describe('tenant invite', () => {
  it('creates the tenant inactive and prints { tenant, url, expiresAt }; only the token’s hash is stored', async () => {
    const before = Date.now();
    const link = await invite('globex', '--expires', '2d');
    expect(Object.keys(link).sort()).toEqual(['expiresAt', 'tenant', 'url']);
    expect(link.tenant).toMatchObject({ tenantId: 'globex', status: 'setup', hasClientSecret: false });
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe(setupUrl('globex'));
    const token = url.searchParams.get('token') ?? '';
    expect(token).toMatch(/^[\w-]{43}$/); // 256 bits
    expect(Date.parse(link.expiresAt) - before).toBeGreaterThan(2 * 86_400_000 - 60_000);
    expect((await cli('get', 'globex')).output).toMatchObject({ status: 'setup', issuer: '', hasClientSecret: false });
    const stored = await stores.setup.getSetupLink('globex');
    expect(stored?.tokenHash).toBe(hashSetupToken(token));
    const table = await client.send(new ScanCommand({ TableName: stack.tableName }));
    expect(JSON.stringify(table.Items)).not.toContain(token);
  });

  it('refuses a bad --expires, and --revoke with --expires', async () => {
    for (const expires of ['0d', '5m', '31d', 'soon', '7']) {
      expect((await cli('invite', 'globex', '--expires', expires)).code, expires).toBe(2);
    }
    expect((await cli('invite', 'globex', '--revoke', '--expires', '1d')).code).toBe(2);
  });

  it('keeps an inactive tenant’s tile on "setup not finished"', async () => {
    const hop = await new TestBrowser().request(`${stack.url}/t/globex/login`);
    pages.push(hop.body);
    expect(hop.status).toBe(403);
    expect(hop.body).toContain('Setup not finished');
  });
});

describe('The link is the only credential', () => {
  it('exchanges the token for a __Host- cookie and a token-free address; the page is no-store and unframeable', async () => {
    const link = await invite('hooli');
    const browser = new TestBrowser();
    const exchange = await browser.request(link.url);
    expect(exchange.status).toBe(302);
    expect(exchange.location).toBe(setupUrl('hooli'));
    const cookie = exchange.headers.getSetCookie().find((value) => value.startsWith('__Host-setup-hooli='));
    expect(cookie).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const page = await browser.request(setupUrl('hooli'));
    pages.push(page.body);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.body).toContain(`${stack.url}/t/hooli/callback`);
    expect(page.body).toContain(`${stack.url}/t/hooli/login`);
    expect(page.body).toContain('Redirect to app to initiate login (OIDC Compliant)');
    // The features of this deployment that need something in Okta add their steps.
    expect(page.body).toContain(`${stack.url}/t/hooli/global-token-revocation`);
    expect(page.body).toContain(`${stack.url}/t/hooli/scim/v2`);
    await rememberCookies(browser);
  });

  it('refuses wrong, malformed and other tenants’ tokens, and a browser without the cookie', async () => {
    const link = await invite('initech');
    const token = new URL(link.url).searchParams.get('token') ?? '';
    const browser = new TestBrowser();
    for (const url of [
      setupUrl('initech', `?token=${newSetupToken()}`),
      setupUrl('initech', '?token=short'),
      setupUrl('hooli', `?token=${token}`), // another tenant's link
      setupUrl('demo', `?token=${token}`), // a live tenant without a link
      setupUrl('nobody', `?token=${token}`),
      setupUrl('initech'), // no cookie: this browser never opened the link
    ]) {
      const hop = await browser.request(url);
      pages.push(hop.body);
      expect(hop.status, url).toBe(403);
      expect(hop.body).toContain('This setup link does not work');
      expect(hop.headers.getSetCookie()).toEqual([]);
    }
  });

  it('refuses an expired link, saying so only to its holder', async () => {
    const token = newSetupToken();
    secrets.add(token);
    await invite('umbrella');
    await stores.setup.putSetupLink({
      tenantId: 'umbrella',
      tokenHash: hashSetupToken(token),
      issuedAt: Date.now() - 3_600_000,
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    const hop = await new TestBrowser().request(setupUrl('umbrella', `?token=${token}`));
    pages.push(hop.body);
    expect(hop.status).toBe(403);
    expect(hop.body).toContain('This setup link expired on ');
    const guess = await new TestBrowser().request(setupUrl('umbrella', `?token=${newSetupToken()}`));
    expect(guess.body).not.toContain('expired');
  });

  it('ends a revoked link at once, and a re-issued link replaces the previous one', async () => {
    const first = await invite('vandelay');
    const browser = new TestBrowser();
    expect((await open(browser, first.url)).status).toBe(200);
    const second = await invite('vandelay');
    expect((await browser.request(setupUrl('vandelay'))).status).toBe(403); // the cookie held the old token
    expect((await new TestBrowser().request(first.url)).status).toBe(403);
    const fresh = new TestBrowser();
    expect((await open(fresh, second.url)).status).toBe(200);
    expect((await cli('invite', 'vandelay', '--revoke')).output).toMatchObject({
      tenant: { tenantId: 'vandelay' },
      revoked: true,
    });
    expect((await fresh.request(setupUrl('vandelay'))).status).toBe(403);
    expect((await new TestBrowser().request(second.url)).status).toBe(403);
    expect((await cli('invite', 'vandelay', '--revoke')).output).toMatchObject({
      tenant: { tenantId: 'vandelay' },
      revoked: false,
    });
    const trail = (await cli('audit', 'vandelay')).output as Array<{ type: string }>;
    // Events of the same millisecond have no order among them: compared as sets.
    expect(trail.map((event) => event.type).sort()).toEqual(
      [
        'tenant_saved',
        'setup_link_issued',
        'setup_link_opened',
        'setup_link_issued',
        'setup_link_opened',
        'setup_link_revoked',
      ].sort(),
    );
  });
});

describe('Forms are CSRF-protected', () => {
  it('refuses posts without the synchronizer token, with another link’s, cross-site, or without the cookie; nothing is written', async () => {
    const link = await invite('wonka');
    const browser = new TestBrowser();
    const page = await open(browser, link.url);
    const other = await open(new TestBrowser(), (await invite('wayne')).url);
    const app = await oktaApp('wonka');
    const fields = { issuer: okta.issuer, client_id: app.clientId, client_secret: app.clientSecret };
    const attempts: Array<[string, Record<string, string>, Record<string, string>, TestBrowser]> = [
      ['no token', fields, SAME_ORIGIN(), browser],
      ['another link’s token', { ...fields, csrf: setupCsrfOf(other) }, SAME_ORIGIN(), browser],
      ['forged token', { ...fields, csrf: 'x'.repeat(43) }, SAME_ORIGIN(), browser],
      ['cross-site', { ...fields, csrf: setupCsrfOf(page) }, { 'sec-fetch-site': 'cross-site' }, browser],
      ['foreign Origin', { ...fields, csrf: setupCsrfOf(page) }, { origin: 'https://evil.example' }, browser],
      ['no cookie', { ...fields, csrf: setupCsrfOf(page) }, SAME_ORIGIN(), new TestBrowser()],
    ];
    for (const action of ['check', 'test', 'activate'] as const) {
      for (const [name, body, headers, who] of attempts) {
        // The form's own nonce, so that only the defence under test is missing.
        const nonce: Record<string, string> = action === 'test' ? {} : { nonce: setupNonceOf(page, action) };
        const hop = await post(who, 'wonka', action, { ...body, ...nonce }, headers);
        expect(hop.status, `${action}: ${name}`).toBe(403);
      }
    }
    const tenant = await stores.tenants.getTenant('wonka');
    expect(tenant).toMatchObject({ status: 'setup', issuer: '', clientId: '' });
    expect(await stores.setup.getSetupLink('wonka')).toBeDefined();
    const trail = (await cli('audit', 'wonka')).output as Array<{ type: string }>;
    expect(trail.map((event) => event.type).sort()).toEqual(
      ['tenant_saved', 'setup_link_issued', 'setup_link_opened'].sort(),
    );
  });
});

describe('Live checks', () => {
  it('says what is wrong in words and saves nothing until every check passes', async () => {
    const link = await invite('soylent');
    const browser = new TestBrowser();
    let page = await open(browser, link.url);
    const app = await oktaApp('soylent');
    const check = async (fields: Record<string, string>) => {
      page = await post(browser, 'soylent', 'check', { ...formOf(page, 'check'), ...fields });
      expect(page.status).toBe(200);
      return page.body;
    };

    const wrongIssuer = await check({
      issuer: `${okta.issuer}/oauth2/default`,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(wrongIssuer).toContain('the issuer URL is probably wrong');
    expect(wrongIssuer).toContain('Nothing was saved');

    const notHttps = await check({ issuer: 'ftp://okta.example', client_id: app.clientId, client_secret: 'x' });
    expect(notHttps).toContain('is not an issuer the service can use');

    const wrongSecret = await check({ issuer: okta.issuer, client_id: app.clientId, client_secret: 'not-the-secret' });
    expect(wrongSecret).toContain('Okta rejected the client id or secret (invalid_client)');
    expect(wrongSecret).toContain('signing key');
    expect(wrongSecret).toContain('Nothing was saved');
    expect(await stores.tenants.getTenant('soylent')).toMatchObject({ issuer: '', clientId: '' });

    const good = await check({ issuer: okta.issuer, client_id: app.clientId, client_secret: app.clientSecret });
    expect(good).toContain('Okta accepted the client id and secret');
    expect(good).toContain('is your Okta org authorization server');
    expect(good).toContain('Saved:');
    expect(good).not.toContain(app.clientSecret);
    expect(good).toMatch(/name="client_secret" type="password" required autocomplete="off" value=""/);
    expect(await stores.tenants.getTenant('soylent')).toMatchObject({
      issuer: okta.issuer,
      clientId: app.clientId,
      status: 'setup',
    });
    expect((await cli('get', 'soylent')).output.hasClientSecret).toBe(true);
    const trail = (await cli('audit', 'soylent')).output as Array<{ type: string; actor: string; outcome: string }>;
    const steps = trail.filter((event) => event.actor === 'setup-link').map((e) => `${e.type}:${e.outcome}`);
    expect(steps.sort()).toEqual(
      [
        'setup_link_opened:success',
        'setup_checked:failure',
        'setup_checked:failure',
        'setup_checked:failure',
        'setup_checked:success',
        'tenant_saved:success',
      ].sort(),
    );
  });

  it('rate-limits checks per link', async () => {
    const browser = new TestBrowser();
    let page = await open(browser, (await invite('tyrell')).url);
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= ATTEMPT_LIMIT; attempt++) {
      // Each check from the form of the page the previous one answered (a form runs once).
      const hop = await post(browser, 'tyrell', 'check', {
        ...formOf(page, 'check'),
        issuer: 'not an issuer', // refused before any request is made
        client_id: 'x',
        client_secret: 'y',
      });
      statuses.push(hop.status);
      if (hop.status === 200) page = hop;
      if (hop.status === 429) expect(hop.body).toContain('Too many attempts');
    }
    expect(statuses).toEqual([...Array(ATTEMPT_LIMIT).fill(200), 429]);
  });
});

describe('Test sign-in, activation, then the first real login', () => {
  it('verifies a real sign-in and shows what was received without creating a user, an owner or a session', async () => {
    const link = await invite('acme_corp');
    // The platform team maps roles on the waiting tenant, before its admin connects Okta.
    expect((await cli('put', 'acme_corp', '--groups', '--role-map', 'Admins=admin')).code).toBe(0);
    const browser = new TestBrowser();
    let page = await open(browser, link.url);
    expect(page.body).toContain('This organization maps Okta groups to app roles');
    const app = await oktaApp('acme_corp', { groupsClaim: false });
    page = await connect(browser, 'acme_corp', page, app);
    expect(page.body).toContain('Saved:');

    // The app sends no groups claim yet.
    let hops = await testSignIn(browser, 'acme_corp', page, 'ada');
    const callback = hops.find((hop) => hop.url.startsWith(`${stack.url}/t/acme_corp/callback`));
    expect(callback?.status).toBe(302);
    expect(callback?.location).toBe(`${setupUrl('acme_corp')}#test-result`);
    expect(callback?.headers.getSetCookie().some((cookie) => cookie.startsWith('__Host-session='))).toBe(false);
    page = hops.at(-1) as Hop;
    expect(page.body).toContain('00u1ada0lovelace0001');
    expect(page.body).toContain('ada@acme.example');
    expect(page.body).toContain('(no groups claim)');
    expect(page.body).toContain('The ID token has no groups claim');

    okta.setGroupsClaim(app.clientId, true);
    hops = await testSignIn(browser, 'acme_corp', page, 'ada');
    page = hops.at(-1) as Hop;
    expect(page.body).toContain('Everyone, Engineering, Admins');
    expect(page.body).toContain('No warnings.');

    // An email outside the domains the organization allows.
    expect((await cli('put', 'acme_corp', '--allowed-email-domain', 'acme-corp.example')).code).toBe(0);
    hops = await testSignIn(browser, 'acme_corp', page, 'ada');
    page = hops.at(-1) as Hop;
    expect(page.body).toContain('outside the domains this organization allows (acme-corp.example)');
    expect((await cli('put', 'acme_corp', '--allowed-email-domain', 'acme.example')).code).toBe(0);

    expect(await stores.users.listUsers('acme_corp')).toEqual([]);
    expect((await stores.tenants.getTenant('acme_corp'))?.hasOwner).toBeUndefined();
    expect(await browser.cookieValue(stack.url, '__Host-session')).toBeUndefined();
    await rememberCookies(browser);
    const trail = (await cli('audit', 'acme_corp')).output as Array<{ type: string; actor: string }>;
    expect(trail.filter((event) => event.type === 'setup_test_sign_in').map((event) => event.actor)).toEqual([
      'setup-link',
      'setup-link',
      'setup-link',
    ]);
    expect(trail.some((event) => event.type === 'login_succeeded')).toBe(false);
  });

  it('leaves the Universal Logout step out while it is off for the tenant', async () => {
    const link = await invite('hooli_ulo');
    expect((await cli('put', 'hooli_ulo', '--no-universal-logout')).code).toBe(0);
    const page = await open(new TestBrowser(), link.url);
    expect(page.body).not.toContain('global-token-revocation');
    expect(page.body).toContain(`${stack.url}/t/hooli_ulo/scim/v2`);
  });

  it('gives the SCIM base URL and a SCIM token shown once, which then works for this tenant only', async () => {
    const browser = new TestBrowser();
    let page = await open(browser, (await invite('cyberdyne_scim')).url);
    const baseUrl = `${stack.url}/t/cyberdyne_scim/scim/v2`;
    expect(page.body).toContain(baseUrl);
    expect(page.body).toContain('action="/t/cyberdyne_scim/setup/actions/scim-token#okta-app"');
    const forged = await post(browser, 'cyberdyne_scim', 'actions/scim-token', { csrf: 'nope' });
    expect(forged.status).toBe(403);
    page = await post(browser, 'cyberdyne_scim', 'actions/scim-token', formOf(page, 'actions/scim-token'));
    expect(page.status).toBe(200);
    const token =
      /data-testid="revealed-scim-token"[\s\S]*?<code class="copy">([^<]+)<\/code>/.exec(page.body)?.[1] ?? '';
    expect(token).toMatch(/^[\w-]{40,}$/);
    shownOnce.add(token);
    const users = await fetch(`${baseUrl}/Users?startIndex=1&count=2`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(users.status).toBe(200);
    const elsewhere = await fetch(`${stack.url}/t/acme_corp/scim/v2/Users`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(elsewhere.status).toBe(401);
    const again = await browser.request(setupUrl('cyberdyne_scim'));
    expect(again.body).not.toContain(token);
    const trail = (await cli('audit', 'cyberdyne_scim')).output as Array<{ type: string; actor: string }>;
    expect(trail.filter((event) => event.actor === 'setup-link').map((event) => event.type)).toEqual(
      expect.arrayContaining(['setup_action', 'scim_token_rotated']),
    );
  });

  it('shows "not assigned" when Okta refuses the tester at the callback', async () => {
    const browser = new TestBrowser();
    let page = await open(browser, (await invite('cyberdyne')).url);
    page = await connect(browser, 'cyberdyne', page, await oktaApp('cyberdyne', { assigned: ['grace'] }));
    const hops = await testSignIn(browser, 'cyberdyne', page, 'ada');
    page = hops.at(-1) as Hop;
    expect(page.status).toBe(200);
    expect(page.body).toContain('You are not assigned to this app');
    expect(page.body).toContain('Assign the user (or one of their groups) to the app in Okta');
    expect(await stores.users.listUsers('cyberdyne')).toEqual([]);
  });

  it('activates: the tile works, its first real login claims ownership, and the link is spent unless re-issued', async () => {
    const browser = new TestBrowser();
    const link = await invite('acme_corp');
    const page = await open(browser, link.url);
    const done = await post(browser, 'acme_corp', 'activate', formOf(page, 'activate'));
    expect(done.status).toBe(200);
    expect(done.body).toContain('Sign-in is live');
    // The setup cookie stays (its link is spent): the page opened again says why it no longer works.
    expect(done.headers.getSetCookie()).toEqual([]);
    const live = await stores.tenants.getTenant('acme_corp');
    expect(live).toMatchObject({ status: 'active' });
    const when = `${live?.activatedAt?.slice(0, 16).replace('T', ' ')} UTC`;
    const spent = `This setup link was already used to activate sign-in for this organization on ${when}`;
    const revisited = await browser.request(setupUrl('acme_corp'));
    expect(revisited.status).toBe(403);
    expect(revisited.body).toContain(spent);
    const reused = await new TestBrowser().request(link.url);
    expect(reused.status).toBe(403);
    expect(reused.body).toContain(spent);

    const login = await completeLogin(
      { serviceUrl: stack.url, tenant: 'acme_corp', issuer: okta.issuer },
      { login: 'grace' },
    );
    expect(login.callback?.status).toBe(302);
    const users = await stores.users.listUsers('acme_corp');
    expect(users.map((user) => [user.email, user.role])).toEqual([['grace@acme.example', 'owner']]);

    // Re-issued after activation: works again for a live tenant, and finishing spends it again.
    const again = await invite('acme_corp');
    const reopened = await open(new TestBrowser(), again.url);
    expect(reopened.status).toBe(200);
    expect(reopened.body).toContain('Sign-in is live');
    const trail = (await cli('audit', 'acme_corp')).output as Array<{ type: string; actor: string }>;
    expect(trail.find((event) => event.type === 'tenant_activated')?.actor).toBe('setup-link');
  });

  it('deletes the link with the tenant', async () => {
    await invite('globex');
    const deleted = await cli('delete', 'globex', '--yes');
    expect(deleted.code).toBe(0);
    expect(await stores.setup.getSetupLink('globex')).toBeUndefined();
  });
});

/** The SCIM token a page shows once, or ''. */
const revealedToken = (page: Hop) =>
  /data-testid="revealed-scim-token"[\s\S]*?<code class="copy">([^<]+)<\/code>/.exec(page.body)?.[1] ?? '';

/** What the tenant's SCIM endpoint answers a bearer token. */
async function scimAnswer(tenant: string, token: string): Promise<number> {
  const response = await fetch(`${stack.url}/t/${tenant}/scim/v2/Users?startIndex=1&count=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await response.body?.cancel();
  return response.status;
}

async function trailOf(tenant: string): Promise<Array<{ type: string; details?: Record<string, string> }>> {
  return (await cli('audit', tenant)).output as Array<{ type: string; details?: Record<string, string> }>;
}

const MINUTE_UTC = /\d{4}-\d\d-\d\d \d\d:\d\d UTC/.source;

describe('A form sent again never runs its action again', () => {
  it('creates no second SCIM token when its form is sent again; another only from the confirmation form', async () => {
    const browser = new TestBrowser();
    const page = await open(browser, (await invite('stark_scim')).url);
    const form = formOf(page, 'actions/scim-token');
    const first = await post(browser, 'stark_scim', 'actions/scim-token', form);
    expect(first.status).toBe(200);
    const token = revealedToken(first);
    expect(token).toMatch(/^[\w-]{40,}$/);
    shownOnce.add(token);

    // A reload re-posts the same form: nothing is created, the token Okta has keeps working.
    const resent = await post(browser, 'stark_scim', 'actions/scim-token', form);
    expect(resent.status).toBe(409);
    expect(resent.body).not.toContain(token);
    expect(resent.body).toMatch(new RegExp(`A SCIM token was created at ${MINUTE_UTC} with this form`));
    expect(resent.body).toContain('Create another? It replaces that token at once');
    expect(resent.body).toContain('name="confirm" value="again"');
    expect(await scimAnswer('stark_scim', token)).toBe(200);
    const rotations = async () =>
      (await trailOf('stark_scim')).filter((event) => event.type === 'scim_token_rotated').length;
    expect(await rotations()).toBe(1);

    // Asked for on purpose: a new token, and the old one ends.
    const another = await post(browser, 'stark_scim', 'actions/scim-token', {
      ...formOf(resent, 'actions/scim-token'),
      confirm: 'again',
    });
    expect(another.status).toBe(200);
    const second = revealedToken(another);
    shownOnce.add(second);
    expect(second).not.toBe(token);
    expect(await scimAnswer('stark_scim', token)).toBe(401);
    expect(await scimAnswer('stark_scim', second)).toBe(200);
    expect(await rotations()).toBe(2);
    const actions = (await trailOf('stark_scim')).filter((event) => event.type === 'setup_action');
    // Events of the same millisecond have no order among them: compared as a set.
    expect(actions.map((event) => event.details)).toHaveLength(2);
    expect(actions.map((event) => event.details)).toEqual(
      expect.arrayContaining([{ action: 'scim-token' }, { action: 'scim-token', confirmed: 'again' }]),
    );
  });

  it('runs Check and save once per form, and Activate once for a form sent twice at the same moment', async () => {
    const browser = new TestBrowser();
    const page = await open(browser, (await invite('oscorp')).url);
    const app = await oktaApp('oscorp');
    const fields = {
      ...formOf(page, 'check'),
      issuer: okta.issuer,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    };
    const saved = await post(browser, 'oscorp', 'check', fields);
    expect(saved.status).toBe(200);
    expect(saved.body).toContain('Okta accepted the client id and secret');
    const resent = await post(browser, 'oscorp', 'check', fields);
    expect(resent.status).toBe(409);
    expect(resent.body).toMatch(new RegExp(`Check and save already ran with this form at ${MINUTE_UTC}\\.`));
    expect(resent.body).not.toContain('Okta accepted the client id and secret');
    expect(resent.body).toContain('Saved:');
    expect((await trailOf('oscorp')).filter((event) => event.type === 'setup_checked')).toHaveLength(1);

    const activation = formOf(resent, 'activate');
    const answers = await Promise.all([1, 2].map(() => post(browser, 'oscorp', 'activate', activation)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    // The other: the form already sent (409), or the link already spent by the first (403).
    expect(answers.filter((answer) => answer.status === 409 || answer.status === 403)).toHaveLength(1);
    expect((await trailOf('oscorp')).filter((event) => event.type === 'tenant_activated')).toHaveLength(1);
    await rememberCookies(browser);
  });

  it('refuses a form without its nonce as out of date, and runs nothing', async () => {
    const browser = new TestBrowser();
    const opened = await open(browser, (await invite('nakatomi')).url);
    // Connected, so that Activate could run.
    const page = await connect(browser, 'nakatomi', opened, await oktaApp('nakatomi'));
    const before = (await trailOf('nakatomi')).length;
    for (const action of ['check', 'activate', 'actions/scim-token'] as const) {
      const hop = await post(browser, 'nakatomi', action, { csrf: setupCsrfOf(page), issuer: okta.issuer });
      expect(hop.status, action).toBe(403);
      expect(hop.body).toContain('This form is out of date');
    }
    expect(await trailOf('nakatomi')).toHaveLength(before);
    expect(await stores.tenants.getTenant('nakatomi')).toMatchObject({ status: 'setup' });
  });
});

describe('Groups: asked for when roles come from them, and explained', () => {
  it('asks Okta for groups when roles are mapped on a tenant `invite` created, so the test sign-in gets them', async () => {
    const link = await invite('wayne_groups');
    // Role maps without --groups, as the platform team sets them on the waiting tenant.
    expect((await cli('put', 'wayne_groups', '--role-map', 'Admins=admin')).code).toBe(0);
    const browser = new TestBrowser();
    let page = await open(browser, link.url);
    expect(page.body).toContain('This organization maps Okta groups to app roles');
    expect(page.body).not.toContain('name="groups"'); // asked for anyway: no box to forget
    // Where the claim goes, for the org and for a custom authorization server.
    expect(page.body).toContain('<em>Groups claim filter</em> <code>groups</code>');
    expect(page.body).toContain('scope <code>groups</code>');
    expect(page.body).toContain('https://&lt;org&gt;.okta.com/oauth2/default');
    expect(page.body).toContain('on <em>Scopes</em>, add a scope <code>groups</code>');
    expect(page.body).toContain('on <em>Claims</em>, add a claim <code>groups</code>');
    const app = await oktaApp('wayne_groups', { groupsClaim: true });
    page = await post(browser, 'wayne_groups', 'check', {
      ...formOf(page, 'check'),
      issuer: okta.issuer,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(page.body).toContain('Saved:');
    expect(page.body).toContain('Groups claim filter');

    let hops = await testSignIn(browser, 'wayne_groups', page, 'ada');
    expect(new URL(hops[0]?.location ?? '').searchParams.get('scope')?.split(' ')).toContain('groups');
    page = hops.at(-1) as Hop;
    expect(page.body).toContain('<dd data-testid="groups">Everyone, Engineering, Admins</dd>');
    expect(page.body).toContain('No warnings.');

    // The claim removed in Okta: the test says so, and what to do.
    okta.setGroupsClaim(app.clientId, false);
    hops = await testSignIn(browser, 'wayne_groups', page, 'ada');
    page = hops.at(-1) as Hop;
    expect(page.body).toContain('<dd data-testid="groups">(no groups claim)</dd>');
    expect(page.body).toContain('The ID token has no groups claim, but this organization maps Okta groups');
    await rememberCookies(browser);
  });

  it('says a test did not ask for groups, and warns once roles are mapped after it', async () => {
    const link = await invite('lexcorp');
    const browser = new TestBrowser();
    let page = await open(browser, link.url);
    const app = await oktaApp('lexcorp', { groupsClaim: true });
    // No role maps and the box left alone: groups are not asked for.
    page = await post(browser, 'lexcorp', 'check', {
      ...formOf(page, 'check'),
      issuer: okta.issuer,
      client_id: app.clientId,
      client_secret: app.clientSecret,
    });
    expect(page.body).toContain('Ask Okta for groups');
    const hops = await testSignIn(browser, 'lexcorp', page, 'ada');
    page = hops.at(-1) as Hop;
    expect(page.body).toContain('<dd data-testid="groups">(not asked for: this organization maps no groups to roles;');
    expect(page.body).toContain('No warnings.');

    expect((await cli('put', 'lexcorp', '--role-map', 'Admins=admin')).code).toBe(0);
    page = await browser.request(setupUrl('lexcorp'));
    pages.push(page.body);
    expect(page.body).toContain('(not asked for: roles were not mapped from groups when this test ran)');
    expect(page.body).toContain('this test ran before that and did not ask Okta for groups: test again');
    expect(page.body).not.toContain('No warnings.');
    page = (await testSignIn(browser, 'lexcorp', page, 'ada')).at(-1) as Hop;
    expect(page.body).toContain('<dd data-testid="groups">Everyone, Engineering, Admins</dd>');
    expect(page.body).toContain('No warnings.');
    await rememberCookies(browser);
  });
});

describe('A link that no longer works says why', () => {
  it('keeps the visit past the link’s end, and says when the link expired', async () => {
    const link = await invite('massive_dynamic', '--expires', '10m');
    const browser = new TestBrowser();
    const exchange = await browser.request(link.url);
    const cookie = exchange.headers.getSetCookie().find((value) => value.startsWith('__Host-setup-massive_dynamic='));
    // A working day, not the link's ten minutes.
    expect(cookie).toContain('; Max-Age=28800;');
    await rememberCookies(browser);
    expect((await open(browser, setupUrl('massive_dynamic'))).status).toBe(200);
    // Ten minutes later, as far as the link is concerned.
    const stored = await stores.setup.getSetupLink('massive_dynamic');
    if (!stored) throw new Error('no stored link');
    const expiresAt = Math.floor(Date.now() / 1000) - 1;
    await stores.setup.putSetupLink({ ...stored, expiresAt });
    const hop = await browser.request(setupUrl('massive_dynamic'));
    pages.push(hop.body);
    expect(hop.status).toBe(403);
    const when = `${new Date(expiresAt * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    expect(hop.body).toContain(`This setup link expired on ${when}: it no longer works. Ask your contact`);
    expect(hop.body).not.toContain('has not opened');
  });
});

describe('Secrets stay out of pages and logs', () => {
  it('never shows or logs a client secret, link token, authorization code or cookie value', () => {
    const log = captured.join('');
    // The capture saw the service's structured logs (this test must be able to fail).
    expect(log).toContain('"message":"setup test sign-in"');
    expect(log).toContain('"message":"setup checks"');
    expect(secrets.size).toBeGreaterThan(10);
    for (const secret of secrets) {
      if (secret.length < 8) continue;
      expect(log.includes(secret), `log contains a secret value (${secret.slice(0, 4)}…)`).toBe(false);
      for (const page of pages) {
        expect(page.includes(secret), `a page contains a secret value (${secret.slice(0, 4)}…)`).toBe(false);
      }
    }
    expect(log).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
    expect(shownOnce.size).toBe(3);
    for (const value of shownOnce) expect(log.includes(value), 'log contains the SCIM token').toBe(false);
  });
});
