/**
 * When a tenant gets its first SCIM group, users SCIM has not put in any
 * group get none (the default roles) at once rather than keep the roles of
 * their last login. Each update is conditional on the user's version as
 * read and bumps it, so it never overwrites a change made meanwhile: a user
 * whose groups SCIM set meanwhile is left alone, one changed otherwise is
 * read again and started at its new version. A login that finds a user
 * still without groups does the same for that user.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { guard } from '../../aws-errors.ts';
import { isConditionFailure } from '../conditional.ts';
import { USER_ITEM } from '../items.ts';
import { pages, tenantItemsQuery } from '../paginate.ts';
import { keys, USER_SORT_KEY_PREFIX } from '../table-schema.ts';
import { type Item, scimVersionCondition, type TableRef } from './common.ts';

/** The groups and roles a user without SCIM groups gets. */
export interface ScimGroupDefaults {
  readonly groups: readonly string[];
  readonly roles: readonly string[];
}

/** Attempts per user before leaving the user to its next login. */
const START_ATTEMPTS = 3;
/** Users updated at a time: quick for the few thousand users of a tenant, gentle on capacity. */
const CONCURRENT_UPDATES = 10;

/** Starts every user of the tenant without SCIM groups; how many it started. */
export async function startScimGroups(table: TableRef, tenantId: string, defaults: ScimGroupDefaults): Promise<number> {
  let started = 0;
  const usersWithoutGroups = tenantItemsQuery(
    table.tableName,
    tenantId,
    { prefix: USER_SORT_KEY_PREFIX, type: USER_ITEM },
    { withoutAttribute: 'scimGroups', projection: 'userId, scimVersion' },
  );
  for await (const items of pages(table.client, usersWithoutGroups)) {
    for (let start = 0; start < items.length; start += CONCURRENT_UPDATES) {
      const updates = items.slice(start, start + CONCURRENT_UPDATES).map(async (item) => {
        if (await startUser(table, tenantId, item, defaults)) started++;
      });
      await Promise.all(updates);
    }
  }
  return started;
}

/** One user without SCIM groups gets none, at the version read; read again after a lost race, a few times. */
async function startUser(table: TableRef, tenantId: string, read: Item, defaults: ScimGroupDefaults): Promise<boolean> {
  const key = keys.user(tenantId, read.userId as string);
  let version = typeof read.scimVersion === 'number' ? read.scimVersion : 0;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      await guard(() => table.client.send(startUpdate(table.tableName, key, version, defaults)));
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { Item } = await guard(() =>
      table.client.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true })),
    );
    // Gone, or given its SCIM groups meanwhile: nothing to start.
    if (Item?.type !== USER_ITEM || Item.scimGroups !== undefined) return false;
    version = typeof Item.scimVersion === 'number' ? Item.scimVersion : 0;
  }
  // Still changing: its next login (or group change) starts it.
  return false;
}

function startUpdate(tableName: string, key: Item, version: number, defaults: ScimGroupDefaults): UpdateCommand {
  const condition = scimVersionCondition(version);
  return new UpdateCommand({
    TableName: tableName,
    Key: key,
    UpdateExpression: 'SET scimGroups = :none, #groups = :groups, #roles = :roles, scimVersion = :next',
    ConditionExpression: `attribute_exists(pk) AND #type = :user AND attribute_not_exists(scimGroups) AND ${condition.condition}`,
    ExpressionAttributeNames: { '#groups': 'groups', '#roles': 'roles', '#type': 'type' },
    ExpressionAttributeValues: {
      ':none': {},
      ':groups': defaults.groups,
      ':roles': defaults.roles,
      ':user': USER_ITEM,
      ':next': version + 1,
      ...condition.values,
    },
  });
}
