/**
 * A local stack whose tenant's "Okta" is the misbehaving test identity
 * provider, plus helpers to run a login and inspect what was written. Test
 * files get one from the `stack` fixture (fixtures.ts).
 */

import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect, inject } from 'vitest';
import { TestBrowser } from '../../local/http-browser.ts';
import { type LocalStack, registerTenant, startLocalStack } from '../../local/stack.ts';
import { startTestIdp, type TestIdp } from '../../local/test-idp.ts';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import {
  type CompletedLogin,
  completeLogin,
  type LoginOptions,
  type LoginTarget,
  type MeAnswer,
  meOf,
} from './complete-login.ts';

export const TENANT = 'acme';
export const CLIENT_ID = 'acme-client';
export const CLIENT_SECRET = 'acme-client-secret-0123456789abcdef';
/** Acme's own app origin (`--allowed-redirect-origin`), where its sessions may be read from. */
export const ACME_ORIGIN = 'https://acme-app.example';
/** A second tenant, on its own identity provider (`addTenant(BETA, { …, ownIdp: true })`), and its app origin. */
export const BETA = 'beta';
export const BETA_CLIENT = 'beta-client';
export const BETA_SECRET = 'beta-client-secret-0123456789abcdef';
export const BETA_ORIGIN = 'https://beta-app.example';

export type StackLoginOptions = LoginOptions & { readonly tenant?: string };

/** Another tenant of the stack, and the identity provider its logins go to. */
export interface ExtraTenant extends LoginTarget {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Its own test identity provider (stopped with the stack), unless it shares the stack's. */
  readonly idp: TestIdp;
}

export interface MisbehavingStack {
  readonly stack: LocalStack;
  readonly idp: TestIdp;
  /** Where a tile login of `tenant` (acme by default, or one `addTenant` registered) goes. */
  target(tenant?: string): LoginTarget;
  /**
   * A tile login as `user` (ada by default) through `completeLogin`, in
   * `browser` or with `options` (its own browser, where to stop, another
   * tenant `addTenant` registered; acme by default).
   */
  login(user?: string, browserOrOptions?: TestBrowser | StackLoginOptions): Promise<CompletedLogin>;
  /**
   * Starts a login (GET initiate-login, `&query` appended) and signs in at
   * the IdP as `user`, stopping before the callback reaches the service:
   * returns the callback URL with Okta's code and our state.
   */
  callbackUrl(browser: TestBrowser, user?: string, query?: string): Promise<string>;
  /**
   * Registers another tenant, as `tenant put` would: on its own test identity
   * provider with `clientId` and `clientSecret` when `ownIdp`, else on the
   * stack's (whose only client is acme's, so only acme's logins complete there).
   */
  addTenant(
    tenantId: string,
    options: { clientId: string; clientSecret: string; ownIdp?: boolean },
  ): Promise<ExtraTenant>;
  /** A tile login of `user` that must sign in (our callback answers 302): its browser. */
  signIn(user: string): Promise<TestBrowser>;
  /** `GET /me` as the app's script calls it: the status, and when 200 the answer and its user. */
  me(browser: TestBrowser): Promise<MeAnswer>;
  /** The statuses of `/me` and of the app's route behind the authorizer (`/app/whoami`). */
  routes(browser: TestBrowser): Promise<[number, number]>;
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
  const tenants = new Map<string, ExtraTenant>();
  const ownIdps: TestIdp[] = [];
  const target = (tenant = TENANT): LoginTarget =>
    tenant === TENANT ? { serviceUrl: stack.url, tenant, issuer: idp.issuer } : extraTenant(tenants, tenant);
  return {
    stack,
    idp,
    target,
    login(user = 'ada', browserOrOptions = {}) {
      const options = browserOrOptions instanceof TestBrowser ? { browser: browserOrOptions } : browserOrOptions;
      return completeLogin(target(options.tenant), { ...options, login: user });
    },
    async callbackUrl(browser, user = 'ada', query = '') {
      const login = await completeLogin(target(), { browser, login: user, query, until: 'before-callback' });
      if (!login.callbackUrl) throw new Error('no callback URL');
      return login.callbackUrl;
    },
    async addTenant(tenantId, { clientId, clientSecret, ownIdp = false }) {
      const redirectUris = [`${stack.url}/t/${tenantId}/callback`];
      const tenantIdp = ownIdp ? await startTestIdp({ clients: [{ clientId, clientSecret, redirectUris }] }) : idp;
      if (ownIdp) ownIdps.push(tenantIdp);
      const issuer = tenantIdp.issuer;
      await registerTenant(stack.dynamoDbEndpoint, stack.tableName, { tenantId, issuer, clientId, clientSecret });
      const added = { serviceUrl: stack.url, tenant: tenantId, issuer, clientId, clientSecret, idp: tenantIdp };
      tenants.set(tenantId, added);
      return added;
    },
    async signIn(user) {
      const { browser, callback } = await completeLogin(target(), { login: user });
      expect(callback?.status, `sign-in of ${user}`).toBe(302);
      return browser;
    },
    me: (browser) => meOf(stack.url, browser),
    async routes(browser) {
      const whoami = await browser.request(`${stack.url}/app/whoami`, { headers: { accept: 'application/json' } });
      return [(await meOf(stack.url, browser)).status, whoami.status];
    },
    count: (type) => countItems(client, stack.tableName, type),
    async stop() {
      closeDocumentClient(client);
      for (const own of ownIdps) await own.stop();
      await idp.stop();
      await stack.stop();
    },
  };
}

async function countItems(client: DynamoDBDocumentClient, tableName: string, type: string): Promise<number> {
  let total = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
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
}

function extraTenant(tenants: ReadonlyMap<string, ExtraTenant>, tenant: string): ExtraTenant {
  const added = tenants.get(tenant);
  if (!added) throw new Error(`tenant ${tenant} was not added to this stack (addTenant)`);
  return added;
}
