import { StoreUnavailableError } from '../../errors.ts';
import type {
  ScimContext,
  ScimDirectory,
  ScimGroup,
  ScimGroupWrite,
  ScimGroupWriteOutcome,
  ScimMembershipWrite,
  ScimPage,
  ScimUserWrite,
  ScimUserWriteOutcome,
} from '../../ports.ts';
import type { User } from '../../users.ts';
import { guard } from '../aws-errors.ts';
import { type DocumentClient, type TransactItem, writeNamedTransaction } from './client.ts';
import { isConditionFailure } from './conditional.ts';
import { auditItem, isUserItem, scimGroupFromItem, scimGroupItem, scimProfileItem, userFromItem } from './items.ts';
import { pages } from './paginate.ts';
import { keys, memberSortKeyPrefix, SCIM_GROUP_SORT_KEY_PREFIX, USER_SORT_KEY_PREFIX } from './table-schema.ts';
import { tenantConfigFromItem } from './tenant-store.ts';

type Item = Record<string, unknown>;
type Named = { readonly name: string; readonly item: TransactItem };

/** DynamoDB allows 100 items per transaction; one is kept free for a guard. */
const TRANSACTION_ITEMS = 99;
const BATCH_GET_KEYS = 100;

/**
 * SCIM's view of the table. Users, groups and memberships live in the
 * tenant's partition; userName, externalId and group displayName have a
 * keyed item each, written in the same transaction as what holds them, so a
 * lookup is a GetItem and uniqueness is a conditional put. Every SCIM write
 * carries its audit events in its own transaction.
 */
export class DynamoDbScimDirectory implements ScimDirectory {
  constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
    private readonly auditRetentionDays = 400,
  ) {}

  /** The tenant's config and token hash in one request, read consistently: a rotated token stops at once. */
  async getScimContext(tenantId: string): Promise<ScimContext> {
    const items = await this.#batchGet([keys.tenantConfig(tenantId), keys.scimToken(tenantId)]);
    const config = items.find((item) => item.sk === 'CONFIG');
    const token = items.find((item) => item.sk === 'SCIM_TOKEN');
    return {
      tenant: config ? tenantConfigFromItem(config) : undefined,
      tokenHash: typeof token?.tokenHash === 'string' ? token.tokenHash : undefined,
    };
  }

  async putScimTokenHash(tenantId: string, tokenHash: string, now: string): Promise<void> {
    await guard(() =>
      this.client.put({
        TableName: this.tableName,
        Item: { ...keys.scimToken(tenantId), type: 'scim_token', tenantId, tokenHash, createdAt: now },
      }),
    );
  }

  findUserIdByUserName(tenantId: string, userName: string): Promise<string | undefined> {
    return this.#pointer(keys.userName(tenantId, userName), 'userId');
  }

  findUserIdByExternalId(tenantId: string, externalId: string): Promise<string | undefined> {
    return this.#pointer(keys.externalId(tenantId, externalId), 'userId');
  }

  findGroupIdByName(tenantId: string, displayName: string): Promise<string | undefined> {
    return this.#pointer(keys.groupName(tenantId, displayName), 'groupId');
  }

  async getUsers(tenantId: string, userIds: readonly string[]): Promise<User[]> {
    const unique = [...new Set(userIds)];
    const users: User[] = [];
    for (let start = 0; start < unique.length; start += BATCH_GET_KEYS) {
      const items = await this.#batchGet(
        unique.slice(start, start + BATCH_GET_KEYS).map((id) => keys.user(tenantId, id)),
      );
      users.push(...items.filter(isUserItem).map(userFromItem));
    }
    return users;
  }

  listUsers(tenantId: string, offset: number, limit: number): Promise<ScimPage<User>> {
    return this.#page(tenantId, USER_SORT_KEY_PREFIX, 'user', offset, limit, userFromItem);
  }

  async getGroup(tenantId: string, groupId: string): Promise<ScimGroup | undefined> {
    const { Item } = await guard(() =>
      this.client.get({ TableName: this.tableName, Key: keys.scimGroup(tenantId, groupId), ConsistentRead: true }),
    );
    return Item ? scimGroupFromItem(Item) : undefined;
  }

  listGroups(tenantId: string, offset: number, limit: number): Promise<ScimPage<ScimGroup>> {
    return this.#page(tenantId, SCIM_GROUP_SORT_KEY_PREFIX, 'scim_group', offset, limit, scimGroupFromItem);
  }

  async listMembers(tenantId: string, groupId: string): Promise<string[]> {
    const members: string[] = [];
    for await (const items of pages(this.client, {
      operation: 'query',
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.tenantConfig(tenantId).pk, ':prefix': memberSortKeyPrefix(groupId) },
      ProjectionExpression: 'userId',
      ConsistentRead: true,
    })) {
      for (const item of items) if (typeof item.userId === 'string') members.push(item.userId);
    }
    return members;
  }

  /**
   * One transaction: the user, the userName and externalId items it moves to
   * (conditional puts: taken means 409) and from, the tenant check of a new
   * user, and the audit events. Deactivation ends the user's sessions in the
   * same write (`sessionsNotBefore`, as `disable-user` does).
   */
  async writeUser(write: ScimUserWrite): Promise<ScimUserWriteOutcome> {
    const table = this.tableName;
    const named: Named[] = [{ name: 'user', item: this.#userItem(write) }];
    const userName = write.profile.userName;
    if (write.previousUserName?.toLowerCase() !== userName.toLowerCase()) {
      named.push({ name: 'userName', item: this.#claim(keys.userName(write.tenantId, userName), write) });
      if (write.previousUserName)
        named.push(this.#release(keys.userName(write.tenantId, write.previousUserName), write));
    }
    const externalId = write.profile.externalId;
    if (write.previousExternalId !== externalId) {
      if (externalId)
        named.push({ name: 'externalId', item: this.#claim(keys.externalId(write.tenantId, externalId), write) });
      if (write.previousExternalId) {
        named.push(this.#release(keys.externalId(write.tenantId, write.previousExternalId), write));
      }
    }
    if (write.expectedVersion === undefined) {
      named.push({
        name: 'tenant',
        item: {
          ConditionCheck: {
            TableName: table,
            Key: keys.tenantConfig(write.tenantId),
            ...generationCondition(write.tenantGeneration),
          },
        },
      });
    }
    for (const event of write.audit) {
      named.push({
        name: 'audit',
        item: { Put: { TableName: table, Item: auditItem(event, this.auditRetentionDays) } },
      });
    }
    const cancelled = await writeNamedTransaction(this.client, named);
    if (!cancelled) return 'written';
    if (cancelled.failed('tenant')) return 'tenant_gone';
    if (cancelled.failed('user')) return 'conflict';
    if (cancelled.failed('userName')) return 'user_name_taken';
    if (cancelled.failed('externalId')) return 'external_id_taken';
    return 'conflict';
  }

  #userItem(write: ScimUserWrite): TransactItem {
    const table = this.tableName;
    const key = keys.user(write.tenantId, write.userId);
    const scim = scimProfileItem(write.profile);
    if (write.expectedVersion === undefined) {
      return {
        Put: {
          TableName: table,
          Item: {
            ...key,
            type: 'user',
            tenantId: write.tenantId,
            userId: write.userId,
            ...(write.identity ? { issuer: write.identity.issuer, sub: write.identity.sub } : {}),
            email: write.email,
            name: write.name,
            userName: write.profile.userName,
            scim,
            groups: write.roles?.groups ?? [],
            roles: write.roles?.roles ?? [],
            ...(write.roles ? { scimGroups: {} } : {}),
            role: 'member',
            disabled: write.disabled,
            deactivated: write.deactivated,
            ...(write.endSessionsBefore !== undefined ? { sessionsNotBefore: write.endSessionsBefore } : {}),
            createdAt: write.now,
            updatedAt: write.now,
            scimVersion: 1,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    }
    const set = [
      'scim = :scim',
      'userName = :userName',
      'disabled = :disabled',
      'deactivated = :deactivated',
      'updatedAt = :now',
      'scimVersion = :next',
    ];
    const values: Item = {
      ':scim': scim,
      ':userName': write.profile.userName,
      ':disabled': write.disabled,
      ':deactivated': write.deactivated,
      ':now': write.now,
      ':next': write.expectedVersion + 1,
      ':user': 'user',
    };
    const names: Record<string, string> = { '#type': 'type' };
    // Both come from Okta: SCIM's latest, until the next login refreshes them from the ID token.
    for (const [attribute, value] of Object.entries({ email: write.email, name: write.name })) {
      if (value === undefined) continue;
      names[`#${attribute}`] = attribute;
      values[`:${attribute}`] = value;
      set.push(`#${attribute} = :${attribute}`);
    }
    if (write.endSessionsBefore !== undefined) {
      set.push('sessionsNotBefore = :notBefore');
      values[':notBefore'] = write.endSessionsBefore;
    }
    const versionCondition =
      write.expectedVersion === 0 ? 'attribute_not_exists(scimVersion)' : 'scimVersion = :expected';
    if (write.expectedVersion !== 0) values[':expected'] = write.expectedVersion;
    return {
      Update: {
        TableName: table,
        Key: key,
        UpdateExpression: `SET ${set.join(', ')}`,
        ConditionExpression: `attribute_exists(pk) AND #type = :user AND ${versionCondition}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  #claim(key: { pk: string; sk: string }, write: ScimUserWrite): TransactItem {
    const type = key.sk.startsWith('USERNAME#') ? 'user_name' : 'external_id';
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...key, type, tenantId: write.tenantId, userId: write.userId },
        // Taken by this same user (a retried write) is fine; by anyone else it is a 409.
        ConditionExpression: 'attribute_not_exists(pk) OR userId = :userId',
        ExpressionAttributeValues: { ':userId': write.userId },
      },
    };
  }

  #release(key: { pk: string; sk: string }, write: ScimUserWrite): Named {
    return {
      name: 'release',
      item: {
        Delete: {
          TableName: this.tableName,
          Key: key,
          ConditionExpression: 'attribute_not_exists(pk) OR userId = :userId',
          ExpressionAttributeValues: { ':userId': write.userId },
        },
      },
    };
  }

  /**
   * The group's own items (group, name, tenant flag) and the first members in
   * one transaction; further members in further transactions of at most 99
   * items. Each user update is conditional on the version read, so a member's
   * roles are never computed from groups that changed meanwhile (`conflict`:
   * the caller reads again and repeats, which is idempotent).
   */
  async writeGroup(write: ScimGroupWrite): Promise<ScimGroupWriteOutcome> {
    const table = this.tableName;
    const { tenantId, group } = write;
    const head: Named[] = [];
    const groupKey = keys.scimGroup(tenantId, group.groupId);
    const versionCondition =
      write.expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'scimVersion = :expected',
            ExpressionAttributeValues: { ':expected': write.expectedVersion },
          };
    head.push({
      name: 'group',
      item: write.deleted
        ? { Delete: { TableName: table, Key: groupKey, ...versionCondition } }
        : { Put: { TableName: table, Item: { ...groupKey, ...scimGroupItem(group) }, ...versionCondition } },
    });
    const renamed = write.previousDisplayName?.toLowerCase() !== group.displayName.toLowerCase();
    if (!write.deleted && renamed) {
      head.push({
        name: 'groupName',
        item: {
          Put: {
            TableName: table,
            Item: {
              ...keys.groupName(tenantId, group.displayName),
              type: 'scim_group_name',
              tenantId,
              groupId: group.groupId,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR groupId = :groupId',
            ExpressionAttributeValues: { ':groupId': group.groupId },
          },
        },
      });
    }
    if (write.previousDisplayName && (write.deleted || renamed)) {
      head.push({
        name: 'release',
        item: { Delete: { TableName: table, Key: keys.groupName(tenantId, write.previousDisplayName) } },
      });
    }
    const generation = generationCondition(write.tenantGeneration);
    head.push({
      name: 'tenant',
      item: write.enablesScimGroups
        ? {
            Update: {
              TableName: table,
              Key: keys.tenantConfig(tenantId),
              UpdateExpression: 'SET scimGroups = :true',
              ConditionExpression: generation.ConditionExpression,
              ExpressionAttributeNames: generation.ExpressionAttributeNames,
              ExpressionAttributeValues: { ...generation.ExpressionAttributeValues, ':true': true },
            },
          }
        : { ConditionCheck: { TableName: table, Key: keys.tenantConfig(tenantId), ...generation } },
    });
    const units: Named[] = [
      ...write.addMembers.map((userId) => ({
        name: 'member',
        item: {
          Put: {
            TableName: table,
            Item: {
              ...keys.member(tenantId, group.groupId, userId),
              type: 'scim_member',
              tenantId,
              groupId: group.groupId,
              userId,
            },
          },
        },
      })),
      ...write.removeMembers.map((userId) => ({
        name: 'member',
        item: { Delete: { TableName: table, Key: keys.member(tenantId, group.groupId, userId) } },
      })),
      ...write.users.map((user) => ({ name: 'user', item: this.#membershipUpdate(tenantId, user) })),
      ...write.audit.map((event) => ({
        name: 'audit',
        item: { Put: { TableName: table, Item: auditItem(event, this.auditRetentionDays) } },
      })),
    ];
    let batch = head;
    let first = true;
    let next = 0;
    do {
      while (batch.length < TRANSACTION_ITEMS && next < units.length) batch.push(units[next++] as Named);
      const outcome = await this.#transact(batch, first);
      if (outcome !== 'written') return outcome;
      batch = [];
      first = false;
    } while (next < units.length);
    return 'written';
  }

  async #transact(named: Named[], first: boolean): Promise<ScimGroupWriteOutcome> {
    const cancelled = await writeNamedTransaction(this.client, named);
    if (!cancelled) return 'written';
    if (first && cancelled.failed('tenant')) return 'tenant_gone';
    if (first && cancelled.failed('groupName')) return 'name_taken';
    if (cancelled.all.some((reason) => reason.Code === 'ValidationError')) throw cancelled.error;
    return 'conflict';
  }

  #membershipUpdate(tenantId: string, user: ScimMembershipWrite): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.user(tenantId, user.userId),
        UpdateExpression: 'SET scimGroups = :scimGroups, #groups = :groups, #roles = :roles, scimVersion = :next',
        ConditionExpression:
          user.expectedVersion === 0
            ? 'attribute_exists(pk) AND attribute_not_exists(scimVersion)'
            : 'attribute_exists(pk) AND scimVersion = :expected',
        ExpressionAttributeNames: { '#groups': 'groups', '#roles': 'roles' },
        ExpressionAttributeValues: {
          ':scimGroups': user.scimGroups,
          ':groups': user.groups,
          ':roles': user.roles,
          ':next': user.expectedVersion + 1,
          ...(user.expectedVersion === 0 ? {} : { ':expected': user.expectedVersion }),
        },
      },
    };
  }

  /**
   * When a tenant gets its first SCIM group, users SCIM has not put in any
   * group get none (the default roles) at once rather than keep the roles of
   * their last login. Each update is conditional, so a user whose groups
   * SCIM set meanwhile is left alone; a login that finds a user still
   * without groups does the same for that user.
   */
  async startScimGroups(
    tenantId: string,
    defaults: { groups: readonly string[]; roles: readonly string[] },
  ): Promise<number> {
    let started = 0;
    for await (const items of pages(this.client, {
      operation: 'query',
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: '#type = :user AND attribute_not_exists(scimGroups)',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: {
        ':pk': keys.tenantConfig(tenantId).pk,
        ':prefix': USER_SORT_KEY_PREFIX,
        ':user': 'user',
      },
      ProjectionExpression: 'userId',
      ConsistentRead: true,
    })) {
      // A few at a time: quick for the few thousand users of a tenant, gentle on capacity.
      for (let start = 0; start < items.length; start += 10) {
        const updates = items.slice(start, start + 10).map(async (item) => {
          try {
            await guard(() =>
              this.client.update({
                TableName: this.tableName,
                Key: keys.user(tenantId, item.userId as string),
                UpdateExpression: 'SET scimGroups = :none, #groups = :groups, #roles = :roles',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(scimGroups)',
                ExpressionAttributeNames: { '#groups': 'groups', '#roles': 'roles' },
                ExpressionAttributeValues: { ':none': {}, ':groups': defaults.groups, ':roles': defaults.roles },
              }),
            );
            started++;
          } catch (error) {
            if (!isConditionFailure(error)) throw error;
          }
        });
        await Promise.all(updates);
      }
    }
    return started;
  }

  async #pointer(key: { pk: string; sk: string }, attribute: string): Promise<string | undefined> {
    const { Item } = await guard(() => this.client.get({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    const value = Item?.[attribute];
    return typeof value === 'string' ? value : undefined;
  }

  async #batchGet(keyList: Item[]): Promise<Item[]> {
    let pending = keyList;
    const found: Item[] = [];
    for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
      const requested = pending;
      const result = await guard(() =>
        this.client.batchGet({ RequestItems: { [this.tableName]: { Keys: requested, ConsistentRead: true } } }),
      );
      found.push(...(result.Responses?.[this.tableName] ?? []));
      pending = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[];
    }
    if (pending.length > 0) throw new StoreUnavailableError(new Error('BatchGetItem left keys unprocessed'));
    return found;
  }

  /** One pass over a kind of item of the tenant: the page asked for, and how many there are. */
  async #page<T>(
    tenantId: string,
    prefix: string,
    type: string,
    offset: number,
    limit: number,
    map: (item: Item) => T,
  ): Promise<ScimPage<T>> {
    const found: T[] = [];
    let total = 0;
    for await (const items of pages(this.client, {
      operation: 'query',
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: '#type = :type',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':pk': keys.tenantConfig(tenantId).pk, ':prefix': prefix, ':type': type },
      ConsistentRead: true,
    })) {
      for (const item of items) {
        if (total >= offset && found.length < limit) found.push(map(item));
        total++;
      }
    }
    return { items: found, total };
  }
}

/** The tenant config exists with this generation (or, for tenants from before generations, none). */
function generationCondition(generation: string | undefined): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Item;
} {
  if (!generation) {
    return {
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#generation)',
      ExpressionAttributeNames: { '#generation': 'generation' },
    };
  }
  return {
    ConditionExpression: 'attribute_exists(pk) AND #generation = :generation',
    ExpressionAttributeNames: { '#generation': 'generation' },
    ExpressionAttributeValues: { ':generation': generation },
  };
}
