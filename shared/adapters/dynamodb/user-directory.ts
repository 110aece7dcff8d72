import type { OwnershipTransfer, UserDirectory } from '../../ports.ts';
import type { User } from '../../users.ts';
import { guard } from '../aws-errors.ts';
import { type DocumentClient, type NamedTransactItem, type TransactItem, writeNamedTransaction } from './client.ts';
import { updateExisting } from './conditional.ts';
import { isUserItem, userFromItem } from './items.ts';
import { collect } from './paginate.ts';
import { keys, USER_SORT_KEY_PREFIX } from './table-schema.ts';

/** A tenant's users as its administrators see them: list, disable, revoke, transfer ownership. */
export class DynamoDbUserDirectory implements UserDirectory {
  constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
  ) {}

  async listUsers(tenantId: string): Promise<User[]> {
    return collect(
      this.client,
      {
        operation: 'query',
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :user)',
        // Not the links a SCIM user linked at first sign-in leaves at the login's derived id.
        FilterExpression: '#type = :type',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':pk': keys.tenantConfig(tenantId).pk,
          ':user': USER_SORT_KEY_PREFIX,
          ':type': 'user',
        },
        ConsistentRead: true,
      },
      userFromItem,
    );
  }

  async getUser(tenantId: string, userId: string): Promise<User | undefined> {
    const { Item } = await guard(() =>
      this.client.get({ TableName: this.tableName, Key: keys.user(tenantId, userId), ConsistentRead: true }),
    );
    return Item && isUserItem(Item) ? userFromItem(Item) : undefined;
  }

  async setUserDisabled(
    tenantId: string,
    userId: string,
    disabled: boolean,
    endSessionsBefore?: number,
  ): Promise<boolean> {
    const ending = endSessionsBefore !== undefined;
    return updateExisting(this.client, {
      TableName: this.tableName,
      Key: keys.user(tenantId, userId),
      // An administrator's decision replaces Okta's deactivation: SCIM's `active: true` lifts only its own.
      UpdateExpression: ending
        ? 'SET disabled = :disabled, sessionsNotBefore = :notBefore REMOVE deactivated'
        : 'SET disabled = :disabled REMOVE deactivated',
      ExpressionAttributeValues: { ':disabled': disabled, ...(ending ? { ':notBefore': endSessionsBefore } : {}) },
    });
  }

  /** One write revokes any number of sessions: they are checked against this epoch when read. */
  async revokeUserSessions(tenantId: string, userId: string, notBefore: number): Promise<boolean> {
    return this.#setNotBefore(keys.user(tenantId, userId), notBefore);
  }

  async revokeTenantSessions(tenantId: string, notBefore: number): Promise<boolean> {
    return this.#setNotBefore(keys.tenantConfig(tenantId), notBefore);
  }

  #setNotBefore(key: Record<string, string>, notBefore: number): Promise<boolean> {
    return updateExisting(this.client, {
      TableName: this.tableName,
      Key: key,
      UpdateExpression: 'SET sessionsNotBefore = :notBefore',
      ExpressionAttributeValues: { ':notBefore': notBefore },
    });
  }

  /**
   * One transaction guarded by what was read of the OWNER item: a concurrent
   * transfer makes this one fail (`conflict`) instead of leaving two owners.
   */
  async transferOwnership(tenantId: string, userId: string): Promise<OwnershipTransfer> {
    const { Item: owner } = await guard(() =>
      this.client.get({ TableName: this.tableName, Key: keys.tenantOwner(tenantId), ConsistentRead: true }),
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
        ...(mustExist ? { ConditionExpression: 'attribute_exists(pk)' } : {}),
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':role': role },
      },
    };
  }
}
