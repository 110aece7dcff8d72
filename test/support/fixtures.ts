/**
 * Vitest fixtures for the end-to-end and browser tests: what every such file
 * used to start by hand in beforeAll and stop in afterAll. File-scoped
 * fixtures start once per file, when a test or a `test.beforeAll` first asks
 * for them, and stop after the file's last afterAll, last started first.
 *
 *   import { expect, test } from '../support/fixtures.ts';
 *   test.override('stackOptions', { env: { SESSION_TTL_SECONDS: '120' } }); // optional, top level
 *   test('shows ada who she is', async ({ stack, signedIn }) => {
 *     expect((await stack.me(signedIn.browser)).user.name).toBe('Ada Lovelace');
 *   });
 *
 * A file whose tests share module-level state takes the fixtures in a hook:
 * `test.beforeAll(({ stack }) => { env = stack; })`.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Browser, BrowserContextOptions } from 'playwright-core';
import { test as base, inject } from 'vitest';
import type { DemoIdp } from '../../local/demo-idp.ts';
import { DEMO_TENANT, type LocalStack, startLocalStack } from '../../local/stack.ts';
import { closeDocumentClient, createDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { launchChromium, SCREENSHOTS } from './chromium.ts';
import type { CompletedLogin, LoginTarget } from './complete-login.ts';
import {
  BETA,
  BETA_CLIENT,
  BETA_SECRET,
  CLIENT_ID,
  CLIENT_SECRET,
  type MisbehavingStack,
  startMisbehavingStack,
  TENANT,
} from './misbehaving-stack.ts';
import { startTestOktaOrg, type TestOktaOrg } from './okta-org.ts';
import { installTestClock, type TestClock } from './test-clock.ts';

export { expect } from 'vitest';

/** How a file wants its stack: `test.override('stackOptions', …)` at the file's top level. */
export interface StackOptions {
  /** Environment for the handlers, over `LOG_LEVEL=SILENT`. */
  readonly env?: Record<string, string>;
  /** The service's port, when the environment must name the stack's own URL; a free one by default. */
  readonly port?: number;
  /** `localStack` only: start the demo Okta and its tenant, as `npm start` does. @default true */
  readonly demoIdp?: boolean;
  /** `localStack` only: the demo app's port; a free one by default. */
  readonly demoAppPort?: number;
}

/** The widths the browser tests look at every page in: a desktop and a 375 px phone. */
export const WIDTHS: ReadonlyArray<{ name: string; context: BrowserContextOptions }> = [
  { name: 'desktop', context: { viewport: { width: 1280, height: 800 } } },
  {
    name: 'phone',
    context: { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  },
];

/** The stack's tenant, as `tenant put` registered it. */
export interface Tenant extends LoginTarget {
  readonly clientId: string;
  readonly clientSecret: string;
}

export const test = base
  .extend('stackOptions', { scope: 'file' }, {} as StackOptions)
  // Before the stacks, so a hook asking for both captures the stack's start-up lines too.
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern
  .extend('logs', { scope: 'file' }, ({}, { onCleanup }) => captureOutput(onCleanup))
  /**
   * A `Date` the tests can move past a cache's lifetime (test-clock.ts). Before the stacks too: a
   * stack's caches keep the clock they started with, so a hook asks for `clock` with the stack.
   */
  // biome-ignore lint/correctness/noEmptyPattern: as above
  .extend('clock', { scope: 'file' }, ({}, { onCleanup }) => {
    const clock: TestClock = installTestClock();
    onCleanup(() => clock.uninstall());
    return clock;
  })
  /** The run's DynamoDB Local (test/support/global-setup.ts): what a proxy in front of it forwards to. */
  .extend('dynamoDbLocal', { scope: 'file' }, (): string => inject('dynamoDbEndpoint'))
  /** What the stacks reach DynamoDB Local through: nothing, unless the file's test came from `testWithFront`. */
  .extend('dynamoDbFront', { scope: 'file' }, (): DynamoDbFront | undefined => undefined)
  /** A client of DynamoDB Local itself, past any proxy the stack goes through: to read and seed the table. */
  .extend('table', { scope: 'file' }, ({ dynamoDbLocal }, { onCleanup }) => {
    const table: DynamoDBDocumentClient = createDocumentClient({ endpoint: dynamoDbLocal });
    onCleanup(() => closeDocumentClient(table));
    return table;
  })
  /** The local stack with the misbehaving test identity provider and its tenant `acme` (misbehaving-stack.ts). */
  .extend('stack', { scope: 'file' }, async ({ stackOptions, dynamoDbLocal, dynamoDbFront }, { onCleanup }) => {
    const { env = {}, port } = stackOptions;
    const dynamoDbEndpoint = dynamoDbFront?.endpoint ?? dynamoDbLocal;
    const stack: MisbehavingStack = await startMisbehavingStack(env, { dynamoDbEndpoint, ...(port ? { port } : {}) });
    onCleanup(() => stack.stop());
    return stack;
  })
  /** `npm start`'s stack: the demo Okta (oidc-provider), its tenant `demo` and the demo app. */
  .extend('localStack', { scope: 'file' }, async ({ stackOptions, dynamoDbLocal, dynamoDbFront }, { onCleanup }) => {
    const stack: LocalStack = await startLocalStack({
      port: stackOptions.port ?? 0,
      demoIdp: stackOptions.demoIdp ?? true,
      demoIdpPort: 0,
      ...(stackOptions.demoAppPort === undefined ? {} : { demoAppPort: stackOptions.demoAppPort }),
      dynamoDbEndpoint: dynamoDbFront?.endpoint ?? dynamoDbLocal,
      tableName: `e2e-${randomUUID()}`,
      env: { LOG_LEVEL: 'SILENT', POWERTOOLS_LOG_LEVEL: 'SILENT', ...stackOptions.env },
    });
    onCleanup(() => stack.stop());
    return stack;
  })
  /** `localStack`'s demo Okta (oidc-provider): its dashboard, admin page and provider. */
  .extend('demoOkta', { scope: 'file' }, ({ localStack }): DemoIdp => {
    if (!localStack.demoIdp) throw new Error('the demo Okta is not running (stackOptions.demoIdp is false)');
    return localStack.demoIdp;
  })
  /** `localStack`'s demo tenant, where a tile on the demo Okta's dashboard logs in. */
  .extend(
    'demoTenant',
    { scope: 'file' },
    ({ localStack, demoOkta }): LoginTarget => ({
      serviceUrl: localStack.url,
      tenant: DEMO_TENANT,
      issuer: demoOkta.issuer,
    }),
  )
  .extend(
    'tenant',
    { scope: 'file' },
    ({ stack }): Tenant => ({
      serviceUrl: stack.stack.url,
      tenant: TENANT,
      issuer: stack.idp.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    }),
  )
  /** An Okta org that signs Universal Logout tokens, apart from the tenant's authorization server (okta-org.ts). */
  // biome-ignore lint/correctness/noEmptyPattern: as above
  .extend('oktaOrg', { scope: 'file' }, async ({}, { onCleanup }) => {
    const org: TestOktaOrg = await startTestOktaOrg();
    onCleanup(() => org.stop());
    return org;
  })
  /** A second tenant of `stack`, `beta`, on its own test identity provider: for what must stay per tenant. */
  .extend('betaTenant', { scope: 'file' }, ({ stack }) =>
    stack.addTenant(BETA, { clientId: BETA_CLIENT, clientSecret: BETA_SECRET, ownIdp: true }),
  )
  /** Headless Chromium (test/support/chromium.ts), screenshots going to test-results/screenshots/. */
  // biome-ignore lint/correctness/noEmptyPattern: as above
  .extend('chromium', { scope: 'file' }, async ({}, { onCleanup }) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const browser: Browser = await launchChromium(inject('chromium'));
    onCleanup(() => browser.close());
    return browser;
  })
  /** Per test: a new browser in which ada signed in to `stack`'s tenant through the tile. */
  .extend('signedIn', async ({ stack }): Promise<CompletedLogin> => stack.login('ada'));

/** A server in front of DynamoDB Local that the stack goes through: a counting proxy, a gate, a fault. */
export interface DynamoDbFront {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * `test` with its stack reaching DynamoDB through the front `start` puts
 * before DynamoDB Local (fixture `dynamoDbFront`, typed as `start` answers):
 * e.g. `testWithFront(startDynamoDbProxy)` to count or fail requests. It stops
 * after the stack.
 */
export function testWithFront<Front extends DynamoDbFront>(start: (dynamoDbLocal: string) => Promise<Front>) {
  return test.extend('dynamoDbFront', { scope: 'file' }, async ({ dynamoDbLocal }, { onCleanup }) => {
    const front = await start(dynamoDbLocal);
    onCleanup(() => front.stop());
    return front;
  });
}

/**
 * Everything the process writes to stdout and stderr, one entry per write,
 * kept instead of printed (the handlers' log lines, the CLI's output) until
 * `onCleanup` puts the terminal back.
 */
function captureOutput(onCleanup: (restore: () => void) => void): string[] {
  const written: string[] = [];
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  const capture = (chunk: unknown) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  onCleanup(() => {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  });
  return written;
}
