import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../../shared/config.ts';
import type { HttpResult } from '../../shared/http/responses.ts';
import { startLogin } from '../../shared/login/initiate-login.ts';
import { createLoginHandler, type LoginDependencies } from '../../shared/login/routes.ts';
import { DiscoveryCache } from '../../shared/oidc/discovery.ts';
import { SigningKeysCache } from '../../shared/oidc/signing-keys.ts';
import { createSessionHandler } from '../../shared/session/routes.ts';
import { TenantDirectory } from '../../shared/tenant-directory.ts';
import { buildTenantConfig } from '../../shared/tenants.ts';
import { createFakeOkta, FAKE_ISSUER, type FakeOkta } from '../support/fake-okta.ts';
import {
  FixedStateKey,
  InMemoryClientSecretStore,
  InMemoryIdentityStore,
  InMemorySetupStore,
  InMemoryTenantStore,
  RecordingTelemetry,
} from '../support/in-memory-stores.ts';

const PUBLIC_URL = 'https://login.example.com';
const logger = new Logger({ logLevel: 'SILENT' });
const context = {} as Context;

function event(
  routeKey: string,
  options: { query?: string; cookies?: string[]; body?: string; headers?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  const rawPath = path.replace('{tenant}', 'acme');
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: options.query ?? '',
    headers: {
      accept: 'text/html',
      ...(options.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...options.headers,
    },
    ...(options.cookies ? { cookies: options.cookies } : {}),
    pathParameters: path.includes('{tenant}') ? { tenant: 'acme' } : {},
    requestContext: { http: { method, path: rawPath }, requestId: 'req-12345678', domainName: 'login.example.com' },
    ...(options.body ? { body: options.body, isBase64Encoded: false } : {}),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

function cookiesFrom(result: HttpResult): string[] {
  return (result.cookies ?? []).map((cookie) => cookie.split(';')[0] ?? '').filter((pair) => !pair.endsWith('='));
}

describe('Login flow with in-memory ports', () => {
  let okta: FakeOkta;
  let tenants: InMemoryTenantStore;
  let identities: InMemoryIdentityStore;
  let telemetry: RecordingTelemetry;
  let login: ReturnType<typeof createLoginHandler>;
  let session: ReturnType<typeof createSessionHandler>;
  let deps: LoginDependencies;
  let setupStore: InMemorySetupStore;

  beforeEach(async () => {
    okta = await createFakeOkta();
    tenants = new InMemoryTenantStore();
    identities = new InMemoryIdentityStore(tenants);
    telemetry = new RecordingTelemetry();
    await tenants.putTenant(
      buildTenantConfig(
        { tenantId: 'acme', issuer: FAKE_ISSUER, clientId: '0oa-acme', requestGroups: true },
        { allowLoopback: false, now: new Date() },
      ),
    );
    const secrets = new InMemoryClientSecretStore();
    await secrets.putClientSecret('acme', 's3cr3t:with/odd chars');
    const config = readConfig({ TABLE_NAME: 't', PUBLIC_URL, ALLOWED_REDIRECT_ORIGINS: 'https://app.example.com' });
    setupStore = new InMemorySetupStore(tenants.table);
    deps = {
      config,
      tenants: new TenantDirectory(tenants),
      clientSecrets: secrets,
      stateKeys: new FixedStateKey(),
      logins: identities,
      audit: identities,
      setup: setupStore,
      discovery: new DiscoveryCache({ fetch: okta.fetch, timeoutMs: 1000, allowLoopback: false }),
      signingKeys: new SigningKeysCache({ fetch: okta.fetch, timeoutMs: 1000 }),
      fetch: okta.fetch,
      telemetry,
      logger,
      now: () => new Date(),
    };
    login = createLoginHandler(deps);
    session = createSessionHandler({
      config,
      sessions: identities,
      audit: identities,
      tenants: new TenantDirectory(tenants),
      logger,
      now: () => new Date(),
    });
  });

  async function initiate(query = `iss=${encodeURIComponent(FAKE_ISSUER)}`) {
    const result = (await login(event('GET /t/{tenant}/login', { query }), context)) as HttpResult;
    expect(result.statusCode).toBe(302);
    const authorize = new URL(result.headers.location ?? '');
    return { result, authorize, cookies: cookiesFrom(result) };
  }

  it('sends the tile click to Okta with state, nonce, PKCE and the groups scope', async () => {
    const { authorize, result } = await initiate(
      `iss=${encodeURIComponent(FAKE_ISSUER)}&login_hint=ada%40acme.example`,
    );
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${FAKE_ISSUER}/v1/authorize`);
    const params = Object.fromEntries(authorize.searchParams);
    expect(params).toMatchObject({
      response_type: 'code',
      client_id: '0oa-acme',
      redirect_uri: `${PUBLIC_URL}/t/acme/callback`,
      scope: 'openid email profile groups',
      code_challenge_method: 'S256',
      login_hint: 'ada@acme.example',
    });
    expect(params.state).toMatch(/^[\w-]{22}$/);
    expect(params.nonce).toMatch(/^[\w-]{22}$/);
    expect(params.code_challenge).toMatch(/^[\w-]{43}$/);
    expect(result.cookies?.[0]).toMatch(
      /^__Host-login-[\w-]{12}=.+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    expect(result.headers['cache-control']).toBe('no-store');
  });

  it('accepts the Okta org URL as iss', async () => {
    await initiate(`iss=${encodeURIComponent('https://acme.okta.example')}`);
  });

  it('refuses a foreign iss without contacting it', async () => {
    const result = (await login(
      event('GET /t/{tenant}/login', { query: 'iss=https%3A%2F%2Fevil.example' }),
      context,
    )) as HttpResult;
    expect(result.statusCode).toBe(400);
    expect(okta.calls).toHaveLength(0);
    expect(result.body).toContain('req-12345678');
  });

  it('answers 404 for an unknown tenant and logs which (sanitised) id was asked for', async () => {
    const warnings = vi.spyOn(logger, 'warn');
    const unknown = event('GET /t/{tenant}/login');
    unknown.pathParameters = { tenant: 'globex' };
    expect(((await login(unknown, context)) as HttpResult).statusCode).toBe(404);
    unknown.pathParameters = { tenant: `Evil<script>\n${'x'.repeat(100)}` };
    expect(((await login(unknown, context)) as HttpResult).statusCode).toBe(404);
    const logged = warnings.mock.calls.filter(([message]) => message === 'unknown tenant').map(([, extra]) => extra);
    expect(logged).toEqual([{ requestedTenant: 'globex' }, { requestedTenant: `Evil?script??${'x'.repeat(51)}` }]);
    warnings.mockRestore();
  });

  it('completes the callback: code exchange with basic auth, user as owner, session cookie, /me', async () => {
    const { authorize, cookies } = await initiate();
    const state = authorize.searchParams.get('state') ?? '';
    await okta.nextIdToken({
      iss: FAKE_ISSUER,
      sub: '00uada',
      aud: '0oa-acme',
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 300,
      nonce: authorize.searchParams.get('nonce'),
      email: 'ada@acme.example',
      name: 'Ada Lovelace',
      groups: ['Engineering'],
    });
    const callback = (await login(
      event('GET /t/{tenant}/callback', { query: `code=abc&state=${state}`, cookies }),
      context,
    )) as HttpResult;
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/signed-in');

    const tokenCall = okta.calls.find((call) => call.url.endsWith('/v1/token'));
    const headers = tokenCall?.init?.headers as Record<string, string>;
    const basic = Buffer.from((headers.authorization ?? '').replace('Basic ', ''), 'base64').toString();
    expect(basic).toBe(`0oa-acme:${encodeURIComponent('s3cr3t:with/odd chars')}`);
    const form = new URLSearchParams(String(tokenCall?.init?.body));
    expect(form.get('code')).toBe('abc');
    expect(form.get('code_verifier')).toMatch(/^[\w-]{43}$/);
    expect(form.get('client_secret')).toBeNull();

    const sessionCookie = cookiesFrom(callback).find((cookie) => cookie.startsWith('__Host-session='));
    expect(sessionCookie).toBeDefined();
    const me = (await session(event('GET /me', { cookies: [sessionCookie ?? ''] }), context)) as HttpResult;
    expect(me.statusCode).toBe(200);
    expect(JSON.parse(me.body ?? '{}')).toMatchObject({
      tenant: 'acme',
      user: { sub: '00uada', email: 'ada@acme.example', name: 'Ada Lovelace', role: 'owner', groups: ['Engineering'] },
    });
    expect(telemetry.successes).toEqual([{ tenantId: 'acme', firstLogin: true }]);
  });

  it('sends the client secret in the form with client_secret_post when the tenant asks for it', async () => {
    const existing = tenants.tenants.get('acme');
    if (!existing) throw new Error('tenant missing');
    tenants.tenants.set('acme', { ...existing, tokenEndpointAuthMethod: 'client_secret_post' });
    const { authorize, cookies } = await initiate();
    await okta.nextIdToken({
      iss: FAKE_ISSUER,
      sub: '00upost',
      aud: '0oa-acme',
      iat: Math.floor(Date.now() / 1000),
      exp: Math.floor(Date.now() / 1000) + 300,
      nonce: authorize.searchParams.get('nonce'),
    });
    const callback = (await login(
      event('GET /t/{tenant}/callback', { query: `code=abc&state=${authorize.searchParams.get('state')}`, cookies }),
      context,
    )) as HttpResult;
    expect(callback.statusCode).toBe(302);
    const tokenCall = okta.calls.find((call) => call.url.endsWith('/v1/token'));
    const headers = tokenCall?.init?.headers as Record<string, string>;
    expect(headers.authorization).toBeUndefined();
    const form = new URLSearchParams(String(tokenCall?.init?.body));
    expect(form.get('client_id')).toBe('0oa-acme');
    expect(form.get('client_secret')).toBe('s3cr3t:with/odd chars');
  });

  it('refuses a callback without the browser’s state cookie before contacting Okta', async () => {
    const { authorize } = await initiate();
    okta.calls.length = 0;
    const result = (await login(
      event('GET /t/{tenant}/callback', { query: `code=abc&state=${authorize.searchParams.get('state')}` }),
      context,
    )) as HttpResult;
    expect(result.statusCode).toBe(400);
    expect(okta.calls).toHaveLength(0);
    expect(identities.sessions.size).toBe(0);
    expect(result.body).toContain('/t/acme/login');
  });

  it('refuses a replayed state', async () => {
    const { authorize, cookies } = await initiate();
    const query = `code=abc&state=${authorize.searchParams.get('state')}`;
    const first = (await login(event('GET /t/{tenant}/callback', { query, cookies }), context)) as HttpResult;
    expect(first.statusCode).toBe(400); // no token queued: Okta says invalid_grant, the caller's problem
    expect(telemetry.failures).toEqual(['AUTHORIZATION_CODE_REJECTED']);
    okta.calls.length = 0;
    const replay = (await login(event('GET /t/{tenant}/callback', { query, cookies }), context)) as HttpResult;
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('already been used');
    expect(okta.calls).toHaveLength(0);
  });

  it('turns access_denied for an unassigned user into a page that says so', async () => {
    const { authorize, cookies } = await initiate();
    const state = authorize.searchParams.get('state');
    const result = (await login(
      event('GET /t/{tenant}/callback', {
        query: `error=access_denied&error_description=User+is+not+assigned+to+the+client+application.&state=${state}`,
        cookies,
      }),
      context,
    )) as HttpResult;
    expect(result.statusCode).toBe(403);
    expect(result.body).toContain('not assigned');
    expect(telemetry.failures).toEqual(['USER_NOT_ASSIGNED']);
  });

  it('shows only the generic page for an IdP error without a genuine login attempt', async () => {
    const result = (await login(
      event('GET /t/{tenant}/callback', {
        query: 'error=access_denied&error_description=User+is+not+assigned+to+the+client+application.&state=x',
      }),
      context,
    )) as HttpResult;
    expect(result.statusCode).toBe(400);
    expect(result.body).not.toContain('not assigned');
    expect(telemetry.failures).toEqual(['STATE_INVALID']);
  });

  it('bounces an Okta Simplified id_token post into a fresh code flow', async () => {
    const result = (await login(
      event('POST /t/{tenant}/callback', { body: 'id_token=eyJhbGciOiJub25lIn0.e30.' }),
      context,
    )) as HttpResult;
    expect(result.statusCode).toBe(302);
    expect(result.headers.location).toContain(`${FAKE_ISSUER}/v1/authorize`);
    expect(result.cookies?.some((cookie) => cookie.startsWith('__Host-session='))).toBe(false);
    expect(identities.sessions.size).toBe(0);
  });

  it('keeps an allow-listed target_link_uri and drops a foreign one', async () => {
    for (const [target, expected] of [
      ['https://app.example.com/projects', 'https://app.example.com/projects'],
      ['https://evil.example/', '/signed-in'],
    ] as const) {
      const { authorize, cookies } = await initiate(`target_link_uri=${encodeURIComponent(target)}`);
      await okta.nextIdToken({
        iss: FAKE_ISSUER,
        sub: '00uada',
        aud: '0oa-acme',
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 300,
        nonce: authorize.searchParams.get('nonce'),
      });
      const callback = (await login(
        event('GET /t/{tenant}/callback', { query: `code=c&state=${authorize.searchParams.get('state')}`, cookies }),
        context,
      )) as HttpResult;
      expect(callback.headers.location).toBe(expected);
    }
  });

  it('answers JSON with a correlation id when the client asks for JSON', async () => {
    const result = (await login(
      event('GET /t/{tenant}/callback', { query: 'code=abc', headers: { accept: 'application/json' } }),
      context,
    )) as HttpResult;
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body ?? '{}')).toMatchObject({ error: 'STATE_MISSING', correlationId: 'req-12345678' });
  });

  describe('a tenant waiting for its setup link', () => {
    beforeEach(() => {
      const live = tenants.tenants.get('acme');
      if (live) tenants.tenants.set('acme', { ...live, status: 'setup' });
    });

    it('answers a tile click with "setup not finished", asking Okta nothing', async () => {
      const result = (await login(event('GET /t/{tenant}/login'), context)) as HttpResult;
      expect(result.statusCode).toBe(403);
      expect(result.body).toContain('Setup not finished');
      expect(okta.calls).toHaveLength(0);
    });

    it('completes a setup-test sign-in as a verified login, writing its result and nothing else', async () => {
      const tenant = tenants.tenants.get('acme');
      if (!tenant) throw new Error('no tenant');
      const started = await startLogin(deps, event('POST /t/{tenant}/setup/test'), tenant, {
        target: undefined,
        loginHint: undefined,
        purpose: 'setup-test',
      });
      const authorize = new URL(started.headers.location ?? '');
      await okta.nextIdToken({
        iss: FAKE_ISSUER,
        sub: '00uada',
        aud: '0oa-acme',
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 300,
        nonce: authorize.searchParams.get('nonce'),
        email: 'ada@acme.example',
      });
      const query = `code=abc&state=${authorize.searchParams.get('state')}`;
      const callback = (await login(
        event('GET /t/{tenant}/callback', { query, cookies: cookiesFrom(started) }),
        context,
      )) as HttpResult;
      expect(callback.statusCode).toBe(302);
      expect(callback.headers.location).toBe('/t/acme/setup#test-result');
      expect(cookiesFrom(callback)).toEqual([]);
      expect(identities.users.size).toBe(0);
      expect(identities.sessions.size).toBe(0);
      expect(tenants.tenants.get('acme')?.hasOwner).toBeUndefined();
      expect(telemetry.successes).toEqual([]);
      expect(await setupStore.getSetupTestResult('acme')).toMatchObject({
        outcome: 'signed_in',
        claims: { sub: '00uada', email: 'ada@acme.example', groups: undefined },
      });
      expect(identities.auditEvents.map((e) => [e.type, e.actor])).toEqual([['setup_test_sign_in', 'setup-link']]);
    });

    it('refuses a login state without the setup-test marker for it', async () => {
      const tenant = tenants.tenants.get('acme');
      if (!tenant) throw new Error('no tenant');
      const started = await startLogin(deps, event('GET /t/{tenant}/login'), tenant, {
        target: undefined,
        loginHint: undefined,
      });
      const state = new URL(started.headers.location ?? '').searchParams.get('state');
      const callback = (await login(
        event('GET /t/{tenant}/callback', { query: `code=abc&state=${state}`, cookies: cookiesFrom(started) }),
        context,
      )) as HttpResult;
      expect(callback.statusCode).toBe(403);
      expect(callback.body).toContain('Setup not finished');
      expect(okta.calls.some((call) => call.url.endsWith('/v1/token'))).toBe(false);
    });
  });
});
