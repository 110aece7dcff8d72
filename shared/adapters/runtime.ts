import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ServiceConfig } from '../config.ts';
import type {
  AuditLog,
  LoginStore,
  ReplayGuard,
  SessionStore,
  SetupStore,
  TenantStore,
  UserDirectory,
} from '../ports.ts';
import { DynamoDbAuditLog } from './dynamodb/audit-log.ts';
import { createDocumentClient } from './dynamodb/client.ts';
import { DynamoDbLoginStore } from './dynamodb/login-store.ts';
import { DynamoDbReplayGuard } from './dynamodb/replay-guard.ts';
import { DynamoDbSessionStore } from './dynamodb/session-store.ts';
import { DynamoDbSetupStore } from './dynamodb/setup-store.ts';
import { DynamoDbTenantStore } from './dynamodb/tenant-store.ts';
import { DynamoDbUserDirectory } from './dynamodb/user-directory.ts';

export interface Stores {
  readonly tenants: TenantStore;
  readonly logins: LoginStore;
  readonly sessions: SessionStore;
  readonly users: UserDirectory;
  readonly audit: AuditLog;
  readonly setup: SetupStore;
  readonly replays: ReplayGuard;
  /** The process's one DynamoDB client, for adapters built next to the stores (login secrets). */
  readonly client: DynamoDBDocumentClient;
}

/**
 * The table's adapters on one DynamoDB client, for a deployment (`config`)
 * or a tool (an explicit client and table). In a function they are created
 * once per cold start. Secrets are separate (`login-secrets.ts`): only the
 * login function reads them, so only its bundle carries Secrets Manager.
 */
export function createStores(
  config: Pick<ServiceConfig, 'dynamoDbEndpoint' | 'tableName' | 'auditRetentionDays'>,
): Stores {
  const client = createDocumentClient({ endpoint: config.dynamoDbEndpoint, maxAttempts: 3 });
  return storesOn(client, config.tableName, config.auditRetentionDays);
}

export function storesOn(client: DynamoDBDocumentClient, tableName: string, auditRetentionDays?: number): Stores {
  return {
    tenants: new DynamoDbTenantStore(client, tableName),
    logins: new DynamoDbLoginStore(client, tableName, auditRetentionDays),
    sessions: new DynamoDbSessionStore(client, tableName),
    users: new DynamoDbUserDirectory(client, tableName),
    audit: new DynamoDbAuditLog(client, tableName, auditRetentionDays),
    setup: new DynamoDbSetupStore(client, tableName),
    replays: new DynamoDbReplayGuard(client, tableName),
    client,
  };
}
