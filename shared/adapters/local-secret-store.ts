import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ClientSecretStore } from '../ports.ts';
import { guard } from './aws-errors.ts';
import { keys } from './table-schema.ts';

/**
 * Client secrets kept in the table: the local stack's stand-in for Secrets
 * Manager, so `npm start` and the CLI work with no AWS account. A deployed
 * stack sets CLIENT_SECRET_PREFIX and uses Secrets Manager instead.
 */
export class TableClientSecretStore implements ClientSecretStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getClientSecret(tenantId: string): Promise<string | undefined> {
    const { Item } = await guard(() =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.localClientSecret(tenantId) })),
    );
    return typeof Item?.secret === 'string' ? Item.secret : undefined;
  }

  async putClientSecret(tenantId: string, secret: string): Promise<void> {
    await guard(() =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.localClientSecret(tenantId), type: 'client_secret', secret },
        }),
      ),
    );
  }

  async deleteClientSecret(tenantId: string): Promise<void> {
    await guard(() =>
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.localClientSecret(tenantId) })),
    );
  }
}
