import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { UserKeyItem, UserLookup } from '../../ports.ts';
import { guard } from '../aws-errors.ts';
import { USER_LINK_ITEM, USER_TOMBSTONE_ITEM, userFromItem } from './items.ts';
import { keys } from './table-schema.ts';

/** The keyed reads people are resolved by (`user-identity.ts`), each one consistent GetItem. */
export class DynamoDbUserLookup implements UserLookup {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async readUserKey(tenantId: string, userId: string): Promise<UserKeyItem | undefined> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.user(tenantId, userId), ConsistentRead: true }),
      ),
    );
    return Item ? userKeyItem(Item) : undefined;
  }

  findUserIdByUserName(tenantId: string, userName: string): Promise<string | undefined> {
    return this.#pointer(keys.userName(tenantId, userName));
  }

  findUserIdByExternalId(tenantId: string, externalId: string): Promise<string | undefined> {
    return this.#pointer(keys.externalId(tenantId, externalId));
  }

  async #pointer(key: { pk: string; sk: string }): Promise<string | undefined> {
    const { Item } = await guard(() =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return typeof Item?.userId === 'string' ? Item.userId : undefined;
  }
}

/** What an item at a `USER#` key is. */
export function userKeyItem(item: Record<string, unknown>): UserKeyItem | undefined {
  if (item.type === USER_LINK_ITEM && typeof item.userId === 'string') return { kind: 'link', userId: item.userId };
  if (item.type === USER_TOMBSTONE_ITEM) {
    return {
      kind: 'deleted',
      userId: item.userId as string,
      deletedAt: typeof item.deletedAt === 'string' ? item.deletedAt : undefined,
    };
  }
  if (item.type === 'user') return { kind: 'user', user: userFromItem(item) };
  return undefined;
}
