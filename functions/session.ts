/** Lambda entry for `GET /me`, `POST /logout`, their CORS preflights and `GET /signed-in`. Composition root, built once per cold start. */
import { Logger } from '@aws-lambda-powertools/logger';
import { createStores } from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { createOktaClients } from '../shared/oidc/clients.ts';
import { createSessionHandler } from '../shared/session/routes.ts';
import { TenantDirectory } from '../shared/tenant-directory.ts';

const config = readConfig();
const stores = createStores(config);

// Discovery for tenants whose logout goes to Okta's end-session endpoint.
const okta = createOktaClients(config);

export const handler = createSessionHandler({
  config,
  sessions: stores.sessions,
  audit: stores.audit,
  tenants: new TenantDirectory(stores.tenants, { ttlMs: config.tenantCacheSeconds * 1000 }),
  discovery: okta.discovery,
  logger: new Logger(),
  now: () => new Date(),
});
