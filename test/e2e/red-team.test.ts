/**
 * The attacks a red team got through, each replayed end to end through the
 * local stack: the authorizer trusting unverified credentials and caching
 * decisions, revocation that waited for caches, re-enabled users getting old
 * sessions back, deleted tenants that came back to life, a bogus code paged as
 * an Okta outage, login-state cookie floods, catastrophic role-map regexes and
 * `tenant put` resetting settings. (Open redirects: flow-attacks.test.ts;
 * spoofed IdP error pages: tile-login.test.ts; private addresses: ssrf.test.ts.)
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALARMED_FAILURE_REASONS } from '../../infra/monitoring.ts';
import { TestBrowser } from '../../local/http-browser.ts';
import { registerTenant } from '../../local/stack.ts';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { keys } from '../../shared/adapters/dynamodb/table-schema.ts';
import { DynamoDbTenantStore } from '../../shared/adapters/dynamodb/tenant-store.ts';
import { MAX_PENDING_LOGINS } from '../../shared/login-state.ts';
import { cli } from '../support/cli.ts';
import { test } from '../support/fixtures.ts';
import { CLIENT_ID, CLIENT_SECRET, type MisbehavingStack, TENANT } from '../support/misbehaving-stack.ts';
import { pastRevocations } from '../support/test-clock.ts';

const APP_ISSUER = 'https://app.example';
const APP_AUDIENCE = 'okta-login-api';

let env: MisbehavingStack;
let jwksServer: Server;
let jwksUri: string;
let appKey: CryptoKey;
let strangerKey: CryptoKey;

beforeAll(async () => {
  // The app's own token issuer: a key set served over HTTP, as the authorizer's verifier expects.
  const pair = await generateKeyPair('RS256');
  appKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'app-1', alg: 'RS256' }] });
  jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
});

// Read when the stack starts, after the hook above. Default tenant cache (30 s): every "at once" below
// proves no cache is in the way.
test.override('stackOptions', () => ({
  env: { APP_CREDENTIAL_ISSUER: APP_ISSUER, APP_CREDENTIAL_AUDIENCE: APP_AUDIENCE, APP_CREDENTIAL_JWKS_URI: jwksUri },
}));

test.beforeAll(({ stack }) => {
  env = stack;
});

afterAll(() => {
  jwksServer?.close();
});

const json = { accept: 'application/json' };

const me = (browser: TestBrowser) => env.me(browser);

function whoami(browser: TestBrowser, headers: Record<string, string> = {}) {
  return browser.request(`${env.stack.url}/app/whoami`, { headers: { ...json, ...headers } });
}

/** A token of the app's own issuer; `claims` override (or, when undefined, remove) the defaults. */
async function appToken(
  claims: Record<string, unknown> = {},
  options: { key?: CryptoKey; expiresIn?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: APP_ISSUER,
    aud: APP_AUDIENCE,
    sub: 'service-account-7',
    tenant: TENANT,
    iat: now,
    exp: now + (options.expiresIn ?? 300),
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'app-1' }).sign(options.key ?? appKey);
}

describe('Authorizer: only verified credentials, no cached decisions', () => {
  it('refuses every unverified app credential, and answers the same for tenants that do not exist', async () => {
    const browser = new TestBrowser();
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: APP_ISSUER, aud: APP_AUDIENCE, sub: 'x', tenant: TENANT, exp: 9_999_999_999 }),
    ).toString('base64url')}.`;
    const forged = [
      'Bearer app-api-key',
      'Basic dXNlcjpwYXNz',
      `Bearer ${unsigned}`,
      `Bearer ${await appToken({}, { key: strangerKey })}`,
      `Bearer ${await appToken({ iss: 'https://evil.example' })}`,
      `Bearer ${await appToken({ aud: 'another-api' })}`,
      `Bearer ${await appToken({ tenant: 'globex' })}`,
      `Bearer ${await appToken({ tenant: undefined })}`,
      `Bearer ${await appToken({}, { expiresIn: -300 })}`,
      `Bearer ${await appToken({ exp: undefined })}`,
      `Bearer ${await appToken({ sub: undefined })}`,
      `bearer ${await appToken()}x`,
    ];
    for (const authorization of forged) {
      for (const tenant of [TENANT, 'no_such_tenant']) {
        const response = await whoami(browser, { authorization, 'x-tenant-id': tenant });
        expect(response.status, `${authorization.slice(0, 40)} for ${tenant}`).toBe(403);
      }
    }
  });

  it('lets a verified app credential through for the tenant it names, with its subject', async () => {
    const response = await whoami(new TestBrowser(), {
      authorization: `Bearer ${await appToken()}`,
      'x-tenant-id': TENANT,
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ authMethod: 'app-credential', tenant: TENANT });
    const elsewhere = await whoami(new TestBrowser(), {
      authorization: `Bearer ${await appToken()}`,
      'x-tenant-id': 'globex',
    });
    expect(elsewhere.status).toBe(403);
  });

  it('does not reuse a decision made with an Authorization header for the same cookie without it', async () => {
    const browser = new TestBrowser();
    await browser.jar.setCookie(
      `__Host-session=${TENANT}.u_${'A'.repeat(32)}.${'B'.repeat(43)}; Path=/; Secure`,
      env.stack.url,
    );
    const withCredential = await whoami(browser, {
      authorization: `Bearer ${await appToken()}`,
      'x-tenant-id': TENANT,
    });
    expect(withCredential.status).toBe(200);
    expect((await whoami(browser, { 'x-tenant-id': TENANT })).status).toBe(403);
    expect((await whoami(browser)).status).toBe(403);
  });

  it('applies --sso-enforced from the next request', async () => {
    const headers = { authorization: `Bearer ${await appToken()}`, 'x-tenant-id': TENANT };
    expect((await whoami(new TestBrowser(), headers)).status).toBe(200);
    expect(await cli('put', TENANT, '--sso-enforced')).toMatchObject({ code: 0, output: { changed: ['ssoEnforced'] } });
    expect((await whoami(new TestBrowser(), headers)).status).toBe(403);
    const { browser } = await env.login('ada');
    expect((await whoami(browser)).status).toBe(200);
    expect(await cli('put', TENANT, '--no-sso-enforced')).toMatchObject({ code: 0 });
    expect((await whoami(new TestBrowser(), headers)).status).toBe(200);
  });

  it('refuses a session on every route from the request after logout, revocation or disabling', async () => {
    const routes = async (browser: TestBrowser) => [(await me(browser)).status, (await whoami(browser)).status];

    const loggedOut = (await env.login('grace')).browser;
    expect(await routes(loggedOut)).toEqual([200, 200]);
    const copy = new TestBrowser();
    for (const cookie of await loggedOut.jar.getCookies(env.stack.url)) {
      await copy.jar.setCookie(cookie.toString(), env.stack.url);
    }
    await loggedOut.request(`${env.stack.url}/logout`, { method: 'POST', headers: { origin: env.stack.url } });
    expect(await routes(copy)).toEqual([401, 403]);

    const revoked = (await env.login('grace')).browser;
    expect(await routes(revoked)).toEqual([200, 200]);
    const userId = (await me(revoked)).body.user.id;
    expect(await cli('revoke-sessions', TENANT, '--user', userId)).toMatchObject({ code: 0 });
    expect(await routes(revoked)).toEqual([401, 403]);

    const disabled = (await env.login('linus')).browser;
    expect(await routes(disabled)).toEqual([200, 200]);
    const linus = (await me(disabled)).body.user.id;
    expect(await cli('disable-user', TENANT, linus)).toMatchObject({ code: 0 });
    expect(await routes(disabled)).toEqual([401, 403]);
    expect(await cli('enable-user', TENANT, linus)).toMatchObject({ code: 0 });
  });
});

describe('Disabling a user ends their sessions for good', () => {
  it('does not revive a session opened before disable-user when the user is enabled again', async () => {
    const before = (await env.login('mallory')).browser;
    const userId = (await me(before)).body.user.id;
    expect(await cli('disable-user', TENANT, userId)).toMatchObject({ code: 0 });
    expect(await cli('enable-user', TENANT, userId)).toMatchObject({ code: 0 });
    expect((await me(before)).status).toBe(401);
    expect((await whoami(before)).status).toBe(403);
    // Enabling allows new logins (once the revocation's few milliseconds of margin have passed).
    await pastRevocations();
    const after = (await env.login('mallory')).browser;
    expect((await me(after)).status).toBe(200);
    expect((await me(before)).status).toBe(401);
  });
});

describe('A bogus authorization code is the caller’s problem, not an outage', () => {
  it('answers a genuine state with a wrong code with a 4xx that offers to start again', async () => {
    const browser = new TestBrowser();
    const url = new URL(await env.callbackUrl(browser, 'ada'));
    url.searchParams.set('code', 'bogus-code-from-nowhere');
    const response = await browser.request(url.toString(), { headers: json });
    expect(response.status).toBe(400);
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({ error: 'AUTHORIZATION_CODE_REJECTED', restartUrl: `/t/${TENANT}/login` });
    expect(body.correlationId).toEqual(expect.any(String));
    expect(ALARMED_FAILURE_REASONS).not.toContain(body.error);
    const audit = (await cli('audit', TENANT)).output as Array<{ type: string; reason?: string }>;
    expect(audit.filter((event) => event.type === 'login_failed').at(-1)?.reason).toBe('AUTHORIZATION_CODE_REJECTED');
  });

  it('tells the admin when Okta rejects the client credentials, with its own alarm', async () => {
    env.idp.setTokenEndpoint({ status: 401, body: JSON.stringify({ error: 'invalid_client' }) });
    const url = await env.callbackUrl(new TestBrowser(), 'ada');
    const response = await new TestBrowser().request(url, { headers: json }).catch(() => undefined);
    env.idp.setTokenEndpoint('normal');
    // The callback was opened in another browser: refused before the token endpoint.
    expect(response?.status).toBe(400);

    env.idp.setTokenEndpoint({ status: 401, body: JSON.stringify({ error: 'invalid_client' }) });
    const browser = new TestBrowser();
    const own = await browser.request(await env.callbackUrl(browser, 'ada'), { headers: json });
    env.idp.setTokenEndpoint('normal');
    const body = JSON.parse(own.body);
    expect(own.status).toBe(502);
    expect(body.error).toBe('CLIENT_AUTH_FAILED');
    expect(body.adminHint).toContain('client secret');
    expect(ALARMED_FAILURE_REASONS).toContain('CLIENT_AUTH_FAILED');
  });

  it('keeps TOKEN_ENDPOINT_FAILED for Okta failing', async () => {
    env.idp.setTokenEndpoint({ status: 503, body: 'upstream unavailable' });
    const browser = new TestBrowser();
    const response = await browser.request(await env.callbackUrl(browser, 'ada'), { headers: json });
    env.idp.setTokenEndpoint('normal');
    expect(response.status).toBe(502);
    expect(JSON.parse(response.body).error).toBe('TOKEN_ENDPOINT_FAILED');
  });
});

describe('Login-state cookies cannot pile up', () => {
  it.each(['GET', 'POST'])('keeps a browser usable after 60 initiations in a row by %s', async (method) => {
    const browser = new TestBrowser();
    const initiate = `${env.stack.url}/t/${TENANT}/login`;
    for (let i = 0; i < 60; i++) {
      const response =
        method === 'GET'
          ? await browser.request(`${initiate}?iss=${encodeURIComponent(env.idp.issuer)}`)
          : await browser.request(initiate, { method: 'POST', body: `iss=${encodeURIComponent(env.idp.issuer)}` });
      expect(response.status).toBe(302);
      const pending = (await browser.jar.getCookies(env.stack.url)).filter((c) => c.key.startsWith('__Host-login-'));
      expect(pending.length).toBeLessThanOrEqual(MAX_PENDING_LOGINS);
    }
    const { callback } = await env.login('ada', browser);
    expect(callback?.status).toBe(302);
    expect((await me(browser)).status).toBe(200);
  });
});

describe('Role maps cannot hang a login', () => {
  it.each([
    ['/(a+)+b/=admin', 'exponential'],
    ['/(a|a)*b/=admin', 'exponential'],
    ['/(.*a){12}/=admin', 'polynomial'],
    ['/\\d+\\d+\\d+x/=admin', 'polynomial'],
  ])('refuses %s when it is saved, changing nothing', async (mapping, kind) => {
    const before = (await cli('get', TENANT)).output;
    const result = await cli('put', TENANT, '--groups', '--role-map', mapping);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(kind);
    expect((await cli('get', TENANT)).output.roleMappings).toEqual(before.roleMappings);
  });

  it('accepts a quadratic but bounded pattern and logs in with hundreds of long groups', async () => {
    expect(await cli('put', TENANT, '--groups', '--role-map', '/.*Admin.*/=admin')).toMatchObject({ code: 0 });
    const groups = Array.from({ length: 600 }, (_, i) => `${'a'.repeat(90)}-${i}`);
    env.idp.mutateNextIdToken({ claims: { groups: [...groups, 'Org Admins'] } });
    const { browser, callback } = await env.login('ada');
    expect(callback?.status).toBe(302);
    const { user } = (await me(browser)).body;
    expect(user.groups.length).toBeLessThanOrEqual(200);
  });
});

describe('tenant put changes only what it is given', () => {
  it('keeps --auth-method and --org-url when another setting changes, and says what changed', async () => {
    const set = await cli('put', TENANT, '--auth-method', 'client_secret_post', '--org-url', 'http://127.0.0.1:9');
    expect(set.output.changed).toEqual(['orgUrl', 'tokenEndpointAuthMethod']);
    const update = await cli('put', TENANT, '--default-role', 'viewer');
    expect(update.code).toBe(0);
    expect(update.output.changed).toEqual(['defaultRoles']);
    expect(update.output.tenant).toMatchObject({
      tokenEndpointAuthMethod: 'client_secret_post',
      orgUrl: 'http://127.0.0.1:9',
      issuer: env.idp.issuer,
      clientId: CLIENT_ID,
    });
    const unchanged = await cli('put', TENANT);
    expect(unchanged.output.changed).toEqual([]);
    await cli('put', TENANT, '--auth-method', 'client_secret_basic', '--org-url', new URL(env.idp.issuer).origin);
  });
});

describe('tenant delete removes the tenant for good', () => {
  it('ends every session at once, removes users and owner, and a re-created id starts empty', async () => {
    const owner = (await env.login('ada')).browser;
    const member = (await env.login('grace')).browser;
    expect((await me(owner)).body.user.role).toBe('owner');
    const usersBefore = ((await cli('users', TENANT)).output as unknown[]).length;

    const deleted = await cli('delete', TENANT, '--yes');
    expect(deleted).toMatchObject({ code: 0, output: { deleted: TENANT, removed: { owner: 1, config: 1 } } });
    expect(deleted.output.removed.users).toBe(usersBefore);
    for (const browser of [owner, member]) {
      expect((await me(browser)).status).toBe(401);
      expect((await whoami(browser)).status).toBe(403);
    }
    expect((await cli('users', TENANT)).code).toBe(1);

    await registerTenant(env.stack.dynamoDbEndpoint, env.stack.tableName, {
      tenantId: TENANT,
      issuer: env.idp.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
    // The old cookies stay dead in the new tenant.
    expect((await me(owner)).status).toBe(401);
    expect((await me(member)).status).toBe(401);
    // A warm function still holding the old tenant in its cache cannot write into the new one:
    // the login is refused (nothing written) and the cache entry dropped.
    const stale = await env.login('grace');
    expect(stale.callback?.status).toBe(404);
    expect(await env.count('user')).toBe(0);
    // The new tenant's first login claims ownership.
    const first = (await env.login('grace')).browser;
    expect((await me(first)).body.user.role).toBe('owner');
    expect(((await cli('users', TENANT)).output as unknown[]).length).toBe(1);
  });

  it('deletes thousands of users, and finishes an interrupted delete before the id can be reused', async () => {
    const tenantId = 'bulk_co';
    await registerTenant(env.stack.dynamoDbEndpoint, env.stack.tableName, {
      tenantId,
      issuer: env.idp.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
    const client = createDocumentClient({ endpoint: env.stack.dynamoDbEndpoint });
    const users = Array.from({ length: 2500 }, (_, i) => ({
      ...keys.user(tenantId, `u_${String(i).padStart(32, '0')}`),
      type: 'user',
      tenantId,
    }));
    for (let i = 0; i < users.length; i += 25) {
      let pending = users.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [env.stack.tableName]: pending } }));
        pending = (out.UnprocessedItems?.[env.stack.tableName] ?? []) as typeof pending;
      }
    }
    // An interrupted delete: the config is gone, the users are not.
    await new DynamoDbTenantStore(client, env.stack.tableName).deleteTenant(tenantId);
    closeDocumentClient(client);
    const reuse = await cli(
      'put',
      tenantId,
      '--issuer',
      env.idp.issuer,
      '--client-id',
      CLIENT_ID,
      '--client-secret-stdin',
    );
    expect(reuse.code).toBe(2);
    expect(reuse.stderr).toContain('did not finish');

    const finished = await cli('delete', tenantId, '--yes');
    expect(finished).toMatchObject({ code: 0, output: { removed: { users: 2500, config: 0 } } });
    expect((await cli('delete', tenantId, '--yes')).code).toBe(1);
  });
});
