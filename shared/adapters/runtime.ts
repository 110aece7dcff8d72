import type { ServiceConfig } from '../config.ts';
import type { AuditLog, ClientSecretStore, IdentityStore, StateKeyProvider, TenantStore } from '../ports.ts';
import { createDocumentClient } from './dynamodb-client.ts';
import { DynamoDbIdentityStore } from './dynamodb-identity-store.ts';
import { DynamoDbTenantStore } from './dynamodb-tenant-store.ts';
import { TableClientSecretStore } from './local-secret-store.ts';
import {
  createSecretsManagerClient,
  SecretsManagerClientSecretStore,
  SecretsProvider,
} from './secrets-manager-secret-store.ts';
import { SecretsManagerStateKeyProvider, StaticStateKeyProvider } from './state-key.ts';

export interface Stores {
  readonly tenants: TenantStore;
  readonly identities: IdentityStore;
  readonly audit: AuditLog;
  readonly clientSecrets: ClientSecretStore;
  readonly stateKeys: StateKeyProvider;
}

/**
 * Picks the adapters for this deployment from its config: Secrets Manager when
 * a secret prefix / key id is configured (AWS), the table and a static key
 * otherwise (local stack). Clients are created here, once per cold start.
 */
export function createStores(config: ServiceConfig): Stores {
  // Lambda has ~29 s behind API Gateway; a login should fail fast rather than retry for long.
  const client = createDocumentClient({ endpoint: config.dynamoDbEndpoint, maxAttempts: 3 });
  // One Secrets Manager client and cache for both kinds of secret; none where no secret is configured.
  const secretsClient = config.clientSecretPrefix || config.stateKeySecretId ? createSecretsManagerClient() : undefined;
  const secrets = secretsClient ? new SecretsProvider(secretsClient) : undefined;
  const clientSecrets =
    config.clientSecretPrefix && secretsClient
      ? new SecretsManagerClientSecretStore(
          config.clientSecretPrefix,
          config.secretsCacheSeconds,
          secretsClient,
          secrets,
        )
      : new TableClientSecretStore(client, config.tableName, config.secretsCacheSeconds);
  const identities = new DynamoDbIdentityStore(client, config.tableName, config.auditRetentionDays);
  return {
    tenants: new DynamoDbTenantStore(client, config.tableName),
    identities,
    audit: identities,
    clientSecrets,
    stateKeys: stateKeyProvider(config, secrets),
  };
}

function stateKeyProvider(config: ServiceConfig, secrets: SecretsProvider | undefined): StateKeyProvider {
  if (config.stateKeySecretId && secrets) {
    return new SecretsManagerStateKeyProvider(config.stateKeySecretId, config.secretsCacheSeconds, secrets);
  }
  if (config.stateKey) return new StaticStateKeyProvider(config.stateKey);
  // Fail on use, not at import: the session function never needs this key.
  return {
    getStateKey: async () => {
      throw new TypeError('Set STATE_KEY_SECRET_ID (AWS) or STATE_KEY (local) to seal login-state cookies');
    },
  };
}
