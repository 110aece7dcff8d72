/**
 * The product as a user meets it: `npm start`'s stack (real HTTP through the
 * local API Gateway, the same handler exports Lambda runs, DynamoDB Local, the
 * demo identity provider built on oidc-provider), driven like a browser.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TestBrowser } from '../../local/http-browser.ts';
import { DEMO_TENANT, type LocalStack } from '../../local/stack.ts';
import { completeLogin, type LoginTarget, meOf } from '../support/complete-login.ts';
import { test } from '../support/fixtures.ts';

const run = promisify(execFile);
let stack: LocalStack;
let demo: LoginTarget;
let issuer: string;

test.beforeAll(({ localStack, demoTenant }) => {
  stack = localStack;
  demo = demoTenant;
  issuer = demo.issuer;
});

const me = (browser: TestBrowser) => meOf(stack.url, browser);

describe('Okta tile login end to end', () => {
  it('is healthy', async () => {
    const response = await fetch(`${stack.url}/health`);
    expect(response.status).toBe(200);
  });

  it('sends no header the handlers unset or left empty (no "server: undefined", no empty Reporting-Endpoints)', async () => {
    const browser = new TestBrowser();
    const answers = [
      await browser.request(`${stack.url}/health`),
      await browser.request(`${stack.url}/t/${DEMO_TENANT}/login`),
      await browser.request(`${stack.url}/t/nobody/login`),
      await browser.request(`${stack.url}/me`, { headers: { accept: 'application/json' } }),
      await browser.request(`${stack.url}/signed-in`),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 302, 404, 401, 401]);
    for (const answer of answers) {
      const headers: Array<[string, string]> = [];
      answer.headers.forEach((value, name) => {
        headers.push([name, value]);
      });
      // The security headers did run, so their unset ones were really dropped.
      if (answer.url !== `${stack.url}/`) expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.filter(([, value]) => value === 'undefined' || value === 'null' || value.trim() === '')).toEqual(
        [],
      );
      expect(answer.headers.has('server')).toBe(false);
      expect(answer.headers.has('x-powered-by')).toBe(false);
    }
  });

  it('signs the first user in as owner, shows who they are, and sets a hardened session cookie', async () => {
    const browser = new TestBrowser();
    const { hops, callback, authorizeUrl } = await completeLogin(demo, { browser, login: 'ada' });
    expect(authorizeUrl?.startsWith(issuer)).toBe(true);
    expect(callback?.status).toBe(302);
    const setCookies = callback?.headers.getSetCookie() ?? [];
    const session = setCookies.find((cookie) => cookie.startsWith('__Host-session='));
    expect(session).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(callback?.headers.get('cache-control')).toBe('no-store');

    // The landing is the demo app on its own origin (APP_URL), which asks /me from the browser.
    const landing = hops.at(-1);
    expect(stack.appUrl).toBe(stack.demoAppUrl);
    expect(new URL(stack.appUrl ?? '').origin).not.toBe(stack.url);
    expect(landing?.url).toBe(stack.appUrl);
    expect(landing?.status).toBe(200);
    expect(landing?.body).toContain(`data-service-url="${stack.url}"`);

    const current = await me(browser);
    expect(current.status).toBe(200);
    // The demo tenant maps Ada's Okta groups (Engineering, Admins) to app roles, in its mapping order.
    expect(current.body).toMatchObject({
      tenant: DEMO_TENANT,
      user: {
        role: 'owner',
        roles: ['admin', 'engineer'],
        name: 'Ada Lovelace',
        email: expect.stringContaining('@'),
        groups: expect.any(Array),
      },
    });
    expect(current.body.user.sub).toMatch(/^00u/);
  });

  it('makes later users members and keeps the owner on a returning login', async () => {
    const grace = new TestBrowser();
    await completeLogin(demo, { browser: grace, login: 'grace' });
    expect((await me(grace)).body.user.role).toBe('member');

    const ada = new TestBrowser();
    await completeLogin(demo, { browser: ada, login: 'ada' });
    expect((await me(ada)).body.user.role).toBe('owner');
  });

  it('starts at the app too (no iss) and honours a same-origin target_link_uri', async () => {
    const startUrl = `${stack.url}/t/${DEMO_TENANT}/login?target_link_uri=%2Fapp`;
    const { signInPage, callback } = await completeLogin(demo, { startUrl, login: 'grace' });
    expect(signInPage?.status).toBe(200);
    expect(callback?.location).toBe(`${stack.url}/app`);
  });

  it('signs out server-side: the copied cookie stops working', async () => {
    const browser = new TestBrowser();
    await completeLogin(demo, { browser, login: 'linus' });
    const copied = new TestBrowser();
    const cookie = await browser.cookieValue(stack.url, '__Host-session');
    await copied.jar.setCookie(`__Host-session=${cookie}; Path=/; Secure; HttpOnly`, stack.url);
    expect((await me(copied)).status).toBe(200);

    const logout = await browser.request(`${stack.url}/logout`, { method: 'POST', headers: { origin: stack.url } });
    expect(logout.status).toBe(200);
    expect(logout.body).toContain('You are signed out');
    expect(logout.headers.getSetCookie().some((c) => c.startsWith('__Host-session=;'))).toBe(true);
    expect((await me(browser)).status).toBe(401);
    expect((await me(copied)).status).toBe(401);
  });

  it('refuses a cross-site logout', async () => {
    const browser = new TestBrowser();
    await completeLogin(demo, { browser, login: 'linus' });
    const attempt = await browser.request(`${stack.url}/logout`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(attempt.status).toBe(403);
    expect((await me(browser)).status).toBe(200);
  });

  it('refuses the callback URL replayed in another browser and writes nothing', async () => {
    const victim = new TestBrowser();
    const { callback } = await completeLogin(demo, { browser: victim, login: 'grace' });
    const attacker = new TestBrowser();
    const replay = await attacker.request(callback?.url ?? '');
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('Start sign-in again');
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('__Host-session='))).toBe(false);
    // ...and in the same browser, once used, it is refused too.
    const again = await victim.request(callback?.url ?? '');
    expect(again.status).toBe(400);
  });

  it('says the user is not assigned when Okta answers access_denied to a genuine login', async () => {
    const browser = new TestBrowser();
    const start = await browser.request(`${stack.url}/t/${DEMO_TENANT}/login?iss=${encodeURIComponent(issuer)}`);
    const state = new URL(start.location ?? '').searchParams.get('state');
    const notAssigned = encodeURIComponent('User is not assigned to the client application.');
    const response = await browser.request(
      `${stack.url}/t/${DEMO_TENANT}/callback?error=access_denied&error_description=${notAssigned}&state=${state}`,
    );
    expect(response.status).toBe(403);
    expect(response.body).toContain('not assigned to this app');
    expect(response.body).toMatch(/reference: <code>[\w-]+<\/code>/);
  });

  it('shows no IdP error page without a genuine login attempt (a spoofed "not assigned" link)', async () => {
    const notAssigned = encodeURIComponent('User is not assigned to the client application.');
    const victim = new TestBrowser();
    // A link anyone can craft: no state, a made-up state, a real-looking state of another browser.
    const attacker = new TestBrowser();
    const start = await attacker.request(`${stack.url}/t/${DEMO_TENANT}/login?iss=${encodeURIComponent(issuer)}`);
    const attackersState = new URL(start.location ?? '').searchParams.get('state');
    for (const state of ['', '&state=abc', '&state=AAAAAAAAAAAAAAAAAAAAAA', `&state=${attackersState}`]) {
      const response = await victim.request(
        `${stack.url}/t/${DEMO_TENANT}/callback?error=access_denied&error_description=${notAssigned}${state}`,
      );
      expect(response.status).toBe(400);
      expect(response.body).not.toContain('not assigned');
      expect(response.body).toContain('could not be verified');
    }
  });

  it('answers 404 for an unknown tenant and 400 for a foreign iss', async () => {
    const browser = new TestBrowser();
    expect((await browser.request(`${stack.url}/t/nobody/login?iss=${encodeURIComponent(issuer)}`)).status).toBe(404);
    const foreign = await browser.request(`${stack.url}/t/${DEMO_TENANT}/login?iss=https%3A%2F%2Fevil.example`);
    expect(foreign.status).toBe(400);
    expect(foreign.body).toContain('not set up here');
  });

  it('bounces an Okta Simplified id_token post into a fresh code flow without a session', async () => {
    const browser = new TestBrowser();
    const response = await browser.request(`${stack.url}/t/${DEMO_TENANT}/callback`, {
      method: 'POST',
      body: 'id_token=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    });
    expect(response.status).toBe(302);
    expect(response.location?.startsWith(issuer)).toBe(true);
    expect(response.headers.getSetCookie().some((c) => c.startsWith('__Host-session='))).toBe(false);
    expect((await me(browser)).status).toBe(401);
  });

  it('serves the tenant CLI against the local stack', async () => {
    const env = { ...process.env, DYNAMODB_ENDPOINT: stack.dynamoDbEndpoint, TABLE_NAME: stack.tableName };
    const cli = (args: string[], input?: string) => {
      const child = run('npx', ['tsx', 'local/tenant-cli.ts', ...args], { env });
      if (input !== undefined) {
        child.child.stdin?.end(input);
      } else {
        child.child.stdin?.end();
      }
      return child;
    };
    const put = await cli(
      [
        'put',
        'best_company',
        '--issuer',
        'https://best.okta.com/oauth2/default',
        '--client-id',
        '0oabest',
        '--client-secret-stdin',
        '--groups',
      ],
      'very-secret\n',
    );
    const created = JSON.parse(put.stdout);
    expect(created.tenant).toMatchObject({
      tenantId: 'best_company',
      orgUrl: 'https://best.okta.com',
      requestGroups: true,
    });
    expect(put.stdout).not.toContain('very-secret');
    expect(created.tenant.okta.initiateLoginUri).toMatch(/\/t\/best_company\/login$/);

    const got = JSON.parse((await cli(['get', 'best_company'])).stdout);
    expect(got).toMatchObject({ clientId: '0oabest', hasClientSecret: true });
    const listed = JSON.parse((await cli(['list'])).stdout).map((tenant: { tenantId: string }) => tenant.tenantId);
    expect(listed).toEqual(expect.arrayContaining(['best_company', DEMO_TENANT]));
    const users = JSON.parse((await cli(['users', DEMO_TENANT])).stdout);
    expect(users.filter((user: { role: string }) => user.role === 'owner')).toHaveLength(1);
    expect(users[0]).toEqual(
      expect.objectContaining({ id: expect.any(String), sub: expect.any(String), role: expect.any(String) }),
    );

    await expect(cli(['put', 'Bad-Name', '--issuer', 'https://x.okta.com', '--client-id', 'c'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('snake_case'),
    });
    // Not on a terminal (a child process's stdin is a pipe): delete needs --yes, and refuses without it.
    await expect(cli(['delete', 'best_company'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--yes'),
    });
    expect(JSON.parse((await cli(['delete', 'best_company', '--yes'])).stdout)).toMatchObject({
      deleted: 'best_company',
      removed: { users: 0, owner: 0, config: 1, other: 1 }, // the local client secret
    });
    await expect(cli(['get', 'best_company'])).rejects.toMatchObject({ code: 1 });
  }, 120_000); // a dozen CLI processes (tsx start-up each): well over the default on two busy cores
});
