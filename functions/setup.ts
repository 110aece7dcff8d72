/**
 * Lambda entry for the setup link's pages (`/t/{tenant}/setup…`): the
 * tenant's Okta admin connects Okta, checks it, tests a sign-in and activates.
 * Composition root, built once per cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbScimTokenStore } from '../shared/adapters/dynamodb/scim/token-store.ts';
import { createLoginSecrets } from '../shared/adapters/login-secrets.ts';
import { auditLogOn, openTable, setupStoreOn, tenantStoreOn, userDirectoryOn } from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { createOktaClients } from '../shared/oidc/clients.ts';
import { setupExtensions } from '../shared/setup/extensions.ts';
import { createSetupHandler } from '../shared/setup/routes.ts';
import { TenantAdmin } from '../shared/tenant-admin.ts';

const config = readConfig();
const table = openTable(config);
const tenants = tenantStoreOn(table);
const setup = setupStoreOn(table);
const secrets = createLoginSecrets(config, table.client);
// Discovery kept a minute only: an admin who fixes something in Okta sees it at the next try.
const okta = createOktaClients(config, { discoveryMaxAgeMs: 60_000 });

const admin = new TenantAdmin({
  tenants,
  users: userDirectoryOn(table),
  audit: auditLogOn(table),
  setup,
  // Only the SCIM token's hash is written from here (the SCIM step's one-time token): the token
  // store alone, so the users' and groups' adapters stay out of this bundle.
  scim: new DynamoDbScimTokenStore(table.client, table.tableName),
  secrets: secrets.clientSecrets,
  actor: 'setup-link',
  allowLoopback: config.allowLoopbackIssuers,
  // The setup pages change issuer, client and the groups scope, never role maps (vetted when the
  // platform team saved them with the CLI), so the ReDoS checker stays out of this bundle.
  vetRoleMappings: () => undefined,
  now: () => new Date(),
});

export const handler = createSetupHandler({
  config,
  tenants,
  setup,
  admin,
  discovery: okta.discovery,
  stateKeys: secrets.stateKeys,
  fetch: okta.fetch,
  extensions: setupExtensions(admin),
  logger: new Logger(),
  now: () => new Date(),
});
