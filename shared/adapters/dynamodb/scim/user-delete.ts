/**
 * The items of SCIM `DELETE /Users/{id}` (`deleteUser`): tombstones at the
 * user's id and at a login's link to it, its keys released, and as many of
 * its memberships as fit in the same transaction.
 */
import type { ScimUserDelete } from '../../../ports.ts';
import { USER_ITEM, USER_LINK_ITEM, USER_TOMBSTONE_ITEM } from '../items.ts';
import { keys } from '../table-schema.ts';
import { epochCondition, type Item, type Named, scimVersionCondition, TRANSACTION_ITEMS } from './common.ts';
import { releaseItem } from './user-write.ts';

/** The tombstones and released keys (audit events not included). */
export function userDeleteItems(tableName: string, write: ScimUserDelete): Named[] {
  const named: Named[] = [{ name: 'user', item: { Put: userTombstonePut(tableName, write) } }];
  if (write.linkedFrom) {
    named.push({
      name: 'link',
      item: {
        Put: {
          TableName: tableName,
          Item: tombstone(write, write.linkedFrom),
          ConditionExpression: 'attribute_not_exists(pk) OR (#type = :link AND userId = :userId)',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':link': USER_LINK_ITEM, ':userId': write.userId },
        },
      },
    });
  }
  if (write.userName) named.push(releaseItem(tableName, keys.userName(write.tenantId, write.userName), write.userId));
  if (write.externalId) {
    named.push(releaseItem(tableName, keys.externalId(write.tenantId, write.externalId), write.userId));
  }
  return named;
}

/**
 * The user's memberships split into those that fit next to `others` in one
 * transaction (named `member`) and the keys of the rest, removed after it.
 */
export function membershipRemovals(
  tableName: string,
  write: ScimUserDelete,
  others: number,
): { inTransaction: Named[]; after: Item[] } {
  const memberships = write.groupIds.map((groupId) => keys.member(write.tenantId, groupId, write.userId));
  const room = Math.max(0, TRANSACTION_ITEMS - others);
  return {
    inTransaction: memberships
      .slice(0, room)
      .map((Key) => ({ name: 'member', item: { Delete: { TableName: tableName, Key } } })),
    after: memberships.slice(room),
  };
}

/** The user's own item, conditional on the version and the epoch read. */
function userTombstonePut(tableName: string, write: ScimUserDelete) {
  const version = scimVersionCondition(write.expectedVersion);
  const epoch = epochCondition(write.epochAsRead);
  return {
    TableName: tableName,
    Item: tombstone(write, write.userId),
    ConditionExpression: `#type = :user AND ${version.condition} AND ${epoch.condition}`,
    ExpressionAttributeNames: { '#type': 'type', ...epoch.names },
    ExpressionAttributeValues: { ':user': USER_ITEM, ...version.values, ...epoch.values },
  };
}

/** What is left at `atId` (the user's id, or the login's derived id that linked to it). */
function tombstone(write: ScimUserDelete, atId: string): Item {
  return {
    ...keys.user(write.tenantId, atId),
    type: USER_TOMBSTONE_ITEM,
    tenantId: write.tenantId,
    userId: write.userId,
    ...(write.issuer && write.sub ? { issuer: write.issuer, sub: write.sub } : {}),
    // The OWNER item names the user's own id: only there does the role carry over.
    role: atId === write.userId ? write.role : 'member',
    sessionsNotBeforeMs: write.endSessionsBefore,
    deletedAt: write.now,
  };
}
