/**
 * Lambda authorizer for the app's own routes (HTTP API, payload 2.0, simple
 * responses). Composition root, built once per cold start.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { openTable, sessionStoreOn, tenantReaderOn } from '../shared/adapters/runtime.ts';
import { appCredentialVerifierFromEnv } from '../shared/app-credentials.ts';
import { createAuthorizer } from '../shared/authorizer.ts';
import { readConfig } from '../shared/config.ts';

const config = readConfig();
const table = openTable(config);

export const handler = createAuthorizer({
  config,
  sessions: sessionStoreOn(table),
  tenantStore: tenantReaderOn(table),
  appCredentials: appCredentialVerifierFromEnv(),
  logger: new Logger(),
  now: () => new Date(),
});
