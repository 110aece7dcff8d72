/** Lambda entry for `GET /me`, `POST /logout`, their CORS preflights and `GET /signed-in`. Composition root, built once per cold start. */
import { Logger } from '@aws-lambda-powertools/logger';
import { auditLogOn, openTable, sessionStoreOn, tenantReaderOn } from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { createOktaClients } from '../shared/oidc/clients.ts';
import { createSessionHandler } from '../shared/session/routes.ts';
import { TenantDirectory } from '../shared/tenant-directory.ts';

const config = readConfig();
const table = openTable(config);

// Discovery for tenants whose logout goes to Okta's end-session endpoint.
const okta = createOktaClients(config);

export const handler = createSessionHandler({
  config,
  sessions: sessionStoreOn(table),
  audit: auditLogOn(table),
  tenants: new TenantDirectory(tenantReaderOn(table), { ttlMs: config.tenantCacheSeconds * 1000 }),
  discovery: okta.discovery,
  logger: new Logger(),
  now: () => new Date(),
});
