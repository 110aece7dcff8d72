import type { ServiceConfig } from '../config.ts';
import type { AuditLog, IdentityStore, TenantStore } from '../ports.ts';
import { createDocumentClient, type DocumentClient } from './dynamodb-client.ts';
import { DynamoDbIdentityStore } from './dynamodb-identity-store.ts';
import { DynamoDbTenantStore } from './dynamodb-tenant-store.ts';

export interface Stores {
  readonly tenants: TenantStore;
  readonly identities: IdentityStore;
  readonly audit: AuditLog;
  /** The process's one DynamoDB client, for adapters built next to the stores (login secrets). */
  readonly client: DocumentClient;
}

/**
 * The table's adapters for this deployment, on one DynamoDB client created
 * here, once per cold start. Secrets are separate (`login-secrets.ts`): only
 * the login function reads them, so only its bundle carries Secrets Manager.
 */
export function createStores(config: ServiceConfig): Stores {
  const client = createDocumentClient({ endpoint: config.dynamoDbEndpoint, maxAttempts: 3 });
  const identities = new DynamoDbIdentityStore(client, config.tableName, config.auditRetentionDays);
  return {
    tenants: new DynamoDbTenantStore(client, config.tableName),
    identities,
    audit: identities,
    client,
  };
}
