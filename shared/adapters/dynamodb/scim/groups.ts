import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type {
  ScimGroup,
  ScimGroupDirectory,
  ScimGroupWrite,
  ScimGroupWriteOutcome,
  ScimMembers,
  ScimPage,
} from '../../../ports.ts';
import { SETTINGS } from '../../../settings.ts';
import { guard } from '../../aws-errors.ts';
import { scimGroupFromItem } from '../items.ts';
import { keys, memberSortKeyPrefix, SCIM_GROUP_SORT_KEY_PREFIX } from '../table-schema.ts';
import { type Item, pageOf, type ScimTable } from './common.ts';
import { type ScimGroupDefaults, startScimGroups } from './group-start.ts';
import { writeGroup } from './group-write.ts';

/**
 * SCIM's Groups in the table: each group, its displayName (a keyed item,
 * written in the same transaction as the group, so a lookup is a GetItem and
 * uniqueness is a conditional put) and one item per membership, all in the
 * tenant's partition; the members' roles are written with them.
 */
export class DynamoDbScimGroupDirectory implements ScimGroupDirectory {
  readonly #table: ScimTable;

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    auditRetentionDays: number = SETTINGS.auditRetentionDays.default,
  ) {
    this.#table = { client, tableName, auditRetentionDays };
  }

  async getGroup(tenantId: string, groupId: string): Promise<ScimGroup | undefined> {
    const Item = await this.#get(keys.scimGroup(tenantId, groupId));
    return Item ? scimGroupFromItem(Item) : undefined;
  }

  async findGroupIdByName(tenantId: string, displayName: string): Promise<string | undefined> {
    const Item = await this.#get(keys.groupName(tenantId, displayName));
    return typeof Item?.groupId === 'string' ? Item.groupId : undefined;
  }

  listGroups(tenantId: string, offset: number, limit: number): Promise<ScimPage<ScimGroup>> {
    const kind = { tenantId, prefix: SCIM_GROUP_SORT_KEY_PREFIX, type: 'scim_group' };
    return pageOf(this.#table, kind, { offset, limit }, scimGroupFromItem);
  }

  /**
   * `Limit` is what each Query may read (a projection does not make an item
   * cheaper), so the pages together ask for `limit + 1` items and no more:
   * a group of any size costs at most that, and the extra item says "more".
   */
  async listMembers(tenantId: string, groupId: string, limit: number): Promise<ScimMembers> {
    const { client, tableName } = this.#table;
    const userIds: string[] = [];
    let read = 0;
    let startKey: Item | undefined;
    do {
      const page = await guard(() =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: {
              ':pk': keys.tenantConfig(tenantId).pk,
              ':prefix': memberSortKeyPrefix(groupId),
            },
            ProjectionExpression: 'userId',
            ConsistentRead: true,
            Limit: limit + 1 - read,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        read++;
        if (typeof item.userId === 'string') userIds.push(item.userId);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && read <= limit);
    return { userIds: userIds.slice(0, limit), more: read > limit };
  }

  /** See `group-write.ts`: one transaction, or parts guarded by the group's version. */
  writeGroup(write: ScimGroupWrite): Promise<ScimGroupWriteOutcome> {
    return writeGroup(this.#table, write);
  }

  /** See `group-start.ts`. */
  startScimGroups(tenantId: string, defaults: ScimGroupDefaults): Promise<number> {
    return startScimGroups(this.#table, tenantId, defaults);
  }

  async #get(key: Item): Promise<Item | undefined> {
    const { client, tableName } = this.#table;
    const { Item } = await guard(() =>
      client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })),
    );
    return Item;
  }
}
