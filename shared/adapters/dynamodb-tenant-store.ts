import type { TenantStore } from '../ports.ts';
import type { RoleMapping } from '../roles.ts';
import type { TenantConfig } from '../tenants.ts';
import { guard } from './aws-errors.ts';
import type { DocumentClient } from './dynamodb-client.ts';
import { keys } from './table-schema.ts';

function toConfig(item: Record<string, unknown>): TenantConfig {
  return {
    tenantId: item.tenantId as string,
    issuer: item.issuer as string,
    orgUrl: item.orgUrl as string,
    clientId: item.clientId as string,
    tokenEndpointAuthMethod:
      item.tokenEndpointAuthMethod === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
    requestGroups: item.requestGroups === true,
    idTokenAlgorithms: Array.isArray(item.idTokenAlgorithms) ? (item.idTokenAlgorithms as string[]) : ['RS256'],
    allowedRedirectOrigins: Array.isArray(item.allowedRedirectOrigins) ? (item.allowedRedirectOrigins as string[]) : [],
    defaultRedirect: typeof item.defaultRedirect === 'string' ? item.defaultRedirect : undefined,
    roleMappings: Array.isArray(item.roleMappings) ? (item.roleMappings as RoleMapping[]) : [],
    defaultRoles: Array.isArray(item.defaultRoles) ? (item.defaultRoles as string[]) : [],
    allowedEmailDomains: Array.isArray(item.allowedEmailDomains) ? (item.allowedEmailDomains as string[]) : [],
    requireEmailVerified: item.requireEmailVerified === true,
    logoutRedirect: typeof item.logoutRedirect === 'string' ? item.logoutRedirect : undefined,
    ssoEnforced: item.ssoEnforced === true,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    ...(item.hasOwner === true ? { hasOwner: true } : {}),
  };
}

export class DynamoDbTenantStore implements TenantStore {
  constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
  ) {}

  async getTenant(tenantId: string): Promise<TenantConfig | undefined> {
    const { Item } = await guard(() =>
      this.client.get({ TableName: this.tableName, Key: keys.tenantConfig(tenantId) }),
    );
    return Item ? toConfig(Item) : undefined;
  }

  async putTenant(config: TenantConfig): Promise<void> {
    await guard(() =>
      this.client.put({
        TableName: this.tableName,
        Item: { ...keys.tenantConfig(config.tenantId), type: 'tenant', ...config },
      }),
    );
  }

  async deleteTenant(tenantId: string): Promise<boolean> {
    const { Attributes } = await guard(() =>
      this.client.delete({ TableName: this.tableName, Key: keys.tenantConfig(tenantId), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }

  async listTenants(): Promise<TenantConfig[]> {
    const tenants: TenantConfig[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await guard(() =>
        this.client.scan({
          TableName: this.tableName,
          FilterExpression: 'sk = :config',
          ExpressionAttributeValues: { ':config': 'CONFIG' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) tenants.push(toConfig(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return tenants.sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }
}
