/**
 * Tenant controls end to end: Okta groups → roles recomputed at every login,
 * allowed email domains and verified email, per-tenant redirect and logout
 * targets, the audit trail, and the onboarding check, all configured with the
 * tenant CLI.
 */
import { describe, expect, it } from 'vitest';
import { TestBrowser } from '../../local/http-browser.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import { CLIENT_ID, type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';
import type { TestClock } from '../support/test-clock.ts';

let env: MisbehavingStack;
let clock: TestClock;

/** Moves the clock past the running functions' tenant cache (its default, 30 s) so a CLI change is seen. */
const tenantCacheExpiry = () => clock.advance(31_000);

async function me(browser: TestBrowser) {
  const hop = await browser.request(`${env.stack.url}/me`, { headers: { accept: 'application/json' } });
  return hop.status === 200 ? JSON.parse(hop.body) : { status: hop.status };
}

// The clock first: the stack's tenant caches are then timed on a clock the tests can move.
test.beforeAll(async ({ clock: installed, stack }) => {
  clock = installed;
  env = stack;
  const put = await cli(
    'put',
    TENANT,
    '--groups',
    '--role-map',
    'Admins=admin',
    '--role-map',
    '/^Eng.*$/=engineer',
    '--default-role',
    'viewer',
    '--allowed-email-domain',
    'acme.example',
    '--allowed-redirect-origin',
    'https://app.acme.example',
    '--logout-redirect',
    'https://app.acme.example/signed-out',
  );
  expect(put.code).toBe(0);
  await tenantCacheExpiry();
});

describe('Groups → roles', () => {
  it('computes roles from groups in priority order and shows them in /me', async () => {
    const { browser } = await env.login('ada'); // groups Everyone, Engineering, Admins
    const body = await me(browser);
    expect(body.user).toMatchObject({
      role: 'owner',
      groups: ['Everyone', 'Engineering', 'Admins'],
      roles: ['admin', 'engineer'],
    });
  });

  it('drops a role at the next login when Okta removes the group, keeps owner, and audits the change', async () => {
    env.idp.mutateNextIdToken({ claims: { groups: ['Everyone', 'Engineering'] } });
    const { browser } = await env.login('ada');
    expect((await me(browser)).user).toMatchObject({ role: 'owner', roles: ['engineer'] });
    const events = (await cli('audit', TENANT)).output as Array<{
      type: string;
      details?: { from: string[]; to: string[] };
    }>;
    const change = events.filter((event) => event.type === 'role_changed').at(-1);
    expect(change?.details).toEqual({ from: ['admin', 'engineer'], to: ['engineer'] });
  });

  it('falls back to the default roles when the groups claim is missing', async () => {
    env.idp.mutateNextIdToken({ claims: { groups: undefined } });
    const { browser, callback } = await env.login('grace');
    expect(callback?.status).toBe(302);
    expect((await me(browser)).user).toMatchObject({ role: 'member', groups: [], roles: ['viewer'] });
  });
});

describe('Email policy', () => {
  it('refuses an email outside the allowed domains with a page that says why, writing no user', async () => {
    const before = await env.count('user');
    env.idp.mutateNextIdToken({ claims: { email: 'someone@gmail.example' } });
    const { callback } = await env.login('outsider');
    expect(callback?.status).toBe(403);
    expect(callback?.body).toContain('acme.example');
    expect(await env.count('user')).toBe(before);
  });

  it('can require a verified email', async () => {
    expect(
      (await cli('put', TENANT, '--issuer', env.idp.issuer, '--client-id', CLIENT_ID, '--require-email-verified')).code,
    ).toBe(0);
    await tenantCacheExpiry();
    env.idp.mutateNextIdToken({ claims: { email_verified: false } });
    const { callback } = await env.login('unverified');
    expect(callback?.status).toBe(403);
    expect(callback?.body).toContain('not been verified');
  });
});

describe('Redirect and logout targets', () => {
  it('follows an allow-listed target_link_uri and sends logout to the tenant’s page', async () => {
    const target = encodeURIComponent('https://app.acme.example/projects/7');
    const startUrl = `${env.stack.url}/t/${TENANT}/login?target_link_uri=${target}`;
    const { browser, hops } = await env.login('grace', { startUrl, until: 'callback' });
    expect(hops.at(-1)?.location).toBe('https://app.acme.example/projects/7');
    const logout = await browser.request(`${env.stack.url}/logout`, {
      method: 'POST',
      headers: { origin: env.stack.url },
    });
    expect(logout.status).toBe(302);
    expect(logout.location).toBe('https://app.acme.example/signed-out');
  });

  it('can send logout to Okta’s end-session endpoint', async () => {
    expect(
      (await cli('put', TENANT, '--issuer', env.idp.issuer, '--client-id', CLIENT_ID, '--logout-redirect', 'okta'))
        .code,
    ).toBe(0);
    await tenantCacheExpiry();
    const { browser } = await env.login('grace');
    const logout = await browser.request(`${env.stack.url}/logout`, {
      method: 'POST',
      headers: { origin: env.stack.url },
    });
    expect(logout.status).toBe(302);
    const target = new URL(logout.location ?? '');
    expect(`${target.origin}${target.pathname}`).toBe(`${env.idp.issuer}/session/end`);
    expect(target.searchParams.get('client_id')).toBe(CLIENT_ID);
  });
});

describe('Audit trail', () => {
  it('records logins, failures with reasons, logouts and admin actions, filterable by time', async () => {
    const events = (await cli('audit', TENANT)).output as Array<{
      type: string;
      outcome: string;
      reason?: string;
      actor: string;
      at: string;
    }>;
    const types = new Set(events.map((event) => event.type));
    for (const type of ['tenant_saved', 'login_succeeded', 'owner_claimed', 'role_changed', 'login_failed', 'logout']) {
      expect(types, type).toContain(type);
    }
    expect(events.find((event) => event.reason === 'EMAIL_DOMAIN_NOT_ALLOWED')?.outcome).toBe('failure');
    expect(events.find((event) => event.type === 'tenant_saved')?.actor).toMatch(/^admin:/);
    expect(JSON.stringify(events)).not.toMatch(/eyJ|acme-client-secret/);
    const last = events.at(-1)?.at ?? '';
    const recent = (await cli('audit', TENANT, '--since', last)).output as unknown[];
    expect(recent.length).toBeGreaterThanOrEqual(1);
    expect(recent.length).toBeLessThan(events.length);
  });
});

describe('Onboarding', () => {
  it('prints what the Okta admin must paste', async () => {
    // A new tenant without its secret is refused, and nothing is written.
    expect(await cli('put', 'onboard_me', '--issuer', env.idp.issuer, '--client-id', 'x')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('client secret'),
    });
    expect((await cli('get', 'onboard_me')).code).toBe(1);
    const put = await cli(
      'put',
      TENANT,
      '--issuer',
      env.idp.issuer,
      '--client-id',
      CLIENT_ID,
      '--role-map',
      'X=x',
      '--no-groups',
    );
    expect(put.output.tenant.okta).toMatchObject({
      signInRedirectUri: `${env.stack.url}/t/${TENANT}/callback`,
      initiateLoginUri: `${env.stack.url}/t/${TENANT}/login`,
      loginFlow: 'Redirect to app to initiate login (OIDC Compliant)',
    });
    expect(put.output.warnings[0]).toContain('--groups');
  });

  it('checks a tenant’s Okta and says what is wrong in plain words', async () => {
    const good = await cli('check', TENANT);
    expect(good).toMatchObject({ code: 0, output: { ok: true } });

    env.idp.setDiscovery({ issuer: 'https://other.okta.example' });
    const mismatch = await cli('check', TENANT);
    env.idp.setDiscovery('normal');
    expect(mismatch.code).toBe(1);
    expect(JSON.stringify(mismatch.output.checks)).toContain('names the issuer \\"https://other.okta.example\\"');

    await cli('put', TENANT, '--issuer', env.idp.issuer, '--client-id', CLIENT_ID, '--id-token-alg', 'ES256');
    const wrongAlg = await cli('check', TENANT);
    await cli('put', TENANT, '--issuer', env.idp.issuer, '--client-id', CLIENT_ID, '--id-token-alg', 'RS256');
    expect(wrongAlg.code).toBe(1);
    expect(JSON.stringify(wrongAlg.output.checks)).toContain('no signing key for ES256');
  });

  it('reports an unreachable issuer', async () => {
    const { registerTenant } = await import('../../local/stack.ts');
    const { createServer } = await import('node:net');
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    await registerTenant(env.stack.dynamoDbEndpoint, env.stack.tableName, {
      tenantId: 'gone',
      issuer: `http://127.0.0.1:${closedPort}`,
      clientId: 'c',
      clientSecret: 's',
    });
    const result = await cli('check', 'gone');
    expect(result.code).toBe(1);
    expect(result.output.checks[0]).toMatchObject({ check: 'discovery', ok: false });
    expect(result.output.checks[0].message).toContain('refused the connection');
  });
});

describe('Authorizer for the app’s own routes', () => {
  const whoami = (browser: TestBrowser, headers: Record<string, string> = {}) =>
    browser.request(`${env.stack.url}/app/whoami`, { headers: { accept: 'application/json', ...headers } });

  it('turns the session cookie into tenant, user and roles', async () => {
    await cli(
      'put',
      TENANT,
      '--issuer',
      env.idp.issuer,
      '--client-id',
      CLIENT_ID,
      '--groups',
      '--role-map',
      'Admins=admin',
    );
    await tenantCacheExpiry();
    const { browser } = await env.login('ada');
    const response = await whoami(browser);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      authMethod: 'okta-sso',
      tenant: TENANT,
      role: 'owner',
      roles: ['admin'],
    });
    expect((await whoami(new TestBrowser())).status).toBe(403);
    expect((await whoami(browser, { 'x-tenant-id': 'globex' })).status).toBe(403);
  });

  it('refuses any app credential by default: no verifier is configured', async () => {
    const appClient = new TestBrowser();
    for (const authorization of ['Bearer app-api-key', 'Basic dXNlcjpwYXNz']) {
      expect((await whoami(appClient, { authorization, 'x-tenant-id': TENANT })).status).toBe(403);
      expect((await whoami(appClient, { authorization, 'x-tenant-id': 'no_such_tenant' })).status).toBe(403);
    }
  });
});
