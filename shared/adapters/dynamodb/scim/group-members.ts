/**
 * What a group write does to its members, as transaction items grouped by
 * user: the membership diff (member items put for `addMembers`, deleted for
 * `removeMembers`) and the role recomputation (each affected user's SCIM
 * groups, groups and roles, conditional on the version they were computed
 * from). A user's items form one unit, never split across transactions.
 */
import type { ScimGroupWrite, ScimMembershipWrite } from '../../../ports.ts';
import type { TransactItem } from '../client.ts';
import { USER_ITEM } from '../items.ts';
import { keys } from '../table-schema.ts';
import { type Named, scimVersionCondition } from './common.ts';

/** One unit per user the write touches: its member item change, then its role update. */
export function memberUnits(tableName: string, write: ScimGroupWrite): Named[][] {
  const units = new Map<string, Named[]>();
  const add = (userId: string, named: Named) => {
    const unit = units.get(userId) ?? [];
    unit.push(named);
    units.set(userId, unit);
  };
  for (const change of membershipDiff(tableName, write)) add(change.userId, change.named);
  for (const user of write.users) {
    add(user.userId, { name: 'user', item: roleUpdate(tableName, write.tenantId, user) });
  }
  return [...units.values()];
}

/** The member items the write adds and removes, in that order. */
function membershipDiff(tableName: string, write: ScimGroupWrite): { userId: string; named: Named }[] {
  const { tenantId, group } = write;
  const added = write.addMembers.map((userId) => ({
    userId,
    named: {
      name: 'member',
      item: {
        Put: {
          TableName: tableName,
          Item: {
            ...keys.member(tenantId, group.groupId, userId),
            type: 'scim_member',
            tenantId,
            groupId: group.groupId,
            userId,
          },
        },
      },
    },
  }));
  const removed = write.removeMembers.map((userId) => ({
    userId,
    named: {
      name: 'member',
      item: { Delete: { TableName: tableName, Key: keys.member(tenantId, group.groupId, userId) } },
    },
  }));
  return [...added, ...removed];
}

/** A user's groups and roles as recomputed from its SCIM groups, at the version they were computed from. */
function roleUpdate(tableName: string, tenantId: string, user: ScimMembershipWrite): TransactItem {
  const version = scimVersionCondition(user.expectedVersion);
  return {
    Update: {
      TableName: tableName,
      Key: keys.user(tenantId, user.userId),
      UpdateExpression: 'SET scimGroups = :scimGroups, #groups = :groups, #roles = :roles, scimVersion = :next',
      ConditionExpression: `attribute_exists(pk) AND #type = :user AND ${version.condition}`,
      ExpressionAttributeNames: { '#groups': 'groups', '#roles': 'roles', '#type': 'type' },
      ExpressionAttributeValues: {
        ':scimGroups': user.scimGroups,
        ':groups': user.groups,
        ':roles': user.roles,
        ':user': USER_ITEM,
        ':next': user.expectedVersion + 1,
        ...version.values,
      },
    },
  };
}
