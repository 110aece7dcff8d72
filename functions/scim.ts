/**
 * Lambda entry for the tenants' SCIM 2.0 endpoints (`/t/{tenant}/scim/v2/...`,
 * Okta's provisioning). Composition root, built once per cold start; no
 * secrets and no Okta calls: only the table.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbScimDirectory } from '../shared/adapters/dynamodb/scim-directory.ts';
import { auditLogOn, openTable } from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { createScimHandler } from '../shared/scim/routes.ts';

const config = readConfig();
const table = openTable(config);

export const handler = createScimHandler({
  config,
  scim: new DynamoDbScimDirectory(table.client, config.tableName, config.auditRetentionDays),
  audit: auditLogOn(table),
  logger: new Logger(),
  now: () => new Date(),
});
