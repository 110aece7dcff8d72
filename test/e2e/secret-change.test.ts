/**
 * A client secret changed while the login function is warm: the tenant and
 * its secret cached for 300 s each (TENANT_CACHE_SECONDS, SECRETS_CACHE_SECONDS,
 * as a busy deployment would), the app's secret rotated in the demo Okta (a
 * real oidc-provider, which from then on accepts only the new one), and the
 * new secret saved in each of the three ways an operator can: `tenant put
 * --client-secret-stdin`, the setup link's "Check and save", and `tenant
 * delete` then re-create. The very next login signs in, after one forced read
 * past the caches; a wrong secret stays wrong, with one more attempt at most.
 *
 * oidc-provider authenticates the client before it looks at the code, so a
 * code refused with `invalid_client` is redeemed by the retry: these tests
 * are that check.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { DemoIdp } from '../../local/demo-idp.ts';
import { type Hop, setupCsrfOf, setupNonceOf, TestBrowser } from '../../local/http-browser.ts';
import type { LocalStack } from '../../local/stack.ts';
import { cli } from '../support/cli.ts';
import { completeLogin } from '../support/complete-login.ts';
import { test } from '../support/fixtures.ts';

test.override('stackOptions', {
  env: {
    LOG_LEVEL: 'INFO',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    TENANT_CACHE_SECONDS: '300',
    SECRETS_CACHE_SECONDS: '300',
  },
});

let stack: LocalStack;
let okta: DemoIdp;
let captured: string[];
/** What the demo Okta's token endpoint answered, in order: `ok` or the OAuth error. */
const tokenAnswers: string[] = [];
/** Every client secret of these tests: none may reach a log line. */
const secrets = new Set<string>();

const FORCED_READ = 'invalid_client: tenant and client secret re-read past the caches';

test.beforeAll(({ logs, localStack, demoOkta }) => {
  captured = logs;
  stack = localStack;
  okta = demoOkta;
  okta.provider.on('grant.success', () => tokenAnswers.push('ok'));
  okta.provider.on('grant.error', (_ctx, error) => tokenAnswers.push(String((error as { error?: string }).error)));
});

beforeEach(() => {
  tokenAnswers.length = 0;
});

/** The tenant's app integration in the demo Okta, as its admin creates it. */
async function oktaApp(tenant: string): Promise<{ clientId: string; clientSecret: string }> {
  const app = await okta.createApp({
    name: `App of ${tenant}`,
    redirectUri: `${stack.url}/t/${tenant}/callback`,
    initiateLoginUri: `${stack.url}/t/${tenant}/login`,
  });
  secrets.add(app.clientSecret);
  return app;
}

/**
 * Okta's "Generate new secret": the app's stored registration gets a new
 * secret, and oidc-provider authenticates the client with it from then on
 * (it finds dynamically registered clients in its adapter on every request).
 */
async function rotateSecretInOkta(clientId: string): Promise<string> {
  const clients = (okta.provider.Client as unknown as { adapter: OidcAdapter }).adapter;
  const registered = await clients.find(clientId);
  if (!registered) throw new Error(`the demo Okta has no app ${clientId}`);
  const secret = randomBytes(24).toString('base64url');
  await clients.upsert(clientId, { ...registered, client_secret: secret });
  secrets.add(secret);
  return secret;
}

interface OidcAdapter {
  find(id: string): Promise<Record<string, unknown> | undefined>;
  upsert(id: string, payload: Record<string, unknown>): Promise<void>;
}

/** `npm run tenant -- <args> --client-secret-stdin` with the secret piped in. */
async function cliWithSecret(secret: string, ...args: string[]) {
  const stdin = vi
    .spyOn(process, 'stdin', 'get')
    .mockReturnValue(Readable.from([Buffer.from(`${secret}\n`)]) as unknown as typeof process.stdin);
  try {
    return await cli(...args, '--client-secret-stdin');
  } finally {
    stdin.mockRestore();
  }
}

async function createTenant(tenant: string): Promise<{ clientId: string; clientSecret: string }> {
  const app = await oktaApp(tenant);
  const put = await cliWithSecret(
    app.clientSecret,
    'put',
    tenant,
    '--issuer',
    okta.issuer,
    // One argument: a random client id may start with "-", which parseArgs reads as ambiguous otherwise.
    `--client-id=${app.clientId}`,
  );
  expect(put.code, put.stderr).toBe(0);
  return app;
}

/**
 * A tile click by a new browser, signed in at the demo Okta as `user` and
 * followed to the end. `landed`: our last callback answered with the app's
 * page; `me`: the session it set works.
 */
async function login(tenant: string, user: string) {
  const target = { serviceUrl: stack.url, tenant, issuer: okta.issuer };
  const { browser, callbacks } = await completeLogin(target, { login: user, maxHops: 30 });
  const last = callbacks.at(-1);
  const me = await browser.request(`${stack.url}/me`, { headers: { accept: 'application/json' } });
  return {
    callbacks,
    last,
    // Where a login without a target lands: the app (APP_URL) or, without one, the signed-in page.
    landed: last?.status === 302 && last.location === (stack.appUrl ?? `${stack.url}/signed-in`),
    me: { status: me.status, tenant: me.status === 200 ? (JSON.parse(me.body) as { tenant: string }).tenant : '' },
  };
}

/** Structured log lines of the service written while `action` ran, as text. */
async function logsOf<T>(action: () => Promise<T>): Promise<{ result: T; log: string }> {
  const from = captured.length;
  const result = await action();
  return { result, log: captured.slice(from).join('') };
}

function count(log: string, message: string): number {
  return log.split('\n').filter((line) => line.includes(`"message":"${message}"`)).length;
}

/** Two logins: the second one's tenant and secret are what the login function now holds for 300 s. */
async function warmUp(tenant: string) {
  // The first login claims the owner, after which the login function reads the tenant once more.
  for (const user of ['ada', 'grace']) {
    const warm = await login(tenant, user);
    expect(warm.landed).toBe(true);
    expect(warm.me).toEqual({ status: 200, tenant });
  }
  expect(tokenAnswers).toEqual(['ok', 'ok']);
  tokenAnswers.length = 0;
}

describe('The next login after a client secret change signs in', () => {
  it('after `tenant put --client-secret-stdin`', async () => {
    const tenant = 'rotate_put';
    const app = await createTenant(tenant);
    await warmUp(tenant);

    const secret = await rotateSecretInOkta(app.clientId);
    const put = await cliWithSecret(secret, 'put', tenant);
    expect(put.code, put.stderr).toBe(0);
    expect(put.output).toMatchObject({ created: false, secretChanged: true });

    const { result, log } = await logsOf(() => login(tenant, 'linus'));
    expect(result.landed).toBe(true);
    expect(result.callbacks).toHaveLength(1);
    expect(result.me).toEqual({ status: 200, tenant });
    // The cached secret refused, then the same code redeemed with the one just saved.
    expect(tokenAnswers).toEqual(['invalid_client', 'ok']);
    expect(count(log, FORCED_READ)).toBe(1);
    expect(log).toContain('"changed":true');

    // From then on the new secret is what the login function holds.
    tokenAnswers.length = 0;
    const next = await logsOf(() => login(tenant, 'ada'));
    expect(next.result.landed).toBe(true);
    expect(tokenAnswers).toEqual(['ok']);
    expect(count(next.log, FORCED_READ)).toBe(0);
  });

  it('after the setup link’s "Check and save"', async () => {
    const tenant = 'rotate_setup';
    const app = await oktaApp(tenant);
    // Set up and activated through its link, as a customer's Okta admin does.
    const first = await cli('invite', tenant);
    expect(first.code, first.stderr).toBe(0);
    const admin = new TestBrowser();
    let page = (await admin.navigate(first.output.url)).at(-1) as Hop;
    page = await checkAndSave(admin, tenant, page, app.clientId, app.clientSecret);
    const activated = await setupPost(admin, tenant, 'activate', {
      csrf: setupCsrfOf(page),
      nonce: setupNonceOf(page, 'activate'),
    });
    expect(activated.body).toContain('Sign-in is live');
    tokenAnswers.length = 0; // the live check redeems a made-up code
    await warmUp(tenant);

    // The secret rotated in Okta, then saved with a re-issued link.
    const secret = await rotateSecretInOkta(app.clientId);
    const again = await cli('invite', tenant);
    const rotator = new TestBrowser();
    page = (await rotator.navigate(again.output.url)).at(-1) as Hop;
    await checkAndSave(rotator, tenant, page, app.clientId, secret);
    tokenAnswers.length = 0;

    const { result, log } = await logsOf(() => login(tenant, 'linus'));
    expect(result.landed).toBe(true);
    expect(result.me).toEqual({ status: 200, tenant });
    expect(tokenAnswers).toEqual(['invalid_client', 'ok']);
    expect(count(log, FORCED_READ)).toBe(1);
  });

  it('after `tenant delete` and re-creating it with the new secret', async () => {
    const tenant = 'rotate_recreate';
    const app = await createTenant(tenant);
    await warmUp(tenant);
    const before = (await cli('get', tenant)).output.generation as string | undefined;

    const secret = await rotateSecretInOkta(app.clientId);
    expect((await cli('delete', tenant, '--yes')).code).toBe(0);
    const put = await cliWithSecret(secret, 'put', tenant, '--issuer', okta.issuer, `--client-id=${app.clientId}`);
    expect(put.code, put.stderr).toBe(0);
    const after = (await cli('get', tenant)).output.generation as string | undefined;
    expect(before).toEqual(expect.any(String));
    expect(after).not.toBe(before);

    const { result, log } = await logsOf(() => login(tenant, 'linus'));
    // The tile click was served from the old tenant (its generation sealed into the state): that login is
    // never completed; a fresh one, sealed for the new tenant, is started at once and signs in.
    expect(result.callbacks).toHaveLength(2);
    expect(result.callbacks[0]?.location).toMatch(new RegExp(`^${okta.issuer}/auth\\?`));
    expect(result.callbacks[0]?.headers.getSetCookie().some((cookie) => cookie.startsWith('__Host-session='))).toBe(
      false,
    );
    expect(result.landed).toBe(true);
    expect(result.me).toEqual({ status: 200, tenant });
    expect(tokenAnswers).toEqual(['invalid_client', 'ok']);
    expect(count(log, FORCED_READ)).toBe(1);
    expect(count(log, 'login restarted: the tenant was replaced since it started')).toBe(1);
    // The re-created tenant starts afresh: the first to sign in owns it.
    const users = (await cli('users', tenant)).output as Array<{ role: string }>;
    expect(users.map((user) => user.role)).toEqual(['owner']);
  });
});

describe('A wrong secret stays wrong', () => {
  it('gets one more attempt with what was saved, then the invalid_client page; an unchanged secret gets none', async () => {
    const tenant = 'rotate_wrong';
    const app = await createTenant(tenant);
    await warmUp(tenant);

    const secret = await rotateSecretInOkta(app.clientId);
    // Differs from the secret whatever its last character is (a random one ends in "_" 1 time in 64).
    const typo = `${secret.slice(0, -1)}${secret.endsWith('_') ? '-' : '_'}`;
    secrets.add(typo);
    expect((await cliWithSecret(typo, 'put', tenant)).code).toBe(0);

    const { result, log } = await logsOf(() => login(tenant, 'linus'));
    expect(result.callbacks).toHaveLength(1);
    expect(result.last?.status).toBe(502);
    expect(result.last?.body).toContain('This app’s sign-in is misconfigured');
    expect(result.me.status).toBe(401);
    expect(tokenAnswers).toEqual(['invalid_client', 'invalid_client']);
    expect(count(log, FORCED_READ)).toBe(1);

    // The wrong secret is now what the login function holds; read again or not (the cooldown decides),
    // it has not changed: no second attempt.
    tokenAnswers.length = 0;
    const second = await login(tenant, 'linus');
    expect(second.last?.status).toBe(502);
    expect(tokenAnswers).toEqual(['invalid_client']);
  });
});

describe('Secrets stay out of logs', () => {
  it('logs whether the tenant changed, never a secret', () => {
    const log = captured.join('');
    expect(log).toContain(`"message":"${FORCED_READ}"`);
    expect(secrets.size).toBeGreaterThanOrEqual(8);
    for (const secret of secrets) {
      expect(log.includes(secret), `log contains a client secret (${secret.slice(0, 4)}…)`).toBe(false);
    }
  });
});

/** POSTs a setup form as the admin's browser does (same origin). */
async function setupPost(browser: TestBrowser, tenant: string, action: string, fields: Record<string, string>) {
  return browser.request(`${stack.url}/t/${tenant}/setup/${action}`, {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: { origin: stack.url, 'sec-fetch-site': 'same-origin' },
  });
}

/** The setup page's "Check and save" with the app's client id and `secret`; every check must pass. */
async function checkAndSave(
  browser: TestBrowser,
  tenant: string,
  page: Hop,
  clientId: string,
  secret: string,
): Promise<Hop> {
  const saved = await setupPost(browser, tenant, 'check', {
    csrf: setupCsrfOf(page),
    nonce: setupNonceOf(page, 'check'),
    issuer: okta.issuer,
    client_id: clientId,
    client_secret: secret,
  });
  expect(saved.status).toBe(200);
  expect(saved.body).toContain('Saved:');
  return saved;
}
