/** Lambda entry for `GET /me` and `POST /logout`. Composition root, built once per cold start. */
import { Logger } from '@aws-lambda-powertools/logger';
import { createStores } from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { DiscoveryCache } from '../shared/oidc/discovery.ts';
import { createHttpFetch } from '../shared/oidc/http-fetch.ts';
import { createSessionHandler } from '../shared/session/routes.ts';
import { TenantDirectory } from '../shared/tenant-directory.ts';

const config = readConfig();
const stores = createStores(config);

export const handler = createSessionHandler({
  config,
  sessions: stores.sessions,
  audit: stores.audit,
  tenants: new TenantDirectory(stores.tenants, { ttlMs: config.tenantCacheSeconds * 1000 }),
  discovery: new DiscoveryCache({
    fetch: createHttpFetch({ blockPrivateAddresses: !config.allowLoopbackIssuers }),
    timeoutMs: config.idpTimeoutMs,
    allowLoopback: config.allowLoopbackIssuers,
  }),
  logger: new Logger(),
  now: () => new Date(),
});
