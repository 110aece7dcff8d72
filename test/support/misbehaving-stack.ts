/**
 * A local stack whose tenant's "Okta" is the misbehaving test identity
 * provider, plus helpers to run a login and inspect what was written.
 */

import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { type LocalStack, registerTenant, startLocalStack } from '../../local/stack.ts';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { type Hop, signInForm, TestBrowser, tileLogin } from './browser.ts';
import { startTestIdp, type TestIdp } from './test-idp.ts';

export const TENANT = 'acme';
export const CLIENT_ID = 'acme-client';
export const CLIENT_SECRET = 'acme-client-secret-0123456789abcdef';

export interface MisbehavingStack {
  readonly stack: LocalStack;
  readonly idp: TestIdp;
  login(
    user?: string,
    browser?: TestBrowser,
  ): Promise<{ browser: TestBrowser; callback: Hop | undefined; hops: Hop[] }>;
  /**
   * Starts a login (GET initiate-login with `query` appended) and signs in at
   * the IdP as `user`, stopping before the callback reaches the service:
   * returns the callback URL with Okta's code and our state.
   */
  callbackUrl(browser: TestBrowser, user?: string, query?: string): Promise<string>;
  /** Items of a kind currently in the table (`user`, `session`, `used_state`, ...). */
  count(type: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startMisbehavingStack(
  env: Record<string, string> = {},
  options: { dynamoDbEndpoint?: string; port?: number } = {},
): Promise<MisbehavingStack> {
  const stack = await startLocalStack({
    // A port chosen beforehand when the environment must name the stack's own URL (e.g. its JWKS).
    port: options.port ?? 0,
    demoIdp: false,
    dynamoDbEndpoint: options.dynamoDbEndpoint ?? inject('dynamoDbEndpoint'),
    tableName: `e2e-${randomUUID()}`,
    env: { LOG_LEVEL: 'SILENT', POWERTOOLS_LOG_LEVEL: 'SILENT', ...env },
  });
  const idp = await startTestIdp({
    clients: [
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${stack.url}/t/${TENANT}/callback`] },
    ],
  });
  await registerTenant(stack.dynamoDbEndpoint, stack.tableName, {
    tenantId: TENANT,
    issuer: idp.issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
  });
  // Counts read DynamoDB directly, so they work while a test proxy plays an outage.
  const client = createDocumentClient({ endpoint: inject('dynamoDbEndpoint') });
  return {
    stack,
    idp,
    async login(user = 'ada', browser = new TestBrowser()) {
      const result = await tileLogin(browser, {
        serviceUrl: stack.url,
        tenant: TENANT,
        issuer: idp.issuer,
        login: user,
      });
      return { browser, callback: result.callback, hops: result.hops };
    },
    async callbackUrl(browser, user = 'ada', query = '') {
      const start = `${stack.url}/t/${TENANT}/login?iss=${encodeURIComponent(idp.issuer)}${query}`;
      const page = (await browser.navigate(start)).at(-1);
      if (!page) throw new Error('no sign-in page');
      const form = signInForm(page, user);
      const hops = await browser.navigate(form.action, {
        method: 'POST',
        body: form.body,
        stopBefore: (next) => next.startsWith(`${stack.url}/t/`),
      });
      const url = hops.at(-1)?.location;
      if (!url) throw new Error('no callback URL');
      return url;
    },
    async count(type) {
      let total = 0;
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: stack.tableName,
            FilterExpression: '#type = :type',
            ExpressionAttributeNames: { '#type': 'type' },
            ExpressionAttributeValues: { ':type': type },
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        );
        total += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return total;
    },
    async stop() {
      closeDocumentClient(client);
      await idp.stop();
      await stack.stop();
    },
  };
}
