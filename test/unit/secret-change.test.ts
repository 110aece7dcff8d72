/**
 * A client secret changed while a warm login function still holds the old
 * one (and the old tenant) in memory: on Okta's `invalid_client` the callback
 * looks at the tenant and secret again and redeems the same code once more
 * when they changed; a secret that is truly wrong gets one more attempt at
 * most, and forced reads past the caches are rate-limited per tenant (clock
 * injected). In-memory ports, a scripted Okta that checks the client secret.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../../shared/config.ts';
import type { HttpResult } from '../../shared/http/responses.ts';
import { createLoginHandler, type LoginDependencies } from '../../shared/login/routes.ts';
import { DiscoveryCache } from '../../shared/oidc/discovery.ts';
import { SigningKeysCache } from '../../shared/oidc/signing-keys.ts';
import type { ClientSecretStore } from '../../shared/ports.ts';
import { TenantDirectory } from '../../shared/tenant-directory.ts';
import { buildTenantConfig, type TenantConfig } from '../../shared/tenants.ts';
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
const CLIENT_ID = '0oa-acme';
const OLD_SECRET = 'old-secret-0123456789';
const NEW_SECRET = 'new-secret-9876543210';
const COOLDOWN_MS = 5_000;
const context = {} as Context;

function event(routeKey: string, options: { query?: string; cookies?: string[] } = {}): APIGatewayProxyEventV2 {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  const rawPath = path.replace('{tenant}', 'acme');
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: options.query ?? '',
    headers: { accept: 'text/html' },
    ...(options.cookies ? { cookies: options.cookies } : {}),
    pathParameters: { tenant: 'acme' },
    requestContext: { http: { method, path: rawPath }, requestId: 'req-12345678', domainName: 'login.example.com' },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

function cookiesFrom(result: HttpResult): string[] {
  return (result.cookies ?? []).map((cookie) => cookie.split(';')[0] ?? '').filter((pair) => !pair.endsWith('='));
}

/** Cached as the Secrets Manager and table stores cache (a warm container), `fresh` reads past it. */
class CachingSecretStore implements ClientSecretStore {
  readonly #cache = new Map<string, string>();
  freshReads = 0;
  constructor(readonly stored: InMemoryClientSecretStore) {}
  async getClientSecret(tenantId: string, options: { readonly fresh?: boolean } = {}) {
    const cached = this.#cache.get(tenantId);
    if (cached !== undefined && !options.fresh) return cached;
    if (options.fresh) this.freshReads++;
    const secret = await this.stored.getClientSecret(tenantId);
    if (secret) this.#cache.set(tenantId, secret);
    return secret;
  }
  hasClientSecret = (tenantId: string) => this.stored.hasClientSecret(tenantId);
  putClientSecret = (tenantId: string, secret: string) => this.stored.putClientSecret(tenantId, secret);
  deleteClientSecret = (tenantId: string) => this.stored.deleteClientSecret(tenantId);
}

interface TokenCall {
  readonly code: string;
  readonly status: number;
}

describe('A changed client secret on a warm login function', () => {
  let okta: FakeOkta;
  let tenants: InMemoryTenantStore;
  let stored: InMemoryClientSecretStore;
  let secrets: CachingSecretStore;
  let identities: InMemoryIdentityStore;
  let directory: TenantDirectory;
  let clock: number;
  let tenantReads: number;
  /** The secret the scripted Okta accepts (its app's current secret). */
  let accepted: string;
  let acceptedMethod: 'client_secret_basic' | 'client_secret_post';
  /** Plays an identity provider that counts a refused attempt as the code's use. */
  let spendsRefusedCodes: boolean;
  /** Token responses by code: each code redeems once, after its client authenticated. */
  let grants: Map<string, unknown>;
  /** A code's first token request waits for this before it is answered. */
  let holds: Map<string, Promise<void>>;
  /** Codes whose token request has arrived and is being held. */
  let held: Set<string>;
  let tokenCalls: TokenCall[];
  let login: ReturnType<typeof createLoginHandler>;

  function tenantConfig(existing?: TenantConfig): TenantConfig {
    return buildTenantConfig(
      { tenantId: 'acme', issuer: FAKE_ISSUER, clientId: CLIENT_ID },
      { allowLoopback: false, now: new Date(), existing },
    );
  }

  beforeEach(async () => {
    okta = await createFakeOkta();
    tenants = new InMemoryTenantStore();
    await tenants.putTenant(tenantConfig());
    stored = new InMemoryClientSecretStore();
    await stored.putClientSecret('acme', OLD_SECRET);
    secrets = new CachingSecretStore(stored);
    identities = new InMemoryIdentityStore(tenants);
    accepted = OLD_SECRET;
    acceptedMethod = 'client_secret_basic';
    spendsRefusedCodes = false;
    grants = new Map();
    holds = new Map();
    held = new Set();
    tokenCalls = [];
    clock = 1_000_000;
    tenantReads = 0;
    const counted = Object.create(tenants) as InMemoryTenantStore;
    counted.getTenant = (tenantId) => {
      tenantReads++;
      return tenants.getTenant(tenantId);
    };
    directory = new TenantDirectory(counted, { ttlMs: 300_000, now: () => clock });
    const fetch = async (input: string, init?: RequestInit): Promise<Response> => {
      if (!input.endsWith('/v1/token')) return okta.fetch(input, init);
      const form = new URLSearchParams(String(init?.body));
      const code = form.get('code') ?? '';
      const hold = holds.get(code);
      holds.delete(code);
      if (hold) {
        held.add(code);
        await hold;
      }
      const authorization = (init?.headers as Record<string, string> | undefined)?.authorization;
      const method = authorization ? 'client_secret_basic' : 'client_secret_post';
      const secret = authorization
        ? decodeURIComponent(Buffer.from(authorization.slice(6), 'base64').toString().split(':')[1] ?? '')
        : form.get('client_secret');
      const answer = (status: number, body: unknown) => {
        tokenCalls.push({ code, status });
        return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      };
      // Client authentication first, as RFC 6749 has it: a refused client does not spend the code.
      if (secret !== accepted || method !== acceptedMethod) {
        if (spendsRefusedCodes) grants.delete(code);
        return answer(401, { error: 'invalid_client' });
      }
      const grant = grants.get(code);
      grants.delete(code);
      return grant ? answer(200, grant) : answer(400, { error: 'invalid_grant' });
    };
    const deps: LoginDependencies = {
      config: readConfig({ TABLE_NAME: 't', PUBLIC_URL }),
      tenants: directory,
      clientSecrets: secrets,
      stateKeys: new FixedStateKey(),
      logins: identities,
      audit: identities,
      setup: new InMemorySetupStore(tenants.table),
      discovery: new DiscoveryCache({ fetch, timeoutMs: 1000, allowLoopback: false }),
      signingKeys: new SigningKeysCache({ fetch, timeoutMs: 1000 }),
      fetch,
      telemetry: new RecordingTelemetry(),
      logger: new Logger({ logLevel: 'SILENT' }),
      now: () => new Date(),
    };
    login = createLoginHandler(deps);
  });

  /** Tile click: our 302 to Okta; returns the authorize URL's state and nonce and the state cookie. */
  async function initiate() {
    const result = (await login(event('GET /t/{tenant}/login'), context)) as HttpResult;
    expect(result.statusCode).toBe(302);
    return started(result);
  }

  function started(result: HttpResult) {
    const authorize = new URL(result.headers.location ?? '');
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${FAKE_ISSUER}/v1/authorize`);
    return {
      state: authorize.searchParams.get('state') ?? '',
      nonce: authorize.searchParams.get('nonce') ?? '',
      cookies: cookiesFrom(result),
    };
  }

  /** Okta issues `code` for the login (an ID token for `sub` with its nonce) and sends the browser back. */
  async function callback(login_: { state: string; nonce: string; cookies: string[] }, code: string, sub = '00uada') {
    const now = Math.floor(Date.now() / 1000);
    await okta.nextIdToken({ iss: FAKE_ISSUER, sub, aud: CLIENT_ID, iat: now, exp: now + 300, nonce: login_.nonce });
    grants.set(code, okta.tokenResponse?.body);
    return (await login(
      event('GET /t/{tenant}/callback', { query: `code=${code}&state=${login_.state}`, cookies: login_.cookies }),
      context,
    )) as HttpResult;
  }

  const signedIn = (result: HttpResult) =>
    result.statusCode === 302 &&
    result.headers.location === '/signed-in' &&
    cookiesFrom(result).some((cookie) => cookie.startsWith('__Host-session='));

  /** A first login: tenant and secret now cached for the rest of the test. */
  async function warmUp() {
    expect(signedIn(await callback(await initiate(), 'warm-up'))).toBe(true);
    // The first login claimed the owner, which makes the directory read the tenant once more.
    expect(signedIn(await callback(await initiate(), 'warm-up-2', '00ugrace'))).toBe(true);
    tokenCalls.length = 0;
    tenantReads = 0;
  }

  it('redeems the same code once more with the secret saved since, then serves it from the cache', async () => {
    await warmUp();
    // `tenant put --client-secret-stdin` (or the setup link's "Check and save") after rotating it in Okta.
    accepted = NEW_SECRET;
    await stored.putClientSecret('acme', NEW_SECRET);

    expect(signedIn(await callback(await initiate(), 'code-1'))).toBe(true);
    expect(tokenCalls).toEqual([
      { code: 'code-1', status: 401 },
      { code: 'code-1', status: 200 },
    ]);
    expect(secrets.freshReads).toBe(1);
    expect(tenantReads).toBe(1);

    tokenCalls.length = 0;
    expect(signedIn(await callback(await initiate(), 'code-2'))).toBe(true);
    expect(tokenCalls).toEqual([{ code: 'code-2', status: 200 }]);
    expect(secrets.freshReads).toBe(1);
    expect(tenantReads).toBe(1);
  });

  it('starts the login again when the identity provider spent the code on the refused attempt', async () => {
    await warmUp();
    spendsRefusedCodes = true;
    accepted = NEW_SECRET;
    await stored.putClientSecret('acme', NEW_SECRET);

    const restarted = await callback(await initiate(), 'code-1');
    expect(tokenCalls).toEqual([
      { code: 'code-1', status: 401 },
      { code: 'code-1', status: 400 },
    ]);
    expect(restarted.statusCode).toBe(302);
    tokenCalls.length = 0;
    expect(signedIn(await callback(started(restarted), 'code-2'))).toBe(true);
    expect(tokenCalls).toEqual([{ code: 'code-2', status: 200 }]);
    expect(secrets.freshReads).toBe(1);
  });

  it('uses an auth method changed since, with the same code', async () => {
    await warmUp();
    acceptedMethod = 'client_secret_post';
    const current = (await tenants.getTenant('acme')) as TenantConfig;
    await tenants.putTenant({ ...current, tokenEndpointAuthMethod: 'client_secret_post' });
    expect(signedIn(await callback(await initiate(), 'code-1'))).toBe(true);
    expect(tokenCalls.map((call) => call.status)).toEqual([401, 200]);
  });

  it('keeps a wrong secret wrong: one more attempt, the invalid_client page, and no second forced read within the cooldown', async () => {
    await warmUp();
    accepted = NEW_SECRET;
    await stored.putClientSecret('acme', 'a-typo-in-the-new-secret');

    const first = await callback(await initiate(), 'code-1');
    expect(first.statusCode).toBe(502);
    expect(first.body).toContain('misconfigured');
    expect(tokenCalls).toEqual([
      { code: 'code-1', status: 401 },
      { code: 'code-1', status: 401 },
    ]);
    expect(secrets.freshReads).toBe(1);
    expect(tenantReads).toBe(1);

    // Within the cooldown: the cached (wrong) secret is refused, and nothing is read again.
    tokenCalls.length = 0;
    clock += COOLDOWN_MS - 1;
    const second = await callback(await initiate(), 'code-2');
    expect(second.statusCode).toBe(502);
    expect(tokenCalls).toEqual([{ code: 'code-2', status: 401 }]);
    expect(secrets.freshReads).toBe(1);
    expect(tenantReads).toBe(1);

    // Once the cooldown has passed, one forced read again — and the corrected secret is picked up by it.
    clock += 1;
    await stored.putClientSecret('acme', NEW_SECRET);
    tokenCalls.length = 0;
    expect(signedIn(await callback(await initiate(), 'code-3'))).toBe(true);
    expect(tokenCalls).toEqual([
      { code: 'code-3', status: 401 },
      { code: 'code-3', status: 200 },
    ]);
    expect(secrets.freshReads).toBe(2);
    expect(tenantReads).toBe(2);
  });

  it('does not retry when nothing changed where the secret is stored (Okta’s side changed)', async () => {
    await warmUp();
    accepted = NEW_SECRET;
    const result = await callback(await initiate(), 'code-1');
    expect(result.statusCode).toBe(502);
    expect(tokenCalls).toEqual([{ code: 'code-1', status: 401 }]);
    expect(secrets.freshReads).toBe(1);
  });

  it('leaves other token errors alone: invalid_grant reads nothing afresh', async () => {
    await warmUp();
    const login_ = await initiate();
    const result = (await login(
      event('GET /t/{tenant}/callback', { query: `code=unknown&state=${login_.state}`, cookies: login_.cookies }),
      context,
    )) as HttpResult;
    expect(result.statusCode).toBe(400);
    expect(tokenCalls).toEqual([{ code: 'unknown', status: 400 }]);
    expect(secrets.freshReads).toBe(0);
    expect(tenantReads).toBe(0);
  });

  it('retries with what a concurrent callback re-read a moment ago, without a read of its own', async () => {
    await warmUp();
    const slow = await initiate();
    const quick = await initiate();
    accepted = NEW_SECRET;
    await stored.putClientSecret('acme', NEW_SECRET);
    // The slow callback has sent the old secret; Okta answers it only after the quick one is done.
    let release = () => {};
    holds.set('slow', new Promise<void>((resolve) => (release = resolve)));
    const slowResult = callback(slow, 'slow', '00uslow');
    await vi.waitFor(() => expect(held.has('slow')).toBe(true));
    expect(signedIn(await callback(quick, 'quick', '00uquick'))).toBe(true);
    release();
    expect(signedIn(await slowResult)).toBe(true);
    expect(tokenCalls).toEqual([
      { code: 'quick', status: 401 },
      { code: 'quick', status: 200 },
      { code: 'slow', status: 401 },
      { code: 'slow', status: 200 },
    ]);
    expect(secrets.freshReads).toBe(1);
    expect(tenantReads).toBe(1);
  });

  describe('a tenant deleted and re-created with a new secret', () => {
    async function recreate() {
      await tenants.deleteTenant('acme');
      await stored.deleteClientSecret('acme');
      await stored.putClientSecret('acme', NEW_SECRET);
      await tenants.putTenant(tenantConfig());
      accepted = NEW_SECRET;
    }

    it('starts a login sealed for the old generation again, never completing it, and the fresh one signs in', async () => {
      await warmUp();
      const generation = (await tenants.getTenant('acme'))?.generation;
      await recreate();
      expect((await tenants.getTenant('acme'))?.generation).not.toBe(generation);

      // This container still serves the old config: the tile click seals the old generation.
      const stale = await initiate();
      const restarted = await callback(stale, 'code-1');
      expect(tokenCalls).toEqual([{ code: 'code-1', status: 401 }]);
      expect(restarted.statusCode).toBe(302);
      expect(cookiesFrom(restarted).some((cookie) => cookie.startsWith('__Host-session='))).toBe(false);
      // The old state's cookie is cleared; a new login, sealed for the new generation, goes to Okta.
      expect(restarted.cookies?.some((cookie) => cookie.startsWith(`${stale.cookies[0]?.split('=')[0]}=;`))).toBe(true);
      const fresh = started(restarted);
      expect(fresh.state).not.toBe(stale.state);
      expect(identities.sessions.size).toBe(2); // the warm-up's only
      expect(secrets.freshReads).toBe(1);

      tokenCalls.length = 0;
      expect(signedIn(await callback(fresh, 'code-2'))).toBe(true);
      expect(tokenCalls).toEqual([{ code: 'code-2', status: 200 }]);
      expect(secrets.freshReads).toBe(1);
    });

    it('still refuses, as before, a login sealed for the old generation once the cache knows the new one', async () => {
      await warmUp();
      const before = await initiate();
      await recreate();
      clock += 300_000; // the cached tenant expired
      const result = await callback(before, 'code-1');
      expect(result.statusCode).toBe(400);
      expect(tokenCalls).toEqual([]);
    });
  });
});

describe('TenantDirectory.refresh', () => {
  it('reads past the cache at most once per tenant per cooldown, each tenant on its own', async () => {
    const store = new InMemoryTenantStore();
    let reads = 0;
    const counted = Object.create(store) as InMemoryTenantStore;
    counted.getTenant = (tenantId) => {
      reads++;
      return store.getTenant(tenantId);
    };
    let clock = 0;
    const directory = new TenantDirectory(counted, { ttlMs: 300_000, refreshCooldownMs: 5_000, now: () => clock });
    await store.putTenant(
      buildTenantConfig(
        { tenantId: 'acme', issuer: FAKE_ISSUER, clientId: 'a' },
        { allowLoopback: false, now: new Date() },
      ),
    );
    await directory.get('acme');
    expect(reads).toBe(1);

    const current = (await store.getTenant('acme')) as TenantConfig;
    await store.putTenant({ ...current, clientId: 'b' });
    expect((await directory.refresh('acme'))?.config?.clientId).toBe('b');
    expect((await directory.get('acme'))?.clientId).toBe('b'); // what it read is cached
    expect(reads).toBe(2);

    clock += 4_999;
    expect(await directory.refresh('acme')).toBeUndefined();
    expect(await directory.refresh('globex')).toEqual({ config: undefined }); // another tenant: its own window
    expect(reads).toBe(3);
    clock += 1;
    expect(await directory.refresh('acme')).toBeDefined();
    expect(reads).toBe(4);
  });
});
