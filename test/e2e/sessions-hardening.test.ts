/**
 * Sessions and concurrency under attack and administration: racing first
 * logins, session rotation, cookie and header hardening, idle and absolute
 * timeouts, revocation, disabling users and ownership transfer via the CLI.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { TestBrowser } from '../../local/http-browser.ts';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { keys } from '../../shared/adapters/dynamodb/table-schema.ts';
import { hashSessionToken, parseSessionCookie } from '../../shared/sessions.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import { type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';
import { pastRevocations } from '../support/test-clock.ts';

test.override('stackOptions', { env: { SESSION_IDLE_TIMEOUT_SECONDS: '900', SESSION_TTL_SECONDS: '3600' } });

let env: MisbehavingStack;

test.beforeAll(({ stack }) => {
  env = stack;
});

const me = (browser: TestBrowser) => env.me(browser);

async function sessionToken(browser: TestBrowser): Promise<string> {
  const parsed = parseSessionCookie(await browser.cookieValue(env.stack.url, '__Host-session'));
  if (!parsed) throw new Error('no session cookie');
  return parsed.token;
}

describe('Concurrency', () => {
  it('makes exactly one owner out of 50 parallel first logins and creates every user once', async () => {
    const logins = await Promise.all(Array.from({ length: 50 }, (_, index) => env.login(`racer${index}`)));
    expect(logins.every((login) => login.callback?.status === 302)).toBe(true);
    const roles = await Promise.all(logins.map(async (login) => (await me(login.browser)).body.user.role));
    expect(roles.filter((role) => role === 'owner')).toHaveLength(1);
    expect(roles.filter((role) => role === 'member')).toHaveLength(49);
    const { output } = await cli('users', TENANT);
    const users = output as Array<{ sub: string; role: string }>;
    expect(users).toHaveLength(50);
    expect(new Set(users.map((user) => user.sub)).size).toBe(50);
  }, 60_000);

  it('creates one identity when the same new user logs in twice at once', async () => {
    const [a, b] = await Promise.all([env.login('twin'), env.login('twin')]);
    expect([a.callback?.status, b.callback?.status]).toEqual([302, 302]);
    const users = (await cli('users', TENANT)).output as Array<{ email: string }>;
    expect(users.filter((user) => user.email === 'twin@acme.example')).toHaveLength(1);
    expect((await me(a.browser)).body.user.id).toBe((await me(b.browser)).body.user.id);
  });
});

describe('Cookies and headers', () => {
  it('rotates the session at every login and ends the previous one', async () => {
    const { browser } = await env.login('ada');
    const first = await sessionToken(browser);
    const stolen = new TestBrowser();
    await stolen.jar.setCookie(
      `__Host-session=${await browser.cookieValue(env.stack.url, '__Host-session')}; Path=/; Secure`,
      env.stack.url,
    );
    expect((await me(stolen)).status).toBe(200);
    await env.login('ada', browser);
    expect(await sessionToken(browser)).not.toBe(first);
    expect((await me(browser)).status).toBe(200);
    expect((await me(stolen)).status).toBe(401);
  });

  it('puts security headers on every response and no-store on auth responses', async () => {
    const { browser, hops } = await env.login('ada');
    const ours = hops.filter((hop) => hop.url.startsWith(env.stack.url) && !hop.url.endsWith('/'));
    const meHop = await browser.request(`${env.stack.url}/me`, { headers: { accept: 'application/json' } });
    const error = await browser.request(`${env.stack.url}/t/nobody/login`);
    const logout = await browser.request(`${env.stack.url}/logout`, {
      method: 'POST',
      headers: { origin: env.stack.url },
    });
    for (const hop of [...ours, meHop, error, logout]) {
      expect(hop.headers.get('content-security-policy'), hop.url).toContain("frame-ancestors 'none'");
      expect(hop.headers.get('x-content-type-options'), hop.url).toBe('nosniff');
      expect(hop.headers.get('referrer-policy'), hop.url).toBe('no-referrer');
      expect(hop.headers.get('cache-control'), hop.url).toBe('no-store');
      expect(hop.headers.get('x-correlation-id'), hop.url).toMatch(/^[\w-]{8,64}$/);
      // HSTS without `preload`: joining the browsers' preload list is the operator's decision.
      expect(hop.headers.get('strict-transport-security'), hop.url).toBe('max-age=63072000; includeSubDomains');
    }
  });

  it('answers with its own correlation id, never the one a client sends', async () => {
    const correlationOf = async (value: string) =>
      (
        await new TestBrowser().request(`${env.stack.url}/health`, { headers: { 'x-correlation-id': value } })
      ).headers.get('x-correlation-id');
    // Even a well-formed one is only logged beside ours (test/e2e/no-secrets-in-logs.test.ts).
    const wellFormed = await correlationOf('support-ticket-4711');
    expect(wellFormed).not.toBe('support-ticket-4711');
    expect(wellFormed).toMatch(/^[\w-]{8,64}$/);
    for (const hostile of [
      '<script>alert(1)</script>',
      'a'.repeat(65),
      'short',
      'abc def ghi',
      'id-1, id-2',
      'line\tbreak-0001',
      '../../etc/passwd',
      'ok.but.dotted',
      'äöü-unicode-id',
      '%0d%0aSet-Cookie:x=1',
    ]) {
      const echoed = await correlationOf(hostile);
      expect(echoed, hostile).not.toBe(hostile);
      expect(echoed, hostile).toMatch(/^[\w-]{8,64}$/);
    }
  });

  it('offers logout only as POST', async () => {
    const response = await new TestBrowser().request(`${env.stack.url}/logout`);
    expect(response.status).toBe(404);
  });
});

describe('Timeouts and revocation', () => {
  const client = () => createDocumentClient({ endpoint: env.stack.dynamoDbEndpoint });

  async function ageSession(browser: TestBrowser, update: { lastSeenAt?: number; expiresAt?: number }) {
    const db = client();
    const names = Object.keys(update);
    await db.send(
      new UpdateCommand({
        TableName: env.stack.tableName,
        Key: keys.session(hashSessionToken(await sessionToken(browser))),
        UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: Object.fromEntries(
          Object.entries(update).map(([name, value]) => [`:${name}`, value]),
        ),
      }),
    );
    closeDocumentClient(db);
  }

  it('ends a session idle for longer than the idle timeout', async () => {
    const { browser } = await env.login('grace');
    await ageSession(browser, { lastSeenAt: Math.floor(Date.now() / 1000) - 899 });
    expect((await me(browser)).status).toBe(200); // still inside, and this use refreshes it
    expect((await me(browser)).status).toBe(200);
    await ageSession(browser, { lastSeenAt: Math.floor(Date.now() / 1000) - 901 });
    expect((await me(browser)).status).toBe(401);
  });

  it('ends a session past its absolute lifetime even before DynamoDB’s TTL deletes it', async () => {
    const { browser } = await env.login('grace');
    await ageSession(browser, { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    expect((await me(browser)).status).toBe(401);
  });

  it('revokes all sessions of a user, then of the whole tenant', async () => {
    const one = await env.login('linus');
    const two = await env.login('linus');
    const other = await env.login('grace');
    const userId = (await me(one.browser)).body.user.id;
    expect(await cli('revoke-sessions', TENANT, '--user', userId)).toMatchObject({ code: 0 });
    expect((await me(one.browser)).status).toBe(401);
    expect((await me(two.browser)).status).toBe(401);
    expect((await me(other.browser)).status).toBe(200);

    expect(await cli('revoke-sessions', TENANT)).toMatchObject({ code: 0 });
    expect((await me(other.browser)).status).toBe(401);
    await pastRevocations();
    const again = await env.login('grace');
    expect((await me(again.browser)).status).toBe(200);
  });

  it('disables a user at once and lets them back in when enabled', async () => {
    const { browser } = await env.login('mallory');
    const userId = (await me(browser)).body.user.id;
    expect(await cli('disable-user', TENANT, userId)).toMatchObject({ code: 0, output: { disabled: true } });
    expect((await me(browser)).status).toBe(401);
    const refused = await env.login('mallory');
    expect(refused.callback?.status).toBe(403);
    expect(refused.callback?.body).toContain('disabled');
    expect(await cli('enable-user', TENANT, userId)).toMatchObject({ code: 0 });
    const back = await env.login('mallory');
    expect(back.callback?.status).toBe(302);
  });

  it('transfers ownership with exactly one owner before and after', async () => {
    const users = (await cli('users', TENANT)).output as Array<{ id: string; role: string }>;
    const owner = users.find((user) => user.role === 'owner');
    const member = users.find((user) => user.role === 'member');
    expect(owner && member).toBeTruthy();
    expect(await cli('set-owner', TENANT, member?.id ?? '')).toMatchObject({ code: 0, output: { changed: true } });
    const after = (await cli('users', TENANT)).output as Array<{ id: string; role: string }>;
    expect(after.filter((user) => user.role === 'owner').map((user) => user.id)).toEqual([member?.id]);
    expect(after.find((user) => user.id === owner?.id)?.role).toBe('member');
    expect(await cli('set-owner', TENANT, 'u_nobody')).toMatchObject({ code: 1 });
  });
});
