/**
 * The whole service on one machine: DynamoDB Local (or a given endpoint), the
 * table, the demo identity provider with a demo tenant, the demo app on its
 * own origin (where logins land: `APP_URL`), and the local API Gateway serving
 * the real handler exports. `npm start` and the end-to-end
 * tests both start it through here.
 */

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { closeDocumentClient, createDocumentClient } from '../shared/adapters/dynamodb/client.ts';
import { createLocalDynamoDbClient, ensureTable } from '../shared/adapters/dynamodb/table.ts';
import { TableClientSecretStore } from '../shared/adapters/dynamodb/table-client-secret-store.ts';
import { TableSigningKeyStore } from '../shared/adapters/dynamodb/table-signing-key-store.ts';
import { DynamoDbTenantStore } from '../shared/adapters/dynamodb/tenant-store.ts';
import { readConfig } from '../shared/config.ts';
import type { RoleMapping } from '../shared/roles.ts';
import type { FunctionName } from '../shared/routes.ts';
import { rotateStoredKeys, rotationPolicy } from '../shared/session-token/rotation.ts';
import { tenantCallbackUrl, tenantLoginUrl } from '../shared/tenant-urls.ts';
import { buildTenantConfig } from '../shared/tenants.ts';
import { startDemoApp } from './demo-app.ts';
import { type DemoIdp, startDemoIdp } from './demo-idp.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { freePort } from './free-port.ts';
import { type LambdaHandler, type LocalAuthorizer, type LocalServer, startLocalServer } from './server.ts';

/** The shell's `SIGNING_KEY_PUBLICATION_DELAY_SECONDS` for `npm start`, read before any stack sets its own. */
const SHELL_PUBLICATION_DELAY = process.env.SIGNING_KEY_PUBLICATION_DELAY_SECONDS || undefined;

export const DEMO_TENANT = 'demo';
export const DEMO_CLIENT_ID = 'demo-app';
/** The demo Okta's apps, in the stack's data directory beside DynamoDB Local's files. */
export const DEMO_OKTA_APPS_FILE = 'demo-okta-apps.json';

/**
 * The demo tenant maps the demo users' Okta groups to app roles, so the demo
 * shows what `--role-map` does: Ada gets admin and engineer, Grace engineer,
 * Linus support, anyone else typed in at the sign-in page viewer.
 */
export const DEMO_ROLE_MAPPINGS: readonly RoleMapping[] = [
  { group: 'Admins', role: 'admin' },
  { group: 'Engineering', role: 'engineer' },
  { group: 'Support', role: 'support' },
];
export const DEMO_DEFAULT_ROLES: readonly string[] = ['viewer'];

export interface LocalStackOptions {
  /** HTTP port of the service; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** Base URL browsers use. @default http://localhost:<port> */
  readonly publicUrl?: string;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  readonly dynamoDbEndpoint?: string;
  /** @default okta-login-local */
  readonly tableName?: string;
  /** Start the demo identity provider and register the demo tenant. @default true */
  readonly demoIdp?: boolean;
  /** Port of the demo identity provider; 0 picks a free one. @default port + 1 */
  readonly demoIdpPort?: number;
  /**
   * Port of the demo app, served on its own origin beside the service (with
   * the demo identity provider only); 0 picks a free one. @default port + 2
   */
  readonly demoAppPort?: number;
  /**
   * Where logins land (`APP_URL`). @default the demo app's URL with the demo
   * identity provider, else none; `env.APP_URL` overrides both.
   */
  readonly appUrl?: string;
  /**
   * Where the stack keeps its data: embedded DynamoDB Local's files, and the
   * demo Okta's apps (`demo-okta-apps.json`), so both survive a restart.
   * Undefined keeps both in memory.
   */
  readonly dataDir?: string;
  /**
   * The handlers' Powertools log level (`POWERTOOLS_LOG_LEVEL`), e.g. `WARN`;
   * `env` overrides it. @default the environment's (Powertools: `INFO`)
   */
  readonly logLevel?: string;
  /** Extra environment for the handlers (e.g. SESSION_TTL_SECONDS). */
  readonly env?: Record<string, string>;
  /** Wraps every handler, e.g. to measure it (benchmarks). */
  readonly wrapHandler?: (name: string, handler: LambdaHandler) => LambdaHandler;
  /**
   * Load these files (absolute paths, e.g. the bundles `cdk synth` built)
   * instead of the TypeScript entries, so what runs is what deploys (benchmarks).
   */
  readonly handlerModules?: Partial<Record<FunctionName | 'authorizer', string>>;
}

export interface LocalStack {
  readonly url: string;
  readonly port: number;
  /** The demo app's URL (`http://localhost:<port+2>/`), when it runs. */
  readonly demoAppUrl: string | undefined;
  /** The `APP_URL` the handlers got (logins land there), if any. */
  readonly appUrl: string | undefined;
  readonly tableName: string;
  readonly dynamoDbEndpoint: string;
  readonly demoIdp: DemoIdp | undefined;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const port = options.port === 0 ? await freePort() : (options.port ?? 3000);
  const publicUrl = new URL(options.publicUrl ?? `http://localhost:${port}`).origin;
  const tableName = options.tableName ?? 'okta-login-local';
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => undefined);
  };

  try {
    const dynamoDbEndpoint = await startTable(options, tableName, stops);
    // The demo app's origin must be known before the handlers read APP_URL; it starts once the demo Okta runs.
    const demoAppPort = await demoAppPortOf(options, port);
    const demoAppUrl = demoAppPort === undefined ? undefined : `http://localhost:${demoAppPort}/`;
    const appUrl = options.env?.APP_URL ?? options.appUrl ?? demoAppUrl ?? '';
    configureHandlers(options, { tableName, dynamoDbEndpoint, publicUrl, appUrl });
    // Session tokens work right away: the key set (kept in the table, so it survives a restart with
    // `.local-data/`) gets its first key now; an existing set is rotated only when due.
    await ensureSigningKeys(dynamoDbEndpoint, tableName);
    const { handlers, authorizer } = await loadHandlers(options);
    const demoIdp =
      demoAppPort === undefined
        ? undefined
        : await startDemo(options, { port, publicUrl, demoAppPort, dynamoDbEndpoint, tableName }, stops);
    const server: LocalServer = await startLocalServer({ port, handlers, authorizer });
    stops.push(() => server.close());

    return {
      url: publicUrl,
      port: server.port,
      demoAppUrl,
      appUrl: appUrl || undefined,
      tableName,
      dynamoDbEndpoint,
      demoIdp,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** DynamoDB Local (unless an endpoint is given) and the table in it; answers the endpoint. */
async function startTable(
  options: LocalStackOptions,
  tableName: string,
  stops: Array<() => Promise<void>>,
): Promise<string> {
  const dynamo = options.dynamoDbEndpoint
    ? undefined
    : await startDynamoDbLocal(options.dataDir ? { inMemory: false, dataDir: options.dataDir } : { inMemory: true });
  if (dynamo) stops.push(() => dynamo.stop());
  const dynamoDbEndpoint: string = options.dynamoDbEndpoint ?? (dynamo as DynamoDbLocal).endpoint;
  const tableClient = createLocalDynamoDbClient(dynamoDbEndpoint);
  await ensureTable(tableClient, tableName);
  closeDocumentClient(tableClient);
  return dynamoDbEndpoint;
}

/** The demo app's port (the service's + 2 by default), or undefined without the demo. */
async function demoAppPortOf(options: LocalStackOptions, port: number): Promise<number | undefined> {
  if (!(options.demoIdp ?? true)) return undefined;
  return options.demoAppPort === 0 || (options.demoAppPort === undefined && options.port === 0)
    ? await freePort()
    : (options.demoAppPort ?? port + 2);
}

/** The handlers read their configuration from the environment, exactly as in Lambda. */
function configureHandlers(
  options: LocalStackOptions,
  stack: { tableName: string; dynamoDbEndpoint: string; publicUrl: string; appUrl: string },
): void {
  Object.assign(process.env, {
    TABLE_NAME: stack.tableName,
    DYNAMODB_ENDPOINT: stack.dynamoDbEndpoint,
    PUBLIC_URL: stack.publicUrl,
    ALLOW_LOOPBACK_ISSUERS: 'true',
    STATE_KEY: process.env.STATE_KEY ?? randomBytes(32).toString('base64url'),
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME ?? 'okta-login-local',
    // Set by Lambda for on-demand containers: Powertools Logger reports `cold_start` only then.
    AWS_LAMBDA_INITIALIZATION_TYPE: process.env.AWS_LAMBDA_INITIALIZATION_TYPE ?? 'on-demand',
    // Set on every start (empty: none), so an earlier stack's app in this process is not inherited.
    APP_URL: stack.appUrl,
    // A new signing key signs at once locally (no verifier caches the local key set for hours);
    // e2e tests set a delay to watch a rotation.
    // Set on every start, so an earlier stack's test delay in this process is not inherited.
    SIGNING_KEY_PUBLICATION_DELAY_SECONDS: SHELL_PUBLICATION_DELAY ?? '0',
    // Read by each function's Powertools Logger when it loads (the handlers load after this).
    ...(options.logLevel ? { POWERTOOLS_LOG_LEVEL: options.logLevel } : {}),
    ...options.env,
  });
}

/** The handler exports Lambda runs (or the bundles given in `handlerModules`), wrapped as asked. */
async function loadHandlers(
  options: LocalStackOptions,
): Promise<{ handlers: Record<FunctionName, LambdaHandler>; authorizer: LocalAuthorizer }> {
  const modules = options.handlerModules ?? {};
  // A CommonJS bundle's exports arrive as the default export when imported.
  const load = async (file: string | undefined, source: () => Promise<{ handler: unknown }>) => {
    if (!file) return (await source()).handler;
    const loaded = (await import(pathToFileURL(file).href)) as { handler?: unknown; default?: { handler: unknown } };
    return loaded.handler ?? loaded.default?.handler;
  };
  const [login, session, setup, universalLogout, health, whoami, scim, publicKeys, sessionToken, authorizer] =
    await Promise.all([
      load(modules.login, () => import('../functions/login.ts')),
      load(modules.session, () => import('../functions/session.ts')),
      load(modules.setup, () => import('../functions/setup.ts')),
      load(modules.universalLogout, () => import('../functions/universal-logout.ts')),
      load(modules.health, () => import('../functions/health.ts')),
      load(modules.whoami, () => import('../functions/whoami.ts')),
      load(modules.scim, () => import('../functions/scim.ts')),
      load(modules.publicKeys, () => import('../functions/public-keys.ts')),
      load(modules.sessionToken, () => import('../functions/session-token.ts')),
      load(modules.authorizer, () => import('../functions/authorizer.ts')),
    ]);
  const loaded = { login, session, setup, universalLogout, health, whoami, scim, publicKeys, sessionToken };
  const wrap = options.wrapHandler ?? ((_name: string, handler: LambdaHandler) => handler);
  const handlers = Object.fromEntries(
    Object.entries(loaded).map(([name, handler]) => [name, wrap(name, handler as LambdaHandler)]),
  ) as Record<FunctionName, LambdaHandler>;
  return { handlers, authorizer: authorizer as LocalAuthorizer };
}

/**
 * The demo Okta (its apps kept in the data directory, beside the table), the
 * demo tenant registered with it, and the demo app on its own origin.
 */
async function startDemo(
  options: LocalStackOptions,
  stack: { port: number; publicUrl: string; demoAppPort: number; dynamoDbEndpoint: string; tableName: string },
  stops: Array<() => Promise<void>>,
): Promise<DemoIdp> {
  const { publicUrl, dynamoDbEndpoint, tableName } = stack;
  const clientSecret = randomBytes(24).toString('base64url');
  const demoIdp = await startDemoIdp({
    port: options.demoIdpPort ?? (options.port === 0 ? 0 : stack.port + 1),
    clients: [{ clientId: DEMO_CLIENT_ID, clientSecret, redirectUris: [tenantCallbackUrl(publicUrl, DEMO_TENANT)] }],
    tiles: [{ label: 'Acme App (demo)', initiateLoginUri: tenantLoginUrl(publicUrl, DEMO_TENANT) }],
    ...(options.dataDir ? { appsFile: join(options.dataDir, DEMO_OKTA_APPS_FILE) } : {}),
  });
  stops.push(() => demoIdp.stop());
  await registerTenant(dynamoDbEndpoint, tableName, {
    tenantId: DEMO_TENANT,
    issuer: demoIdp.issuer,
    clientId: DEMO_CLIENT_ID,
    clientSecret,
    roleMappings: DEMO_ROLE_MAPPINGS,
    defaultRoles: DEMO_DEFAULT_ROLES,
  });
  // The demo app's customer list: every tenant of the local service (setup-link tenants too).
  const customersClient = createDocumentClient({ endpoint: dynamoDbEndpoint });
  stops.push(async () => closeDocumentClient(customersClient));
  const customers = new DynamoDbTenantStore(customersClient, tableName);
  const demoApp = await startDemoApp({
    port: stack.demoAppPort,
    serviceUrl: publicUrl,
    dashboardUrl: demoIdp.dashboardUrl,
    tenantId: DEMO_TENANT,
    servesTenant: async (tenant) => (await customers.getTenant(tenant)) !== undefined,
    // The tokens' `aud`, as the handlers read it (APP_AUDIENCE, else APP_URL's origin: this app).
    audience: readConfig().appAudience ?? `http://localhost:${stack.demoAppPort}`,
  });
  stops.push(() => demoApp.close());
  return demoIdp;
}

/**
 * Runs the signing key rotation once against the local table, with the
 * settings the handlers read (`SIGNING_KEY_*`): the first key when there is
 * none, a new one when the signing key is old enough.
 */
async function ensureSigningKeys(endpoint: string, tableName: string): Promise<void> {
  const client = createDocumentClient({ endpoint });
  try {
    await rotateStoredKeys(new TableSigningKeyStore(client, tableName), Date.now, rotationPolicy(readConfig()));
  } finally {
    closeDocumentClient(client);
  }
}

/** Registers (or updates) a tenant directly in the local table, as `npm run tenant -- put` does. */
export async function registerTenant(
  endpoint: string,
  tableName: string,
  tenant: {
    tenantId: string;
    issuer: string;
    clientId: string;
    clientSecret: string;
    requestGroups?: boolean;
    roleMappings?: readonly RoleMapping[];
    defaultRoles?: readonly string[];
  },
): Promise<void> {
  const client = createDocumentClient({ endpoint });
  const tenants = new DynamoDbTenantStore(client, tableName);
  const existing = await tenants.getTenant(tenant.tenantId);
  await tenants.putTenant(
    buildTenantConfig(
      {
        tenantId: tenant.tenantId,
        issuer: tenant.issuer,
        clientId: tenant.clientId,
        requestGroups: tenant.requestGroups ?? true,
        roleMappings: tenant.roleMappings,
        defaultRoles: tenant.defaultRoles,
      },
      { allowLoopback: true, now: new Date(), existing },
    ),
  );
  await new TableClientSecretStore(client, tableName).putClientSecret(tenant.tenantId, tenant.clientSecret);
  closeDocumentClient(client);
}
