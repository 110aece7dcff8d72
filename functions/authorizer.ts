/**
 * Lambda authorizer for the app's own routes (HTTP API, payload 2.0, simple
 * responses). Composition root, built once per cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createStores } from '../shared/adapters/runtime.ts';
import { createAuthorizer } from '../shared/authorizer.ts';
import { readConfig } from '../shared/config.ts';
import { TenantDirectory } from '../shared/tenant-directory.ts';

const config = readConfig();
const stores = createStores(config);

export const handler = createAuthorizer({
  config,
  identities: stores.identities,
  audit: stores.audit,
  tenants: new TenantDirectory(stores.tenants, { ttlMs: config.tenantCacheSeconds * 1000 }),
  logger: new Logger(),
  now: () => new Date(),
});
