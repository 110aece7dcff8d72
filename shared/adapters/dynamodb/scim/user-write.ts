/**
 * The items of a SCIM user write (`writeUser`): the user, the userName and
 * externalId items it moves between, and the tenant check of a new user.
 */
import type { ScimUserWrite } from '../../../ports.ts';
import type { TransactItem } from '../client.ts';
import { scimProfileItem, USER_ITEM, USER_TOMBSTONE_ITEM } from '../items.ts';
import { keys } from '../table-schema.ts';
import { UpdateClauses } from '../update-clauses.ts';
import { epochCondition, generationCondition, type Named, scimVersionCondition } from './common.ts';

type Key = { pk: string; sk: string };

/** Every item of the write but its audit events, named for reading a cancellation. */
export function userWriteItems(tableName: string, write: ScimUserWrite): Named[] {
  const named: Named[] = [{ name: 'user', item: userItem(tableName, write) }, ...keyMoves(tableName, write)];
  if (write.expectedVersion === undefined) {
    const check = { TableName: tableName, Key: keys.tenantConfig(write.tenantId) };
    named.push({
      name: 'tenant',
      item: { ConditionCheck: { ...check, ...generationCondition(write.tenantGeneration) } },
    });
  }
  return named;
}

/** The userName and externalId items claimed (conditional puts: taken means 409) and released. */
function keyMoves(tableName: string, write: ScimUserWrite): Named[] {
  const { tenantId, userId, userName, previousUserName, externalId, previousExternalId } = write;
  const named: Named[] = [];
  if (previousUserName?.toLowerCase() !== userName?.toLowerCase()) {
    if (userName)
      named.push({ name: 'userName', item: claimItem(tableName, keys.userName(tenantId, userName), write) });
    if (previousUserName) named.push(releaseItem(tableName, keys.userName(tenantId, previousUserName), userId));
  }
  if (previousExternalId !== externalId) {
    if (externalId) {
      named.push({ name: 'externalId', item: claimItem(tableName, keys.externalId(tenantId, externalId), write) });
    }
    if (previousExternalId) named.push(releaseItem(tableName, keys.externalId(tenantId, previousExternalId), userId));
  }
  return named;
}

function claimItem(tableName: string, key: Key, write: Pick<ScimUserWrite, 'tenantId' | 'userId'>): TransactItem {
  const type = key.sk.startsWith('USERNAME#') ? 'user_name' : 'external_id';
  return {
    Put: {
      TableName: tableName,
      Item: { ...key, type, tenantId: write.tenantId, userId: write.userId },
      // Taken by this same user (a retried write) is fine; by anyone else it is a 409.
      ConditionExpression: 'attribute_not_exists(pk) OR userId = :userId',
      ExpressionAttributeValues: { ':userId': write.userId },
    },
  };
}

/** A userName or externalId item let go, if this user still holds it. */
export function releaseItem(tableName: string, key: Key, userId: string): Named {
  return {
    name: 'release',
    item: {
      Delete: {
        TableName: tableName,
        Key: key,
        ConditionExpression: 'attribute_not_exists(pk) OR userId = :userId',
        ExpressionAttributeValues: { ':userId': userId },
      },
    },
  };
}

/**
 * A new user is written over nothing or over a deleted user's tombstone,
 * whose revocation epoch it keeps (an update, not a put): sessions from
 * before the delete stay ended. An existing one is updated conditional on
 * the version (and, when the epoch moves, the epoch) read.
 */
function userItem(tableName: string, write: ScimUserWrite): TransactItem {
  const update = new UpdateClauses()
    .set('scim = :scim', { ':scim': scimProfileItem(write.profile) })
    .set('deactivated = :deactivated', { ':deactivated': write.deactivated })
    .set('updatedAt = :now', { ':now': write.now })
    .attribute('userName', write.userName);
  if (write.endSessionsBefore !== undefined) {
    update.set('#epoch = :epoch', { ':epoch': write.endSessionsBefore }, { '#epoch': 'sessionsNotBeforeMs' });
  }
  const key = keys.user(write.tenantId, write.userId);
  return write.expectedVersion === undefined
    ? createdUser(tableName, key, write, update)
    : updatedUser(tableName, key, { ...write, expectedVersion: write.expectedVersion }, update);
}

function createdUser(tableName: string, key: Key, write: ScimUserWrite, update: UpdateClauses): TransactItem {
  const attributes = {
    tenantId: write.tenantId,
    userId: write.userId,
    issuer: write.identity?.issuer,
    sub: write.identity?.sub,
    name: write.name,
    groups: write.roles?.groups ?? [],
    roles: write.roles?.roles ?? [],
    scimGroups: write.roles ? {} : undefined,
    adminDisabled: false,
    createdAt: write.now,
    scimVersion: 1,
  };
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) update.attribute(name, value);
  update
    .set('#type = :user', { ':user': USER_ITEM }, { '#type': 'type' })
    // SCIM never makes or unmakes an owner: a deleted owner created again at its id is the owner again.
    .set('#role = if_not_exists(#role, :member)', { ':member': 'member' }, { '#role': 'role' })
    .remove('deletedAt');
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: update.expression,
      ConditionExpression: 'attribute_not_exists(pk) OR #type = :deleted',
      ExpressionAttributeNames: update.names,
      ExpressionAttributeValues: { ...update.values, ':deleted': USER_TOMBSTONE_ITEM },
    },
  };
}

function updatedUser(
  tableName: string,
  key: Key,
  write: ScimUserWrite & { readonly expectedVersion: number },
  update: UpdateClauses,
): TransactItem {
  // SCIM's name is shown until the next login refreshes it from the ID token; its emails stay in `scim`.
  if (write.name !== undefined) update.attribute('name', write.name);
  update
    .set('scimVersion = :next', { ':next': write.expectedVersion + 1 })
    // The administrator's flag is never SCIM's to change: written only where an item of the previous
    // version has none yet (the value its `disabled` meant), and that old flag goes.
    .set('adminDisabled = if_not_exists(adminDisabled, :adminAsRead)', { ':adminAsRead': write.adminDisabledAsRead })
    .remove('disabled');
  const version = scimVersionCondition(write.expectedVersion);
  const conditions = ['attribute_exists(pk)', '#type = :user', version.condition];
  const names = { ...update.names, '#type': 'type' };
  const values = { ...update.values, ':user': USER_ITEM, ...version.values };
  if (write.endSessionsBefore !== undefined) {
    const epoch = epochCondition(write.epochAsRead);
    conditions.push(epoch.condition);
    Object.assign(names, epoch.names);
    Object.assign(values, epoch.values);
  }
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: update.expression,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}
