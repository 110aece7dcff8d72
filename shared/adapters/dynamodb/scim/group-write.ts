/**
 * `writeGroup`: a group change, conditional on everything it was computed
 * from: the group's version, each member's version, the tenant's generation
 * and (when this write turns SCIM groups on) the tenant's flag still off. Up
 * to 99 items it is one transaction. A larger one is split, each member's
 * item, user update and nothing else kept in the same transaction, and every
 * part is conditional on the group's version as read; the group item itself
 * is written (or deleted) by the last part only. So a concurrent writer of
 * the same group either wins before a part (the rest fails: `conflict`, the
 * caller reads again and repeats, which is idempotent) or loses at its own
 * group write, and nobody takes a half-written group for a finished one.
 */
import type { ScimGroupWrite, ScimGroupWriteOutcome } from '../../../ports.ts';
import type { TransactItem } from '../client.ts';
import { scimGroupItem } from '../items.ts';
import { keys } from '../table-schema.ts';
import { auditPuts, generationCondition, type Named, type ScimTable } from './common.ts';
import { commitParts, type GroupWriteLayout, packGroupWrite } from './group-batches.ts';
import { memberUnits } from './group-members.ts';

export function writeGroup(table: ScimTable, write: ScimGroupWrite): Promise<ScimGroupWriteOutcome> {
  const audit = auditPuts(table, write.audit).map((named) => [named]);
  const layout: GroupWriteLayout = {
    ...groupItems(table.tableName, write),
    units: [...memberUnits(table.tableName, write), ...audit],
  };
  return commitParts(table.client, packGroupWrite(layout), write.tenantGeneration);
}

/** The group's own items: its tenant, name and item, and the checks that guard a split write. */
function groupItems(tableName: string, write: ScimGroupWrite): Omit<GroupWriteLayout, 'units'> {
  const { tenantId, group } = write;
  const groupKey = keys.scimGroup(tenantId, group.groupId);
  const versionCondition =
    write.expectedVersion === undefined
      ? { ConditionExpression: 'attribute_not_exists(pk)' }
      : {
          ConditionExpression: 'attribute_exists(pk) AND scimVersion = :expected',
          ExpressionAttributeValues: { ':expected': write.expectedVersion },
        };
  const renamed = write.previousDisplayName?.toLowerCase() !== group.displayName.toLowerCase();
  const head: Named[] = [{ name: 'tenant', item: tenantItem(tableName, write) }];
  if (!write.deleted && renamed) head.push({ name: 'groupName', item: nameClaim(tableName, write) });
  const tail: Named[] = [
    {
      name: 'group',
      item: write.deleted
        ? { Delete: { TableName: tableName, Key: groupKey, ...versionCondition } }
        : { Put: { TableName: tableName, Item: { ...groupKey, ...scimGroupItem(group) }, ...versionCondition } },
    },
  ];
  if (write.previousDisplayName && (write.deleted || renamed)) {
    const Key = keys.groupName(tenantId, write.previousDisplayName);
    tail.push({ name: 'release', item: { Delete: { TableName: tableName, Key } } });
  }
  const guard: Named = {
    name: 'group',
    item: { ConditionCheck: { TableName: tableName, Key: groupKey, ...versionCondition } },
  };
  return { head, tail, guard, lastTenantCheck: tenantCheck(tableName, write) };
}

/** The new name, claimed unless another group holds it. */
function nameClaim(tableName: string, write: ScimGroupWrite): TransactItem {
  const { tenantId, group } = write;
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...keys.groupName(tenantId, group.displayName),
        type: 'scim_group_name',
        tenantId,
        groupId: group.groupId,
      },
      ConditionExpression: 'attribute_not_exists(pk) OR groupId = :groupId',
      ExpressionAttributeValues: { ':groupId': group.groupId },
    },
  };
}

/**
 * The tenant's config: same generation; turning SCIM groups on only while
 * the flag is still off as read (the loser of two first groups reads the
 * tenant again, so only one of them starts SCIM groups).
 */
function tenantItem(tableName: string, write: ScimGroupWrite): TransactItem {
  const generation = generationCondition(write.tenantGeneration);
  const common = {
    TableName: tableName,
    Key: keys.tenantConfig(write.tenantId),
    ExpressionAttributeNames: generation.ExpressionAttributeNames,
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  if (!write.enablesScimGroups) {
    return {
      ConditionCheck: {
        ...common,
        ConditionExpression: generation.ConditionExpression,
        ...(generation.ExpressionAttributeValues
          ? { ExpressionAttributeValues: generation.ExpressionAttributeValues }
          : {}),
      },
    };
  }
  return {
    Update: {
      ...common,
      UpdateExpression: 'SET scimGroups = :true',
      ConditionExpression: `${generation.ConditionExpression} AND attribute_not_exists(scimGroups)`,
      ExpressionAttributeValues: { ...generation.ExpressionAttributeValues, ':true': true },
    },
  };
}

/** A split write's last part checks the tenant again: a group is never written into a deleted tenant. */
function tenantCheck(tableName: string, write: ScimGroupWrite): Named {
  return {
    name: 'tenant',
    item: {
      ConditionCheck: {
        TableName: tableName,
        Key: keys.tenantConfig(write.tenantId),
        ...generationCondition(write.tenantGeneration),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  };
}
