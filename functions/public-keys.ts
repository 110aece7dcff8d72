/**
 * Lambda entry for `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`.
 * Composition root, built once per cold start. It gets the public key store
 * only (the table item `SIGNING_KEYS` / `PUBLIC`): nothing here can read a
 * private key, and its IAM role has no grant that could (infra).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createDocumentClient } from '../shared/adapters/dynamodb/client.ts';
import { DynamoDbPublicKeyStore } from '../shared/adapters/dynamodb/public-key-store.ts';
import { readConfig } from '../shared/config.ts';
import { createPublicKeysHandler } from '../shared/session-token/public-routes.ts';

const config = readConfig();
const client = createDocumentClient({ endpoint: config.dynamoDbEndpoint, maxAttempts: 3 });

export const handler = createPublicKeysHandler({
  config,
  publicKeys: new DynamoDbPublicKeyStore(client, config.tableName),
  logger: new Logger(),
  now: () => new Date(),
});
