import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../../errors.ts';
import type { TenantReader, TenantStore, TenantWriteOutcome } from '../../ports.ts';
import type { RoleMapping } from '../../roles.ts';
import { TENANT_CONFIG_WRITE_FIELDS, type TenantConfig } from '../../tenants.ts';
import { guard } from '../aws-errors.ts';
import { isConditionFailure } from './conditional.ts';
import { collect, pages } from './paginate.ts';
import { keys } from './table-schema.ts';

/** A tenant config item as the domain's config (also read by the SCIM directory with its token). */
export function tenantConfigFromItem(item: Record<string, unknown>): TenantConfig {
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
    // On unless turned off: a tenant saved before the setting existed has it on, as new ones do.
    universalLogout: item.universalLogout !== false,
    createdAt: item.createdAt as string,
    updatedAt: item.updatedAt as string,
    ...(typeof item.generation === 'string' ? { generation: item.generation } : {}),
    ...(item.hasOwner === true ? { hasOwner: true } : {}),
    ...(item.status === 'setup' || item.status === 'active' ? { status: item.status } : {}),
    ...(typeof item.activatedAt === 'string' ? { activatedAt: item.activatedAt } : {}),
    ...(item.scimGroups === true ? { scimGroups: true } : {}),
    // Items written before config versions have none: version 0.
    configVersion: typeof item.configVersion === 'number' ? item.configVersion : 0,
  };
}

const BATCH_WRITE_LIMIT = 25;

/**
 * Reads a tenant's config: what the functions that only read tenants build
 * (login, session, session token, authorizer, Universal Logout), so their
 * bundles leave out the writes, listing and purge of `DynamoDbTenantStore`.
 */
export class DynamoDbTenantReader implements TenantReader {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async getTenant(tenantId: string): Promise<TenantConfig | undefined> {
    const { Item } = await guard(() =>
      // Consistent: a change made with the CLI is seen by the next read (authorizer, cache misses).
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.tenantConfig(tenantId), ConsistentRead: true }),
      ),
    );
    return Item ? tenantConfigFromItem(Item) : undefined;
  }
}

/** A tenant's config and data, read and written: the CLI and the setup function. */
export class DynamoDbTenantStore extends DynamoDbTenantReader implements TenantStore {
  /**
   * Writes what a config write owns (`TENANT_CONFIG_WRITE_FIELDS`), conditional on
   * what the caller read: a config not stored yet (`configVersion` absent) is
   * created only where there is none; a stored one is updated only while it is
   * the same tenant (the item exists, same generation: a deleted tenant is
   * never re-created by a write that read it before the delete) at the version
   * read, and each write bumps that version. An update, not a put: the item
   * also holds what other writers own (`hasOwner` from the login transaction,
   * `scimGroups` from SCIM, the tenant's revocation epoch), which a config
   * write never sets or removes. Settings the config leaves undefined are
   * removed. Items from before versions have none: version 0.
   */
  async putTenant(config: TenantConfig): Promise<TenantWriteOutcome> {
    return config.configVersion === undefined ? this.#create(config) : this.#update(config, config.configVersion);
  }

  async #create(config: TenantConfig): Promise<TenantWriteOutcome> {
    const { configVersion: _read, ...fields } = config;
    const item = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    try {
      await guard(() =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.tenantConfig(config.tenantId), type: 'tenant', ...item, configVersion: 1 },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return 'written';
    } catch (error) {
      // Created meanwhile by another writer: the caller reads it and applies its change to it.
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  async #update(config: TenantConfig, version: number): Promise<TenantWriteOutcome> {
    const names: Record<string, string> = { '#generation': 'generation', '#version': 'configVersion' };
    const values: Record<string, unknown> = { ':next': version + 1 };
    const set = ['#version = :next'];
    const remove: string[] = [];
    for (const [index, field] of TENANT_CONFIG_WRITE_FIELDS.entries()) {
      const value = config[field];
      names[`#f${index}`] = field;
      if (value === undefined) remove.push(`#f${index}`);
      else {
        values[`:v${index}`] = value;
        set.push(`#f${index} = :v${index}`);
      }
    }
    const conditions = ['attribute_exists(pk)'];
    if (config.generation) {
      conditions.push('#generation = :generation');
      values[':generation'] = config.generation;
    } else conditions.push('attribute_not_exists(#generation)');
    if (version === 0) conditions.push('attribute_not_exists(#version)');
    else {
      conditions.push('#version = :version');
      values[':version'] = version;
    }
    try {
      await guard(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.tenantConfig(config.tenantId),
            UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return 'written';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // Lost: the tenant read is gone (no config, or another generation), or its config changed.
    const now = await this.getTenant(config.tenantId);
    return now && now.generation === config.generation ? 'conflict' : 'not_found';
  }

  async deleteTenant(tenantId: string): Promise<boolean> {
    const { Attributes } = await guard(() =>
      this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: keys.tenantConfig(tenantId), ReturnValues: 'ALL_OLD' }),
      ),
    );
    return Attributes !== undefined;
  }

  async hasTenantData(tenantId: string): Promise<boolean> {
    const page = await guard(() =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.tenantConfig(tenantId).pk },
          ProjectionExpression: 'pk',
          ConsistentRead: true,
          Limit: 1,
        }),
      ),
    );
    return (page.Items ?? []).length > 0;
  }

  /**
   * Deletes every item of the tenant's partition (users, owner, config,
   * locally the client secret, pending setup state), a page at a time, 25
   * items per BatchWriteItem with unprocessed items retried. Safe to run
   * again after an interruption: it continues with what is left.
   */
  async purgeTenantData(tenantId: string): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for await (const items of pages(this.client, {
      operation: 'query',
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.tenantConfig(tenantId).pk },
      ExpressionAttributeNames: { '#type': 'type' },
      ProjectionExpression: 'pk, sk, #type',
      ConsistentRead: true,
    })) {
      for (let start = 0; start < items.length; start += BATCH_WRITE_LIMIT) {
        const batch = items.slice(start, start + BATCH_WRITE_LIMIT);
        await this.#deleteAll(batch.map((item) => ({ pk: item.pk, sk: item.sk })));
        for (const item of batch) {
          const kind = typeof item.type === 'string' ? item.type : 'other';
          removed[kind] = (removed[kind] ?? 0) + 1;
        }
      }
    }
    return removed;
  }

  async #deleteAll(keysToDelete: Array<Record<string, unknown>>): Promise<void> {
    let pending = keysToDelete.map((key) => ({ DeleteRequest: { Key: key } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= 8) throw new StoreUnavailableError(new Error('BatchWriteItem kept returning unprocessed items'));
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt * Math.random()));
      const requests = pending;
      const output = await guard(() =>
        this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } })),
      );
      pending = (output.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
    }
  }

  async listTenants(): Promise<TenantConfig[]> {
    const tenants = await collect(
      this.client,
      {
        operation: 'scan',
        TableName: this.tableName,
        FilterExpression: 'sk = :config',
        ExpressionAttributeValues: { ':config': 'CONFIG' },
      },
      tenantConfigFromItem,
    );
    return tenants.sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }
}
