/**
 * Lambda entry for `GET /session/token` and its CORS preflight. Composition
 * root, built once per cold start. The only function that reads the private
 * signing keys (its own Secrets Manager grant in AWS); it builds only what
 * the route needs: the session store, the tenant directory (CORS for a
 * tenant's origins) and the signing keys — no Okta clients, no audit log.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.ts';
import { DynamoDbSessionStore } from '../shared/adapters/dynamodb/session-store.ts';
import { DynamoDbTenantReader } from '../shared/adapters/dynamodb/tenant-store.ts';
import { createSigningKeyStore } from '../shared/adapters/signing-key-store.ts';
import { readConfig } from '../shared/config.ts';
import { createSessionTokenHandler } from '../shared/session-token/routes.ts';
import { TenantDirectory } from '../shared/tenant-directory.ts';

const config = readConfig();
const client = createDocumentClient({ endpoint: config.dynamoDbEndpoint, maxAttempts: 3 });

export const handler = createSessionTokenHandler({
  config,
  sessions: new DynamoDbSessionStore(client, config.tableName),
  tenants: new TenantDirectory(new DynamoDbTenantReader(client, config.tableName), {
    ttlMs: config.tenantCacheSeconds * 1000,
  }),
  // AWS: the Secrets Manager secret (cached for SECRETS_CACHE_SECONDS); the local stack: the table.
  signingKeys: createSigningKeyStore(config, client),
  logger: new Logger(),
  now: () => new Date(),
});
