/**
 * `npm start` restarted on the same `.local-data/`: the table keeps the
 * tenants made through the setup link, so the demo Okta must keep their app
 * integrations (client id and secret, tile) too, or their sign-in ends in
 * Okta's `invalid_client`. The stack is started twice on one data directory
 * and the same ports (the tenant's issuer names the demo Okta's port), as two
 * runs of `npm start` are.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../local/free-port.ts';
import {
  DEMO_OKTA_APPS_FILE,
  type LocalStack,
  type LocalStackOptions,
  registerTenant,
  startLocalStack,
} from '../../local/stack.ts';
import { completeLogin } from '../support/complete-login.ts';

const TENANT = 'restarted';
let dataDir: string;
let options: LocalStackOptions;
let stack: LocalStack | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'demo-okta-restart-'));
  options = {
    port: await freePort(),
    demoIdpPort: await freePort(),
    demoAppPort: await freePort(),
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    tableName: `e2e-restart-${randomUUID()}`,
    dataDir,
    env: { LOG_LEVEL: 'SILENT', POWERTOOLS_LOG_LEVEL: 'SILENT' },
  };
});

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function demoOkta(running: LocalStack) {
  if (!running.demoIdp) throw new Error('the demo Okta is not running');
  return running.demoIdp;
}

/** Creates an app integration on the demo Okta's admin page, as the setup link asks the customer's admin to. */
async function createAppOnAdminPage(running: LocalStack): Promise<{ clientId: string; clientSecret: string }> {
  const response = await fetch(`${demoOkta(running).adminUrl}/apps`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      name: 'Restarted Inc',
      redirect_uri: `${running.url}/t/${TENANT}/callback`,
      initiate_login_uri: `${running.url}/t/${TENANT}/login`,
      groups: 'on',
    }).toString(),
  });
  const page = await response.text();
  const shown = (testId: string) => new RegExp(`data-testid="${testId}">([^<]+)<`).exec(page)?.[1];
  const clientId = shown('client-id');
  const clientSecret = shown('client-secret');
  if (!clientId || !clientSecret) throw new Error(`no app created: ${page}`);
  return { clientId, clientSecret };
}

/**
 * Okta's token endpoint with the app's credentials and a code it never
 * issued: `invalid_grant` means the client authenticated, `invalid_client`
 * that the demo Okta does not know it.
 */
async function tokenEndpointError(running: LocalStack, app: { clientId: string; clientSecret: string }) {
  const response = await fetch(`${demoOkta(running).issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: 'not-a-code-it-issued',
      redirect_uri: `${running.url}/t/${TENANT}/callback`,
      code_verifier: 'v'.repeat(43),
    }).toString(),
  });
  return ((await response.json()) as { error?: string }).error;
}

describe('the demo Okta across a restart of the local stack', () => {
  it('keeps the apps created on its admin page: their clients authenticate and their tenants sign in', async () => {
    stack = await startLocalStack(options);
    const app = await createAppOnAdminPage(stack);
    expect(await tokenEndpointError(stack, app)).toBe('invalid_grant');
    // What the setup link's activation writes: the tenant, on this demo Okta, with the app's credentials.
    await registerTenant(stack.dynamoDbEndpoint, stack.tableName, {
      tenantId: TENANT,
      issuer: demoOkta(stack).issuer,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
    });
    await stack.stop();

    stack = await startLocalStack(options);
    expect(await tokenEndpointError(stack, app)).toBe('invalid_grant');
    const dashboard = await (await fetch(demoOkta(stack).dashboardUrl)).text();
    expect(dashboard).toContain('Restarted Inc');
    expect(dashboard).toContain(`${stack.url}/t/${TENANT}/login`);

    const target = { serviceUrl: stack.url, tenant: TENANT, issuer: demoOkta(stack).issuer };
    const { callback } = await completeLogin(target, { login: 'ada', until: 'callback' });
    expect(callback?.status).toBe(302);
    expect(callback?.location).toBe(stack.appUrl);

    // Beside the table's files, readable by its owner only (it holds the demo Okta's client secrets).
    const file = join(dataDir, DEMO_OKTA_APPS_FILE);
    expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
    const saved = JSON.parse(await readFile(file, 'utf8')) as { apps: Array<{ name: string; clientId: string }> };
    expect(saved.apps).toMatchObject([{ name: 'Restarted Inc', clientId: app.clientId }]);
  });

  it('refuses to start on an apps file it cannot read, rather than drop the apps in it', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'demo-okta-broken-'));
    try {
      await writeFile(join(broken, DEMO_OKTA_APPS_FILE), '{"apps": [{"name": 1}]}');
      await expect(startLocalStack({ ...options, dataDir: broken })).rejects.toThrow(/not a demo Okta apps file/);
      expect(await readFile(join(broken, DEMO_OKTA_APPS_FILE), 'utf8')).toBe('{"apps": [{"name": 1}]}');
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
