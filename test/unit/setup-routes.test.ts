/**
 * The setup function's routes with in-memory ports: the extension point
 * (steps other features add to the Okta app's setup, and their one-time
 * actions) and the order of the form checks.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { setupNonceOf } from '../../local/http-browser.ts';
import { readConfig } from '../../shared/config.ts';
import type { HttpResult } from '../../shared/http/responses.ts';
import { DiscoveryCache } from '../../shared/oidc/discovery.ts';
import type { SetupExtension } from '../../shared/setup/extensions.ts';
import { setupCsrfToken } from '../../shared/setup/link.ts';
import { createSetupHandler } from '../../shared/setup/routes.ts';
import { TenantAdmin } from '../../shared/tenant-admin.ts';
import { createFakeOkta } from '../support/fake-okta.ts';
import {
  FixedStateKey,
  InMemoryClientSecretStore,
  InMemoryIdentityStore,
  InMemoryScimDirectory,
  InMemorySetupStore,
  InMemoryTenantStore,
} from '../support/in-memory-stores.ts';

const PUBLIC_URL = 'https://login.example.com';
const context = {} as Context;

function event(
  routeKey: string,
  options: { query?: string; cookies?: string[]; body?: string; action?: string } = {},
): APIGatewayProxyEventV2 {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  const rawPath = path.replace('{tenant}', 'acme').replace('{action}', options.action ?? '');
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: options.query ?? '',
    headers: {
      accept: 'text/html',
      'sec-fetch-site': 'same-origin',
      ...(options.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(options.cookies ? { cookies: options.cookies } : {}),
    pathParameters: { tenant: 'acme', ...(options.action ? { action: options.action } : {}) },
    requestContext: { http: { method, path: rawPath }, requestId: 'req-12345678', domainName: 'login.example.com' },
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

describe('Setup routes with in-memory ports', () => {
  let handler: ReturnType<typeof createSetupHandler>;
  let identities: InMemoryIdentityStore;
  let issued = 0;
  let token: string;

  const extension: SetupExtension = {
    id: 'provisioning',
    steps: ({ tenant, origin }) => [
      {
        title: 'Provisioning',
        text: 'Base URL and a token for Okta.',
        values: [{ label: 'Base URL', value: `${origin}/t/${tenant.tenantId}/provisioning` }],
        action: {
          id: 'provisioning-token',
          label: 'Create a token',
          doneWords: 'A token was created',
          againWords: 'Create another? It replaces that one.',
          againLabel: 'Create another token',
          run: async () => {
            issued += 1;
            return [{ label: 'Token', value: `one-time-value-${issued}` }];
          },
        },
      },
    ],
  };

  beforeEach(async () => {
    const tenants = new InMemoryTenantStore();
    identities = new InMemoryIdentityStore(tenants);
    const setup = new InMemorySetupStore(tenants.table);
    const okta = await createFakeOkta();
    const adminDeps = {
      tenants,
      users: identities,
      audit: identities,
      setup,
      scim: new InMemoryScimDirectory(tenants.table),
      secrets: new InMemoryClientSecretStore(tenants.table),
      allowLoopback: false,
      vetRoleMappings: () => undefined,
      now: () => new Date(),
    };
    const admin = new TenantAdmin({ ...adminDeps, actor: 'setup-link' });
    token = (await new TenantAdmin({ ...adminDeps, actor: 'admin:test' }).invite('acme', 3600)).token;
    handler = createSetupHandler({
      config: readConfig({ TABLE_NAME: 't', PUBLIC_URL }),
      tenants,
      setup,
      admin,
      discovery: new DiscoveryCache({ fetch: okta.fetch, timeoutMs: 1000, allowLoopback: false }),
      stateKeys: new FixedStateKey(),
      fetch: okta.fetch,
      extensions: [extension],
      logger: new Logger({ logLevel: 'SILENT' }),
      now: () => new Date(),
    });
  });

  const cookie = () => [`__Host-setup-acme=${token}`];
  const call = async (e: APIGatewayProxyEventV2) => (await handler(e, context)) as HttpResult;

  it('shows the steps other features contribute, and runs their actions once per form, behind the form checks', async () => {
    const page = await call(event('GET /t/{tenant}/setup', { cookies: cookie() }));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Provisioning');
    expect(page.body).toContain(`${PUBLIC_URL}/t/acme/provisioning`);
    expect(page.body).toContain('action="/t/acme/setup/actions/provisioning-token#okta-app"');
    expect(page.body).not.toContain('one-time-value');

    const csrf = setupCsrfToken(token, 'acme');
    const refused = await call(
      event('POST /t/{tenant}/setup/actions/{action}', {
        cookies: cookie(),
        body: 'csrf=forged',
        action: 'provisioning-token',
      }),
    );
    expect(refused.statusCode).toBe(403);
    expect(issued).toBe(0);

    const unknown = await call(
      event('POST /t/{tenant}/setup/actions/{action}', { cookies: cookie(), body: `csrf=${csrf}`, action: 'nope' }),
    );
    expect(unknown.statusCode).toBe(404);

    const withoutNonce = await call(
      event('POST /t/{tenant}/setup/actions/{action}', {
        cookies: cookie(),
        body: `csrf=${csrf}`,
        action: 'provisioning-token',
      }),
    );
    expect(withoutNonce.statusCode).toBe(403);
    expect(issued).toBe(0);

    const form = `csrf=${csrf}&nonce=${setupNonceOf(page, 'actions/provisioning-token')}`;
    const shown = await call(
      event('POST /t/{tenant}/setup/actions/{action}', { cookies: cookie(), body: form, action: 'provisioning-token' }),
    );
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    expect(shown.body).toContain('one-time-value-1');
    expect(shown.body).toContain('Shown this once');
    const again = await call(event('GET /t/{tenant}/setup', { cookies: cookie() }));
    expect(again.body).not.toContain('one-time-value');
    expect(identities.auditEvents.map((e) => [e.type, e.actor, e.details])).toContainEqual([
      'setup_action',
      'setup-link',
      { action: 'provisioning-token' },
    ]);

    // The same form sent again (a reload): not run again; a confirmation form runs it once more.
    const resent = await call(
      event('POST /t/{tenant}/setup/actions/{action}', { cookies: cookie(), body: form, action: 'provisioning-token' }),
    );
    expect(resent.statusCode).toBe(409);
    expect(issued).toBe(1);
    expect(resent.body).not.toContain('one-time-value');
    expect(resent.body).toContain('A token was created at ');
    expect(resent.body).toContain('name="confirm" value="again"');
    const confirmed = await call(
      event('POST /t/{tenant}/setup/actions/{action}', {
        cookies: cookie(),
        body: `csrf=${csrf}&nonce=${setupNonceOf(resent, 'actions/provisioning-token')}&confirm=again`,
        action: 'provisioning-token',
      }),
    );
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('one-time-value-2');
    expect(identities.auditEvents.map((e) => e.details)).toContainEqual({
      action: 'provisioning-token',
      confirmed: 'again',
    });
  });

  it('exchanges the link’s token for the cookie and a token-free address', async () => {
    const exchange = await call(event('GET /t/{tenant}/setup', { query: `token=${token}` }));
    expect(exchange.statusCode).toBe(302);
    expect(exchange.headers.location).toBe('/t/acme/setup');
    expect(exchange.cookies).toEqual([
      // A working day, past the link's hour: a browser holding it is told why the link ended.
      expect.stringMatching(/^__Host-setup-acme=[\w-]{43}; Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Lax$/),
    ]);
    const refused = await call(event('GET /t/{tenant}/setup', { query: 'token=nope' }));
    expect(refused.statusCode).toBe(403);
    expect(refused.cookies).toEqual([]);
  });
});
