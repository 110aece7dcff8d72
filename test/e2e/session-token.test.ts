/**
 * `GET /session/token` end to end through the local stack: the token's header
 * and claims, verified with jose against the published key set as an app's
 * backend does; its lifetime capped by the session; CORS (the deployment's
 * app origins and the session tenant's own, exact, `Vary: Origin` always,
 * `null` never) and the preflight; a cross-site page gets no cookie; every
 * kind of revocation answers 401 from the next request; an emergency key
 * removal stops signing and verification; the authorizer refuses a session
 * token as an app credential; no private key in any answer or log line.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { type DynamoDbProxy, startDynamoDbProxy } from '../../local/dynamodb-proxy.ts';
import { freePort } from '../../local/free-port.ts';
import {
  corsAllowed as ALLOWED,
  corsOf,
  type Hop,
  CORS_REFUSED as REFUSED,
  TestBrowser,
} from '../../local/http-browser.ts';
import { keys } from '../../shared/adapters/dynamodb/table-schema.ts';
import { hashSessionToken, parseSessionCookie } from '../../shared/sessions.ts';
import { cli } from '../support/cli.ts';
import { testWithFront } from '../support/fixtures.ts';
import {
  ACME_ORIGIN,
  BETA,
  BETA_ORIGIN,
  CLIENT_ID,
  type MisbehavingStack,
  TENANT,
} from '../support/misbehaving-stack.ts';
import type { TestOktaOrg } from '../support/okta-org.ts';
import { patch, scimClient } from '../support/scim-client.ts';

/** The app: nothing needs to listen there, its calls are made here with its Origin. */
const APP_ORIGIN = 'http://localhost:4110';
/** The same app opened as 127.0.0.1: another site than the service on localhost (allowed, so it can read its 401). */
const CROSS_SITE_ORIGIN = 'http://127.0.0.1:4110';
const FOREIGN_ORIGINS = [
  'https://evil.example',
  `${APP_ORIGIN}.evil.test`,
  'https://localhost:4110',
  BETA_ORIGIN,
  'null',
];

/** The functions' DynamoDB requests go through the counting proxy. */
const test = testWithFront(startDynamoDbProxy);
test.override('stackOptions', async () => {
  // The service's own URL is named in its environment, so its port is chosen first.
  const port = await freePort();
  const serviceUrl = `http://localhost:${port}`;
  return {
    port,
    env: {
      APP_URL: `${APP_ORIGIN}/home`,
      APP_ORIGINS: CROSS_SITE_ORIGIN,
      SIGNING_KEY_PUBLICATION_DELAY_SECONDS: '0',
      // A deployment that (wrongly) points its app credentials at our own issuer and key set.
      APP_CREDENTIAL_ISSUER: serviceUrl,
      APP_CREDENTIAL_AUDIENCE: APP_ORIGIN,
      APP_CREDENTIAL_JWKS_URI: `${serviceUrl}/.well-known/jwks.json`,
      LOG_LEVEL: 'DEBUG',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    },
  };
});

let env: MisbehavingStack;
let org: TestOktaOrg;
let table: DynamoDBDocumentClient;
let scimToken: string;
/** Counts what the functions send to DynamoDB, on the wire. */
let proxy: DynamoDbProxy;
let captured: string[];
const answers: string[] = [];

test.beforeAll(async ({ logs, dynamoDbFront, table: client, stack, oktaOrg, betaTenant }) => {
  captured = logs;
  proxy = dynamoDbFront;
  table = client;
  env = stack;
  org = oktaOrg;
  // Before any request, so no function has the tenants cached without their origins.
  const acme = await cli('put', TENANT, '--org-url', org.url, '--allowed-redirect-origin', ACME_ORIGIN);
  expect(acme.code).toBe(0);
  const beta = await cli('put', betaTenant.tenant, '--allowed-redirect-origin', BETA_ORIGIN);
  expect(beta.code).toBe(0);
  scimToken = (await cli('scim-token', TENANT)).output.token as string;
});

const jwksUrl = () => new URL(`${env.stack.url}/.well-known/jwks.json`);

async function signIn(login: string, tenant = TENANT): Promise<TestBrowser> {
  const { browser, callback } = await env.login(login, { tenant, until: 'callback' });
  expect(callback?.status, `sign-in of ${login}`).toBe(302);
  return browser;
}

/** The app's script calling `GET /session/token` from `origin` (same-site unless told), with the browser's cookie. */
async function tokenRequest(
  browser: TestBrowser,
  origin: string | null = APP_ORIGIN,
  site: { fetchSite?: string; sameSiteContext?: 'strict' | 'lax' | 'none' } = {},
): Promise<Hop> {
  const hop = await browser.request(`${env.stack.url}/session/token`, {
    headers: {
      accept: 'application/json',
      ...(origin ? { origin, 'sec-fetch-site': site.fetchSite ?? 'same-site' } : {}),
    },
    ...(site.sameSiteContext ? { sameSiteContext: site.sameSiteContext } : {}),
  });
  answers.push(hop.body);
  return hop;
}

async function tokenOf(browser: TestBrowser): Promise<{ token: string; expiresAt: string }> {
  const hop = await tokenRequest(browser);
  expect(hop.status, hop.body).toBe(200);
  return JSON.parse(hop.body);
}

async function me(browser: TestBrowser) {
  const hop = await browser.request(`${env.stack.url}/me`, { headers: { accept: 'application/json' } });
  return JSON.parse(hop.body);
}

/** Verifies like the app's backend (local/demo-app-verify.ts), with a key set fetched now. */
function verify(token: string) {
  return jwtVerify(token, createRemoteJWKSet(jwksUrl()), {
    algorithms: ['RS256'],
    typ: 'session+jwt',
    issuer: env.stack.url,
    audience: APP_ORIGIN,
  });
}

async function sessionHashOf(browser: TestBrowser): Promise<string> {
  const cookie = parseSessionCookie(await browser.cookieValue(env.stack.url, '__Host-session'));
  if (!cookie) throw new Error('no session cookie');
  return hashSessionToken(cookie.token);
}

describe('GET /session/token', () => {
  it('signs the user into a token the app verifies with jose against the published key set', async () => {
    const browser = await signIn('ada');
    const hop = await tokenRequest(browser);
    expect(hop.status).toBe(200);
    expect(hop.headers.get('cache-control')).toBe('no-store');
    expect(hop.headers.get('content-type')).toMatch(/^application\/json/);
    expect(corsOf(hop)).toEqual(ALLOWED(APP_ORIGIN));
    const { token, expiresAt } = JSON.parse(hop.body);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: expect.any(String), typ: 'session+jwt' });
    const { payload } = await verify(token);
    const user = (await me(browser)).user;
    expect(payload).toEqual({
      iss: env.stack.url,
      aud: APP_ORIGIN,
      sub: user.id,
      tenant: TENANT,
      role: user.role,
      roles: user.roles,
      email: user.email,
      email_verified: true,
      name: 'Ada Lovelace',
      sid: expect.stringMatching(/^[\w-]{43}$/),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect(Array.isArray(payload.roles)).toBe(true);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
    expect(expiresAt).toBe(new Date((payload.exp ?? 0) * 1000).toISOString());
    // sid: stable for the session, neither the cookie's token nor the table key.
    const hash = await sessionHashOf(browser);
    const cookie = (await browser.cookieValue(env.stack.url, '__Host-session')) ?? '';
    expect(payload.sid).not.toBe(hash);
    expect(token).not.toContain(hash);
    expect(JSON.stringify(payload)).not.toContain(cookie.split('.').at(-1));
    expect(decodeJwt((await tokenOf(browser)).token).sid).toBe(payload.sid);
    expect(decodeJwt((await tokenOf(await signIn('ada'))).token).sid).not.toBe(payload.sid);
  });

  it('costs one DynamoDB request once the private key set is cached: session, user, tenant and public keys in one BatchGetItem', async () => {
    const browser = await signIn('ada');
    await tokenOf(browser);
    proxy.operations.length = 0;
    await tokenOf(browser);
    expect(proxy.operations).toEqual(['BatchGetItem']);
  });

  it('starts from the issuer: discovery names the key set the token verifies against', async () => {
    const discovery = await (await fetch(`${env.stack.url}/.well-known/openid-configuration`)).json();
    expect(discovery.issuer).toBe(env.stack.url);
    const { token } = await tokenOf(await signIn('ada'));
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: discovery.issuer,
      audience: APP_ORIGIN,
      algorithms: ['RS256'],
    });
    expect(payload.tenant).toBe(TENANT);
  });

  it('never outlives the session: exp is the session’s expiry when that comes first', async () => {
    const browser = await signIn('ada');
    const expiresAt = Math.floor(Date.now() / 1000) + 120;
    await table.send(
      new UpdateCommand({
        TableName: env.stack.tableName,
        Key: keys.session(await sessionHashOf(browser)),
        UpdateExpression: 'SET expiresAt = :at',
        ExpressionAttributeValues: { ':at': expiresAt },
      }),
    );
    const body = await tokenOf(browser);
    expect(decodeJwt(body.token).exp).toBe(expiresAt);
    expect(body.expiresAt).toBe(new Date(expiresAt * 1000).toISOString());
  });

  it('answers 401 JSON without a session, readable by an allowed origin, Vary: Origin always', async () => {
    const stranger = new TestBrowser();
    const hop = await tokenRequest(stranger);
    expect(hop.status).toBe(401);
    expect(JSON.parse(hop.body)).toMatchObject({ error: 'NOT_AUTHENTICATED', correlationId: expect.any(String) });
    expect(corsOf(hop)).toEqual(ALLOWED(APP_ORIGIN));
    // Even a caller that asks for HTML gets JSON: the callers are programs.
    const html = await stranger.request(`${env.stack.url}/session/token`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(401);
    expect(html.headers.get('content-type')).toMatch(/^application\/json/);
    expect(html.headers.get('vary')).toBe('Origin');
  });
});

describe('CORS for the app', () => {
  it('lets the app origins and the session tenant’s own origins read the token', async () => {
    const browser = await signIn('ada');
    for (const origin of [APP_ORIGIN, CROSS_SITE_ORIGIN, ACME_ORIGIN]) {
      const hop = await tokenRequest(browser, origin);
      expect(hop.status, origin).toBe(200);
      expect(corsOf(hop), origin).toEqual(ALLOWED(origin));
    }
    const sameOrigin = await tokenRequest(browser, null);
    expect(sameOrigin.status).toBe(200);
    expect(corsOf(sameOrigin)).toEqual(REFUSED);
  });

  it('gives every other origin, null included, no CORS headers, only Vary: Origin', async () => {
    const browser = await signIn('ada');
    for (const origin of FOREIGN_ORIGINS) {
      expect(corsOf(await tokenRequest(browser, origin, { fetchSite: 'cross-site' })), origin).toEqual(REFUSED);
    }
  });

  it('never lets an origin allowed only for tenant B read a tenant-A user’s token', async () => {
    const acme = await signIn('ada');
    expect(corsOf(await tokenRequest(acme, BETA_ORIGIN))).toEqual(REFUSED);
    const beta = await signIn('bea', BETA);
    const hop = await tokenRequest(beta, BETA_ORIGIN);
    expect(hop.status).toBe(200);
    expect(corsOf(hop)).toEqual(ALLOWED(BETA_ORIGIN));
    expect(decodeJwt(JSON.parse(hop.body).token).tenant).toBe(BETA);
    expect(corsOf(await tokenRequest(beta, ACME_ORIGIN))).toEqual(REFUSED);
  });

  it('answers the preflight for the deployment’s app origins only; null never', async () => {
    const preflight = (origin: string, method = 'GET') =>
      fetch(`${env.stack.url}/session/token`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': method },
      });
    const ok = await preflight(APP_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-methods')).toBe('GET');
    expect(ok.headers.get('vary')).toBe('Origin');
    for (const origin of [...FOREIGN_ORIGINS, ACME_ORIGIN]) {
      const refused = await preflight(origin);
      expect(refused.status, origin).toBe(204);
      expect(refused.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(refused.headers.get('vary')).toBe('Origin');
    }
    expect((await preflight(APP_ORIGIN, 'POST')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a cross-site page (the app opened as 127.0.0.1) gets 401: the SameSite=Lax cookie is not sent', async () => {
    const browser = await signIn('ada');
    // A fetch from another site is a cross-site subresource request: the browser leaves the Lax cookie out.
    const hop = await tokenRequest(browser, CROSS_SITE_ORIGIN, { fetchSite: 'cross-site', sameSiteContext: 'none' });
    expect(hop.status).toBe(401);
    expect(corsOf(hop)).toEqual(ALLOWED(CROSS_SITE_ORIGIN));
    expect((await tokenRequest(browser)).status).toBe(200);
  });
});

describe('401 from the next request after every kind of revocation', () => {
  const scim = () => scimClient(env.stack.url, TENANT, () => scimToken);

  it.each([
    [
      'logout from the app',
      async (browser: TestBrowser) => {
        const out = await browser.request(`${env.stack.url}/logout`, {
          method: 'POST',
          headers: { origin: APP_ORIGIN, 'sec-fetch-site': 'same-site', accept: 'application/json' },
        });
        expect(out.status).toBe(200);
      },
    ],
    [
      'revoke-sessions --user',
      async (_browser: TestBrowser, userId: string) => {
        expect((await cli('revoke-sessions', TENANT, '--user', userId)).code).toBe(0);
      },
    ],
    [
      'disable-user',
      async (_browser: TestBrowser, userId: string) => {
        expect((await cli('disable-user', TENANT, userId)).code).toBe(0);
      },
    ],
    [
      'Universal Logout',
      async (_browser: TestBrowser, _userId: string, sub: string) => {
        const endpoint = `${env.stack.url}/t/${TENANT}/global-token-revocation`;
        const bearer = await org.revocationToken({ sub: CLIENT_ID, aud: endpoint });
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
          body: JSON.stringify({ sub_id: { format: 'iss_sub', iss: org.url, sub } }),
        });
        expect(response.status).toBe(204);
      },
    ],
    [
      'SCIM deactivation',
      async (_browser: TestBrowser, userId: string) => {
        const response = await scim()(
          'PATCH',
          `/Users/${userId}`,
          patch({ op: 'replace', path: 'active', value: false }),
        );
        expect(response.status).toBe(200);
      },
    ],
  ])('after %s', async (name, revoke) => {
    // Each case its own user (the test IdP derives `sub` from a login's first 8 letters).
    const login = `tk${name
      .replace(/[^a-z]/gi, '')
      .slice(0, 6)
      .toLowerCase()}`;
    const browser = await signIn(login);
    const before = await tokenOf(browser);
    const user = (await me(browser)).user;
    await revoke(browser, user.id, user.sub);
    const hop = await tokenRequest(browser);
    expect(hop.status).toBe(401);
    expect(corsOf(hop)).toEqual(ALLOWED(APP_ORIGIN));
    // Tokens already issued live until exp (SECURITY.md): still valid against the key set.
    await expect(verify(before.token)).resolves.toBeDefined();
  });

  it('after tenant delete', async () => {
    const browser = await signIn('bedel', BETA);
    await tokenOf(browser);
    expect((await cli('delete', BETA, '--yes')).code).toBe(0);
    expect((await tokenRequest(browser, BETA_ORIGIN)).status).toBe(401);
  });
});

describe('no confusion with app credentials', () => {
  it('the authorizer refuses a valid session token presented as the app’s own credential', async () => {
    const { token } = await tokenOf(await signIn('ada'));
    await expect(verify(token)).resolves.toBeDefined();
    const hop = await new TestBrowser().request(`${env.stack.url}/app/whoami`, {
      headers: { accept: 'application/json', authorization: `Bearer ${token}`, 'x-tenant-id': TENANT },
    });
    expect(hop.status).toBe(403);
  });
});

describe('emergency key removal', () => {
  it('stops signing with the key from the next request, its tokens stop verifying, and the standby signs the very next token', async () => {
    const browser = await signIn('ada');
    const before = await tokenOf(browser);
    const kid = decodeProtectedHeader(before.token).kid as string;
    // Published at the stack's start: with the publication delay 0 here, ripe at once.
    const standby = (await cli('signing-keys', 'list')).output.standby as string;
    expect(standby).toBeTypeOf('string');
    expect(standby).not.toBe(kid);
    const removed = await cli('signing-keys', 'remove', kid, '--yes');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.output).toMatchObject({ replacement: standby, promotedStandby: true });
    // This instance still has the private set cached (SECRETS_CACHE_SECONDS): the fresh public set decides.
    const next = await tokenRequest(browser);
    expect(next.status, next.body).toBe(200);
    expect(corsOf(next)).toEqual(ALLOWED(APP_ORIGIN));
    const { token } = JSON.parse(next.body) as { token: string };
    expect(decodeProtectedHeader(token).kid).toBe(standby);
    await expect(verify(token)).resolves.toBeDefined();
    const published = await (await fetch(jwksUrl())).json();
    expect(published.keys.map((key: { kid: string }) => key.kid)).not.toContain(kid);
    await expect(verify(before.token)).rejects.toThrow();
  });
});

describe('the private key stays private', () => {
  it('appears in no answer and no log line', async () => {
    const jwks = await (await fetch(jwksUrl())).text();
    answers.push(jwks);
    for (const key of JSON.parse(jwks).keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    }
    answers.push((await tokenRequest(await signIn('ada'))).body);
    const { Item } = await table.send(
      new GetCommand({ TableName: env.stack.tableName, Key: keys.localPrivateSigningKeys() }),
    );
    const secrets: string[] = [];
    for (const key of (Item?.keys ?? []) as Array<{ privateJwk: Record<string, string> }>) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
        if (key.privateJwk[member]) secrets.push(key.privateJwk[member]);
      }
    }
    expect(secrets.length).toBeGreaterThan(0);
    const log = captured.join('');
    expect(log).toContain('"route":"GET /session/token"');
    for (const secret of secrets) {
      expect(log.includes(secret.slice(0, 32))).toBe(false);
      expect(answers.some((answer) => answer.includes(secret.slice(0, 32)))).toBe(false);
    }
  });
});
