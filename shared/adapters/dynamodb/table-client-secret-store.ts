import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ClientSecretStore } from '../../ports.ts';
import { guard } from '../aws-errors.ts';
import { keys } from './table-schema.ts';

/**
 * Client secrets kept in the table: the local stack's stand-in for Secrets
 * Manager, so `npm start` and the CLI work with no AWS account. A deployed
 * stack sets CLIENT_SECRET_PREFIX and uses Secrets Manager instead.
 */
export class TableClientSecretStore implements ClientSecretStore {
  readonly #cache = new Map<string, { secret: string; expiresAt: number }>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Cached like Secrets Manager reads in AWS, so a warm login reads no secret. @default 0 (no cache) */
    private readonly maxAgeSeconds = 0,
  ) {}

  async getClientSecret(tenantId: string, options: { readonly fresh?: boolean } = {}): Promise<string | undefined> {
    const cached = this.#cache.get(tenantId);
    if (cached && cached.expiresAt > Date.now() && !options.fresh) return cached.secret;
    const { Item } = await guard(() =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.localClientSecret(tenantId) })),
    );
    const secret = typeof Item?.secret === 'string' ? Item.secret : undefined;
    if (secret && this.maxAgeSeconds > 0) {
      this.#cache.set(tenantId, { secret, expiresAt: Date.now() + this.maxAgeSeconds * 1000 });
    }
    return secret;
  }

  async hasClientSecret(tenantId: string): Promise<boolean> {
    return (await this.getClientSecret(tenantId, { fresh: true })) !== undefined;
  }

  /** The cached value goes too: this store reads its own change at once, as the Secrets Manager store does. */
  async putClientSecret(tenantId: string, secret: string): Promise<void> {
    await guard(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.localClientSecret(tenantId), type: 'client_secret', secret },
        }),
      ),
    );
    this.#cache.delete(tenantId);
  }

  async deleteClientSecret(tenantId: string): Promise<void> {
    await guard(() =>
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.localClientSecret(tenantId) })),
    );
    this.#cache.delete(tenantId);
  }
}
