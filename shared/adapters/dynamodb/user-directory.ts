import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { OwnershipTransfer, UserDirectory } from '../../ports.ts';
import type { User } from '../../users.ts';
import { guard } from '../aws-errors.ts';
import { type NamedTransactItem, type TransactItem, writeNamedTransaction } from './client.ts';
import { updateExisting } from './conditional.ts';
import { isUserItem, userFromItem } from './items.ts';
import { collect, tenantItemsQuery } from './paginate.ts';
import { keys, USER_SORT_KEY_PREFIX } from './table-schema.ts';
import { DynamoDbUserLookup } from './user-lookup.ts';

type UpdateExisting = Parameters<typeof updateExisting>[1];

/** A tenant's users as its administrators see them: list, disable, revoke, transfer ownership. */
export class DynamoDbUserDirectory extends DynamoDbUserLookup implements UserDirectory {
  async listUsers(tenantId: string): Promise<User[]> {
    // Users only: not the links a SCIM user linked at first sign-in leaves at the login's derived id.
    const users = tenantItemsQuery(this.tableName, tenantId, { prefix: USER_SORT_KEY_PREFIX, type: 'user' });
    return collect(this.client, users, userFromItem);
  }

  async getUser(tenantId: string, userId: string): Promise<User | undefined> {
    const found = await this.readUserKey(tenantId, userId);
    return found?.kind === 'user' ? found.user : undefined;
  }

  async setAdminDisabled(
    tenantId: string,
    userId: string,
    disabled: boolean,
    endSessionsBefore?: number,
  ): Promise<boolean> {
    // Only the administrator's flag: Okta's `deactivated` is SCIM's to set and lift. The legacy
    // `disabled` flag goes: from now on the item says both decisions apart (`adminDisabledFromItem`).
    const flag = {
      TableName: this.tableName,
      Key: keys.user(tenantId, userId),
      UpdateExpression: 'SET adminDisabled = :disabled REMOVE disabled',
      ExpressionAttributeValues: { ':disabled': disabled, ':user': 'user' },
      condition: '#type = :user',
      ExpressionAttributeNames: { '#type': 'type' },
    };
    if (endSessionsBefore === undefined) return this.#update(flag);
    return this.#withEpoch(keys.user(tenantId, userId), endSessionsBefore, flag);
  }

  /** One write revokes any number of sessions: they are checked against this epoch when read. */
  async revokeUserSessions(tenantId: string, userId: string, notBeforeMs: number): Promise<boolean> {
    return this.#withEpoch(keys.user(tenantId, userId), notBeforeMs, undefined, 'user');
  }

  async revokeTenantSessions(tenantId: string, notBeforeMs: number): Promise<boolean> {
    return this.#withEpoch(keys.tenantConfig(tenantId), notBeforeMs, undefined);
  }

  /**
   * Moves an item's revocation epoch forward to `notBeforeMs` (with `also`'s
   * changes in the same write), never back: a later epoch another revocation
   * wrote meanwhile stays, and `also` is then written on its own. Never
   * refused for contention; false only when the item does not exist.
   */
  async #withEpoch(
    key: Record<string, string>,
    notBeforeMs: number,
    also: UpdateExisting | undefined,
    type?: 'user',
  ): Promise<boolean> {
    const names = { '#epoch': 'sessionsNotBeforeMs', ...(also?.ExpressionAttributeNames ?? {}) } as Record<
      string,
      string
    >;
    const values = { ':epoch': notBeforeMs, ...(also?.ExpressionAttributeValues ?? {}) } as Record<string, unknown>;
    const conditions = ['attribute_not_exists(#epoch) OR #epoch < :epoch'];
    if (also?.condition) conditions.push(also.condition);
    if (type) {
      names['#type'] = 'type';
      values[':user'] = 'user';
      conditions.push('#type = :user');
    }
    const [setPart, removePart] = (also?.UpdateExpression ?? '').split(' REMOVE ');
    const set = ['#epoch = :epoch', ...(setPart ? [setPart.replace(/^SET /, '')] : [])];
    const written = await this.#update({
      TableName: this.tableName,
      Key: key,
      UpdateExpression: `SET ${set.join(', ')}${removePart ? ` REMOVE ${removePart}` : ''}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      condition: conditions.length === 1 ? conditions[0] : conditions.map((c) => `(${c})`).join(' AND '),
    });
    if (written) return true;
    // Lost: the item is missing (or not a user), or its epoch is already at or past this one.
    const { Item } = await guard(() =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    if (!Item || (type && !isUserItem(Item))) return false;
    if (also) return this.#update(also);
    return true;
  }

  #update(input: UpdateExisting): Promise<boolean> {
    return updateExisting(this.client, input);
  }

  /**
   * One transaction guarded by what was read of the OWNER item: a concurrent
   * transfer makes this one fail (`conflict`) instead of leaving two owners.
   */
  async transferOwnership(tenantId: string, userId: string): Promise<OwnershipTransfer> {
    const { Item: owner } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.tenantOwner(tenantId), ConsistentRead: true }),
      ),
    );
    const previous = typeof owner?.userId === 'string' ? owner.userId : undefined;
    if (previous === userId) return 'already_owner';
    const named: NamedTransactItem<'owner' | 'newOwner' | 'previousOwner'>[] = [
      { name: 'owner', item: this.#ownerPut(tenantId, userId, previous) },
      { name: 'newOwner', item: this.#roleUpdate(tenantId, userId, 'owner', true) },
    ];
    if (previous) named.push({ name: 'previousOwner', item: this.#roleUpdate(tenantId, previous, 'member', false) });
    const cancelled = await writeNamedTransaction(this.client, named);
    if (!cancelled) return 'transferred';
    return cancelled.failed('newOwner') ? 'no_such_user' : 'conflict';
  }

  #ownerPut(tenantId: string, userId: string, previous: string | undefined): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.tenantOwner(tenantId), type: 'owner', userId, claimedAt: new Date().toISOString() },
        ConditionExpression: previous ? 'userId = :previous' : 'attribute_not_exists(pk)',
        ...(previous ? { ExpressionAttributeValues: { ':previous': previous } } : {}),
      },
    };
  }

  #roleUpdate(tenantId: string, userId: string, role: 'owner' | 'member', mustExist: boolean): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.user(tenantId, userId),
        UpdateExpression: 'SET #role = :role',
        // The new owner is a user (not a link, not a deleted user's tombstone).
        ...(mustExist ? { ConditionExpression: 'attribute_exists(pk) AND #type = :user' } : {}),
        ExpressionAttributeNames: { '#role': 'role', ...(mustExist ? { '#type': 'type' } : {}) },
        ExpressionAttributeValues: { ':role': role, ...(mustExist ? { ':user': 'user' } : {}) },
      },
    };
  }
}
