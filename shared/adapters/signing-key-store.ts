import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ServiceConfig } from '../config.ts';
import type { SigningKeyStore } from '../ports.ts';
import { TableSigningKeyStore } from './dynamodb/table-signing-key-store.ts';
import { createSecretsManagerClient, createSecretsProvider } from './secrets-manager-secret-store.ts';
import { SecretsManagerSigningKeyStore } from './secrets-manager-signing-key-store.ts';

/**
 * Where the signing keys live: the Secrets Manager secret `SIGNING_KEYS_SECRET_ID`
 * plus the table's public item (AWS), or the table alone (local stack).
 * Created once per cold start by the functions that may read private keys
 * (the token function, the rotation) and by the CLI.
 */
export function createSigningKeyStore(
  config: Pick<ServiceConfig, 'signingKeysSecretId' | 'secretsCacheSeconds' | 'tableName'>,
  client: DynamoDBDocumentClient,
): SigningKeyStore & { destroy?(): void } {
  if (!config.signingKeysSecretId) {
    return new TableSigningKeyStore(client, config.tableName, config.secretsCacheSeconds);
  }
  const secretsClient = createSecretsManagerClient();
  return new SecretsManagerSigningKeyStore(
    config.signingKeysSecretId,
    config.secretsCacheSeconds,
    secretsClient,
    createSecretsProvider(secretsClient),
    client,
    config.tableName,
  );
}
