/**
 * Lambda authorizer for the app's own routes (HTTP API, payload 2.0, simple
 * responses). Composition root, built once per cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createStores } from '../shared/adapters/runtime.ts';
import { appCredentialVerifierFromEnv } from '../shared/app-credentials.ts';
import { createAuthorizer } from '../shared/authorizer.ts';
import { readConfig } from '../shared/config.ts';

const config = readConfig();
const stores = createStores(config);

export const handler = createAuthorizer({
  config,
  sessions: stores.sessions,
  tenantStore: stores.tenants,
  appCredentials: appCredentialVerifierFromEnv(),
  logger: new Logger(),
  now: () => new Date(),
});
