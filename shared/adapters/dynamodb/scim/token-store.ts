import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ScimContext, ScimTokenStore } from '../../../ports.ts';
import { guard } from '../../aws-errors.ts';
import { keys } from '../table-schema.ts';
import { tenantConfigFromItem } from '../tenant-store.ts';
import { batchGet, type TableRef } from './common.ts';

/** The tenant's SCIM token hash: one item next to the tenant's config, read together with it. */
export class DynamoDbScimTokenStore implements ScimTokenStore {
  readonly #table: TableRef;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#table = { client, tableName };
  }

  /** The tenant's config and token hash in one request, read consistently: a rotated token stops at once. */
  async getScimContext(tenantId: string): Promise<ScimContext> {
    const items = await batchGet(this.#table, [keys.tenantConfig(tenantId), keys.scimToken(tenantId)]);
    const config = items.find((item) => item.sk === 'CONFIG');
    const token = items.find((item) => item.sk === 'SCIM_TOKEN');
    return {
      tenant: config ? tenantConfigFromItem(config) : undefined,
      tokenHash: typeof token?.tokenHash === 'string' ? token.tokenHash : undefined,
    };
  }

  async putScimTokenHash(tenantId: string, tokenHash: string, now: string): Promise<void> {
    const { client, tableName } = this.#table;
    await guard(() =>
      client.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...keys.scimToken(tenantId), type: 'scim_token', tenantId, tokenHash, createdAt: now },
        }),
      ),
    );
  }
}
