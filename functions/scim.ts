/**
 * Lambda entry for the tenants' SCIM 2.0 endpoints (`/t/{tenant}/scim/v2/...`,
 * Okta's provisioning). Composition root, built once per cold start; no
 * secrets and no Okta calls: only the table.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbScimDirectory } from '../shared/adapters/dynamodb/scim-directory.ts';
import { createStores } from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { createScimHandler } from '../shared/scim/routes.ts';

const config = readConfig();
const stores = createStores(config);

export const handler = createScimHandler({
  config,
  scim: new DynamoDbScimDirectory(stores.client, config.tableName, config.auditRetentionDays),
  audit: stores.audit,
  logger: new Logger(),
  now: () => new Date(),
});
