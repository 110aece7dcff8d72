import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ServiceConfig } from '../config.ts';
import type { ClientSecretStore, StateKeyProvider } from '../ports.ts';
import { TableClientSecretStore } from './dynamodb/table-client-secret-store.ts';
import {
  createSecretsManagerClient,
  createSecretsProvider,
  SecretsManagerClientSecretStore,
} from './secrets-manager-secret-store.ts';
import { SecretsManagerStateKeyProvider, StaticStateKeyProvider } from './state-key.ts';

export interface LoginSecrets {
  readonly clientSecrets: ClientSecretStore;
  readonly stateKeys: StateKeyProvider;
}

/**
 * Picks where the login function's secrets come from: Secrets Manager when a
 * secret prefix / key id is configured (AWS), the table and a static key
 * otherwise (local stack). Created once per cold start.
 */
export function createLoginSecrets(config: ServiceConfig, client: DynamoDBDocumentClient): LoginSecrets {
  // One Secrets Manager client and cache for both kinds of secret; none where no secret is configured.
  const secretsClient = config.clientSecretPrefix || config.stateKeySecretId ? createSecretsManagerClient() : undefined;
  const secrets = secretsClient ? createSecretsProvider(secretsClient) : undefined;
  const clientSecrets =
    config.clientSecretPrefix && secretsClient
      ? new SecretsManagerClientSecretStore(
          config.clientSecretPrefix,
          config.secretsCacheSeconds,
          secretsClient,
          secrets,
        )
      : new TableClientSecretStore(client, config.tableName, config.secretsCacheSeconds);
  return { clientSecrets, stateKeys: stateKeyProvider(config, secrets) };
}

function stateKeyProvider(config: ServiceConfig, secrets: SecretsProvider | undefined): StateKeyProvider {
  if (config.stateKeySecretId && secrets) {
    return new SecretsManagerStateKeyProvider(config.stateKeySecretId, config.secretsCacheSeconds, secrets);
  }
  if (config.stateKey) return new StaticStateKeyProvider(config.stateKey);
  // Fail on use, not at import: a misconfigured function still answers what needs no key.
  return {
    getStateKey: async () => {
      throw new TypeError('Set STATE_KEY_SECRET_ID (AWS) or STATE_KEY (local) to seal login-state cookies');
    },
  };
}
