import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ServiceConfig } from '../config.ts';
import type {
  AuditLog,
  LoginStore,
  ReplayGuard,
  SessionStore,
  SetupStore,
  TenantReader,
  TenantStore,
  UserDirectory,
} from '../ports.ts';
import { DynamoDbAuditLog } from './dynamodb/audit-log.ts';
import { createDocumentClient } from './dynamodb/client.ts';
import { DynamoDbLoginStore } from './dynamodb/login-store.ts';
import { DynamoDbReplayGuard } from './dynamodb/replay-guard.ts';
import { DynamoDbSessionStore } from './dynamodb/session-store.ts';
import { DynamoDbSetupStore } from './dynamodb/setup-store.ts';
import { DynamoDbTenantReader, DynamoDbTenantStore } from './dynamodb/tenant-store.ts';
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

/** A deployment's table: the process's one DynamoDB client, the table's name, how long audit events are kept. */
export interface Table {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly auditRetentionDays?: number;
}

/**
 * The deployment's table (`config`) on the process's one DynamoDB client,
 * opened once per cold start. A function builds from it only the stores it
 * uses (`tenantStoreOn(table)`, …), so its bundle carries only those
 * adapters. Secrets are separate (`login-secrets.ts`).
 */
export function openTable(config: Pick<ServiceConfig, 'dynamoDbEndpoint' | 'tableName' | 'auditRetentionDays'>): Table {
  const client = createDocumentClient({ endpoint: config.dynamoDbEndpoint, maxAttempts: 3 });
  return { client, tableName: config.tableName, auditRetentionDays: config.auditRetentionDays };
}

export const tenantStoreOn = (table: Table): TenantStore => new DynamoDbTenantStore(table.client, table.tableName);
/** The tenants, read only: what a function that never writes a tenant builds. */
export const tenantReaderOn = (table: Table): TenantReader => new DynamoDbTenantReader(table.client, table.tableName);
export const loginStoreOn = (table: Table): LoginStore =>
  new DynamoDbLoginStore(table.client, table.tableName, table.auditRetentionDays);
export const sessionStoreOn = (table: Table): SessionStore => new DynamoDbSessionStore(table.client, table.tableName);
export const userDirectoryOn = (table: Table): UserDirectory =>
  new DynamoDbUserDirectory(table.client, table.tableName);
export const auditLogOn = (table: Table): AuditLog =>
  new DynamoDbAuditLog(table.client, table.tableName, table.auditRetentionDays);
export const setupStoreOn = (table: Table): SetupStore => new DynamoDbSetupStore(table.client, table.tableName);
export const replayGuardOn = (table: Table): ReplayGuard => new DynamoDbReplayGuard(table.client, table.tableName);

/** Every store of the table, for tools and tests (the CLI, the store contract); functions build only theirs. */
export function storesOn(client: DynamoDBDocumentClient, tableName: string, auditRetentionDays?: number): Stores {
  const table: Table = { client, tableName, ...(auditRetentionDays !== undefined ? { auditRetentionDays } : {}) };
  return {
    tenants: tenantStoreOn(table),
    logins: loginStoreOn(table),
    sessions: sessionStoreOn(table),
    users: userDirectoryOn(table),
    audit: auditLogOn(table),
    setup: setupStoreOn(table),
    replays: replayGuardOn(table),
    client,
  };
}
