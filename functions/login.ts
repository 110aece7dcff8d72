/**
 * Lambda entry for `/t/{tenant}/login` and `/t/{tenant}/callback` (GET and POST).
 * Composition root: config, clients and caches are built once per cold start
 * and reused by every invocation of this container.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createLoginSecrets } from '../shared/adapters/login-secrets.ts';
import { PowertoolsLoginTelemetry } from '../shared/adapters/powertools-telemetry.ts';
import { auditLogOn, loginStoreOn, openTable, setupStoreOn, tenantReaderOn } from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { createLoginHandler } from '../shared/login/routes.ts';
import { createOktaClients } from '../shared/oidc/clients.ts';
import { TenantDirectory } from '../shared/tenant-directory.ts';

const config = readConfig();
const table = openTable(config);
const secrets = createLoginSecrets(config, table.client);
// Discovery, JWKS and token calls: one keep-alive client, caches kept across invocations.
const okta = createOktaClients(config);

export const handler = createLoginHandler({
  config,
  tenants: new TenantDirectory(tenantReaderOn(table), { ttlMs: config.tenantCacheSeconds * 1000 }),
  clientSecrets: secrets.clientSecrets,
  stateKeys: secrets.stateKeys,
  logins: loginStoreOn(table),
  audit: auditLogOn(table),
  setup: setupStoreOn(table),
  discovery: okta.discovery,
  signingKeys: okta.signingKeys,
  fetch: okta.fetch,
  telemetry: new PowertoolsLoginTelemetry(),
  logger: new Logger(),
  now: () => new Date(),
});
