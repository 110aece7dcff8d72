import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../../errors.ts';
import type {
  ScimContext,
  ScimDirectory,
  ScimGroup,
  ScimGroupWrite,
  ScimGroupWriteOutcome,
  ScimMembers,
  ScimMembershipWrite,
  ScimPage,
  ScimUserDelete,
  ScimUserWrite,
  ScimUserWriteOutcome,
} from '../../ports.ts';
import { SETTINGS } from '../../settings.ts';
import type { User } from '../../users.ts';
import { guard } from '../aws-errors.ts';
import { type TransactItem, writeNamedTransaction } from './client.ts';
import { isConditionFailure } from './conditional.ts';
import {
  auditItem,
  isUserItem,
  scimGroupFromItem,
  scimGroupItem,
  scimProfileItem,
  USER_LINK_ITEM,
  USER_TOMBSTONE_ITEM,
  userFromItem,
} from './items.ts';
import { pages } from './paginate.ts';
import { keys, memberSortKeyPrefix, SCIM_GROUP_SORT_KEY_PREFIX, USER_SORT_KEY_PREFIX } from './table-schema.ts';
import { tenantConfigFromItem } from './tenant-store.ts';
import { DynamoDbUserLookup } from './user-lookup.ts';

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
export class DynamoDbScimDirectory extends DynamoDbUserLookup implements ScimDirectory {
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly auditRetentionDays: number = SETTINGS.auditRetentionDays.default,
  ) {
    super(client, tableName);
  }

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
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.scimToken(tenantId), type: 'scim_token', tenantId, tokenHash, createdAt: now },
        }),
      ),
    );
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
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.scimGroup(tenantId, groupId), ConsistentRead: true }),
      ),
    );
    return Item ? scimGroupFromItem(Item) : undefined;
  }

  listGroups(tenantId: string, offset: number, limit: number): Promise<ScimPage<ScimGroup>> {
    return this.#page(tenantId, SCIM_GROUP_SORT_KEY_PREFIX, 'scim_group', offset, limit, scimGroupFromItem);
  }

  /**
   * `Limit` is what each Query may read (a projection does not make an item
   * cheaper), so the pages together ask for `limit + 1` items and no more:
   * a group of any size costs at most that, and the extra item says "more".
   */
  async listMembers(tenantId: string, groupId: string, limit: number): Promise<ScimMembers> {
    const userIds: string[] = [];
    let read = 0;
    let startKey: Item | undefined;
    do {
      const page = await guard(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
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

  /**
   * One transaction: the user, the userName and externalId items it moves to
   * (conditional puts: taken means 409) and from, the tenant check of a new
   * user, and the audit events. Deactivation ends the user's sessions in the
   * same write (the revocation epoch, moved only forward).
   */
  async writeUser(write: ScimUserWrite): Promise<ScimUserWriteOutcome> {
    const table = this.tableName;
    const named: Named[] = [{ name: 'user', item: this.#userItem(write) }];
    const { userName, previousUserName, externalId, previousExternalId } = write;
    if (previousUserName?.toLowerCase() !== userName?.toLowerCase()) {
      if (userName) named.push({ name: 'userName', item: this.#claim(keys.userName(write.tenantId, userName), write) });
      if (previousUserName) named.push(this.#release(keys.userName(write.tenantId, previousUserName), write.userId));
    }
    if (previousExternalId !== externalId) {
      if (externalId)
        named.push({ name: 'externalId', item: this.#claim(keys.externalId(write.tenantId, externalId), write) });
      if (previousExternalId) {
        named.push(this.#release(keys.externalId(write.tenantId, previousExternalId), write.userId));
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
    named.push(...this.#auditItems(write.audit));
    const cancelled = await writeNamedTransaction(this.client, named);
    if (!cancelled) return 'written';
    if (cancelled.failed('tenant')) return 'tenant_gone';
    if (cancelled.failed('user')) return 'conflict';
    if (cancelled.failed('userName')) return 'user_name_taken';
    if (cancelled.failed('externalId')) return 'external_id_taken';
    return 'conflict';
  }

  /**
   * The user's item becomes a tombstone (and so does a login's link to it),
   * its keys are released and its memberships go, in one transaction with the
   * audit event. Memberships beyond what fits are removed right after; a
   * retried DELETE of the same user finds it gone (404), so the few left by a
   * crash in between are skipped by every reader (a member must be a user).
   */
  async deleteUser(write: ScimUserDelete): Promise<'deleted' | 'conflict'> {
    const table = this.tableName;
    const tombstone = (userId: string): Item => ({
      ...keys.user(write.tenantId, userId),
      type: USER_TOMBSTONE_ITEM,
      tenantId: write.tenantId,
      userId: write.userId,
      ...(write.issuer && write.sub ? { issuer: write.issuer, sub: write.sub } : {}),
      // The OWNER item names the user's own id: only there does the role carry over.
      role: userId === write.userId ? write.role : 'member',
      sessionsNotBeforeMs: write.endSessionsBefore,
      deletedAt: write.now,
    });
    const epoch = epochCondition(write.epochAsRead);
    const named: Named[] = [
      {
        name: 'user',
        item: {
          Put: {
            TableName: table,
            Item: tombstone(write.userId),
            ConditionExpression: `#type = :user AND ${versionCondition(write.expectedVersion)} AND ${epoch.condition}`,
            ExpressionAttributeNames: { '#type': 'type', ...epoch.names },
            ExpressionAttributeValues: {
              ':user': 'user',
              ...(write.expectedVersion !== 0 ? { ':expected': write.expectedVersion } : {}),
              ...epoch.values,
            },
          },
        },
      },
    ];
    if (write.linkedFrom) {
      named.push({
        name: 'link',
        item: {
          Put: {
            TableName: table,
            Item: tombstone(write.linkedFrom),
            ConditionExpression: 'attribute_not_exists(pk) OR (#type = :link AND userId = :userId)',
            ExpressionAttributeNames: { '#type': 'type' },
            ExpressionAttributeValues: { ':link': USER_LINK_ITEM, ':userId': write.userId },
          },
        },
      });
    }
    if (write.userName) named.push(this.#release(keys.userName(write.tenantId, write.userName), write.userId));
    if (write.externalId) named.push(this.#release(keys.externalId(write.tenantId, write.externalId), write.userId));
    named.push(...this.#auditItems(write.audit));
    const memberships = write.groupIds.map((groupId) => keys.member(write.tenantId, groupId, write.userId));
    const inTransaction = memberships.slice(0, Math.max(0, TRANSACTION_ITEMS - named.length));
    for (const key of inTransaction) named.push({ name: 'member', item: { Delete: { TableName: table, Key: key } } });
    const cancelled = await writeNamedTransaction(this.client, named);
    if (cancelled) {
      if (cancelled.failed('user') || cancelled.failed('link') || cancelled.failed('release')) return 'conflict';
      throw new StoreUnavailableError(cancelled.error);
    }
    await this.#deleteKeys(memberships.slice(inTransaction.length));
    return 'deleted';
  }

  #auditItems(events: ScimUserWrite['audit']): Named[] {
    return events.map((event) => ({
      name: 'audit',
      item: { Put: { TableName: this.tableName, Item: auditItem(event, this.auditRetentionDays) } },
    }));
  }

  /** Deletes items in transactions of up to 100 (the function's grants have DeleteItem, not BatchWriteItem). */
  async #deleteKeys(keyList: Item[]): Promise<void> {
    for (let start = 0; start < keyList.length; start += TRANSACTION_ITEMS + 1) {
      const named = keyList
        .slice(start, start + TRANSACTION_ITEMS + 1)
        .map((Key) => ({ name: 'member', item: { Delete: { TableName: this.tableName, Key } } }));
      const cancelled = await writeNamedTransaction(this.client, named);
      if (cancelled) throw new StoreUnavailableError(cancelled.error);
    }
  }

  /**
   * A new user is written over nothing or over a deleted user's tombstone,
   * whose revocation epoch it keeps (an update, not a put): sessions from
   * before the delete stay ended. An existing one is updated conditional on
   * the version (and, when the epoch moves, the epoch) read.
   */
  #userItem(write: ScimUserWrite): TransactItem {
    const table = this.tableName;
    const key = keys.user(write.tenantId, write.userId);
    const scim = scimProfileItem(write.profile);
    const names: Record<string, string> = { '#type': 'type' };
    const values: Item = { ':now': write.now, ':deactivated': write.deactivated, ':scim': scim };
    const set = ['scim = :scim', 'deactivated = :deactivated', 'updatedAt = :now'];
    const remove: string[] = [];
    const attribute = (name: string, value: unknown) => {
      names[`#${name}`] = name;
      if (value === undefined) remove.push(`#${name}`);
      else {
        values[`:${name}`] = value;
        set.push(`#${name} = :${name}`);
      }
    };
    attribute('userName', write.userName);
    if (write.endSessionsBefore !== undefined) {
      set.push('#epoch = :epoch');
      names['#epoch'] = 'sessionsNotBeforeMs';
      values[':epoch'] = write.endSessionsBefore;
    }
    if (write.expectedVersion === undefined) {
      for (const [name, value] of Object.entries({
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
      })) {
        if (value !== undefined) attribute(name, value);
      }
      set.push('#type = :user');
      values[':user'] = 'user';
      // SCIM never makes or unmakes an owner: a deleted owner created again at its id is the owner again.
      set.push('#role = if_not_exists(#role, :member)');
      names['#role'] = 'role';
      values[':member'] = 'member';
      values[':deleted'] = USER_TOMBSTONE_ITEM;
      remove.push('deletedAt');
      return {
        Update: {
          TableName: table,
          Key: key,
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(pk) OR #type = :deleted',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
    }
    // SCIM's name is shown until the next login refreshes it from the ID token; its emails stay in `scim`.
    if (write.name !== undefined) attribute('name', write.name);
    set.push('scimVersion = :next');
    values[':next'] = write.expectedVersion + 1;
    values[':user'] = 'user';
    // The administrator's flag is never SCIM's to change: written only where an item of the previous
    // version has none yet (the value its `disabled` meant), and that old flag goes.
    set.push('adminDisabled = if_not_exists(adminDisabled, :adminAsRead)');
    values[':adminAsRead'] = write.adminDisabledAsRead;
    remove.push('disabled');
    const conditions = ['attribute_exists(pk)', '#type = :user', versionCondition(write.expectedVersion)];
    if (write.expectedVersion !== 0) values[':expected'] = write.expectedVersion;
    if (write.endSessionsBefore !== undefined) {
      const epoch = epochCondition(write.epochAsRead);
      conditions.push(epoch.condition);
      Object.assign(names, epoch.names);
      Object.assign(values, epoch.values);
    }
    return {
      Update: {
        TableName: table,
        Key: key,
        UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  #claim(key: { pk: string; sk: string }, write: Pick<ScimUserWrite, 'tenantId' | 'userId'>): TransactItem {
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

  #release(key: { pk: string; sk: string }, userId: string): Named {
    return {
      name: 'release',
      item: {
        Delete: {
          TableName: this.tableName,
          Key: key,
          ConditionExpression: 'attribute_not_exists(pk) OR userId = :userId',
          ExpressionAttributeValues: { ':userId': userId },
        },
      },
    };
  }

  /**
   * A group change, conditional on everything it was computed from: the
   * group's version, each member's version, the tenant's generation and (when
   * this write turns SCIM groups on) the tenant's flag still off. Up to 99
   * items it is one transaction. A larger one is split, each member's item,
   * user update and nothing else kept in the same transaction, and every part
   * is conditional on the group's version as read; the group item itself is
   * written (or deleted) by the last part only. So a concurrent writer of the
   * same group either wins before a part (the rest fails: `conflict`, the
   * caller reads again and repeats, which is idempotent) or loses at its own
   * group write, and nobody takes a half-written group for a finished one.
   */
  async writeGroup(write: ScimGroupWrite): Promise<ScimGroupWriteOutcome> {
    const table = this.tableName;
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
    // First part only: the tenant, and the new name claimed before anything else is written.
    const head: Named[] = [{ name: 'tenant', item: this.#tenantItem(write) }];
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
    // Last part only: the group itself, and the old name let go.
    const tail: Named[] = [
      {
        name: 'group',
        item: write.deleted
          ? { Delete: { TableName: table, Key: groupKey, ...versionCondition } }
          : { Put: { TableName: table, Item: { ...groupKey, ...scimGroupItem(group) }, ...versionCondition } },
      },
    ];
    if (write.previousDisplayName && (write.deleted || renamed)) {
      tail.push({
        name: 'release',
        item: { Delete: { TableName: table, Key: keys.groupName(tenantId, write.previousDisplayName) } },
      });
    }
    const guardItem: Named = {
      name: 'group',
      item: { ConditionCheck: { TableName: table, Key: groupKey, ...versionCondition } },
    };
    // A split write's last part checks the tenant again: a group is never written into a deleted tenant.
    const generation = generationCondition(write.tenantGeneration);
    const tenantCheck: Named = {
      name: 'tenant',
      item: {
        ConditionCheck: {
          TableName: table,
          Key: keys.tenantConfig(tenantId),
          ...generation,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    };
    const parts = packGroupWrite(head, tail, guardItem, this.#groupWriteUnits(write), tenantCheck);
    for (const [index, part] of parts.entries()) {
      const outcome = await this.#transact(part, index === 0, write.tenantGeneration);
      if (outcome !== 'written') return outcome;
    }
    return 'written';
  }

  /**
   * The tenant's config: same generation; turning SCIM groups on only while
   * the flag is still off as read (the loser of two first groups reads the
   * tenant again, so only one of them starts SCIM groups).
   */
  #tenantItem(write: ScimGroupWrite): TransactItem {
    const generation = generationCondition(write.tenantGeneration);
    const common = {
      TableName: this.tableName,
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

  /** The member items and user updates, one unit per user (never split across transactions), then the audit events. */
  #groupWriteUnits(write: ScimGroupWrite): Named[][] {
    const table = this.tableName;
    const { tenantId, group } = write;
    const byUser = new Map<string, Named[]>();
    const unitOf = (userId: string) => {
      const unit = byUser.get(userId) ?? [];
      byUser.set(userId, unit);
      return unit;
    };
    for (const userId of write.addMembers) {
      unitOf(userId).push({
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
      });
    }
    for (const userId of write.removeMembers) {
      unitOf(userId).push({
        name: 'member',
        item: { Delete: { TableName: table, Key: keys.member(tenantId, group.groupId, userId) } },
      });
    }
    for (const user of write.users) {
      unitOf(user.userId).push({ name: 'user', item: this.#membershipUpdate(tenantId, user) });
    }
    const audit = write.audit.map((event) => [
      { name: 'audit', item: { Put: { TableName: table, Item: auditItem(event, this.auditRetentionDays) } } },
    ]);
    return [...byUser.values(), ...audit];
  }

  async #transact(named: Named[], first: boolean, generation: string | undefined): Promise<ScimGroupWriteOutcome> {
    const cancelled = await writeNamedTransaction(this.client, named);
    if (!cancelled) return 'written';
    if (cancelled.failed('tenant')) {
      // The same tenant with the flag turned on meanwhile is a lost race; anything else, the tenant is gone.
      const tenant = cancelled.byName.tenant?.Item;
      const same = tenant !== undefined && (tenant.generation ?? undefined) === generation;
      return same ? 'conflict' : 'tenant_gone';
    }
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
            ? 'attribute_exists(pk) AND #type = :user AND attribute_not_exists(scimVersion)'
            : 'attribute_exists(pk) AND #type = :user AND scimVersion = :expected',
        ExpressionAttributeNames: { '#groups': 'groups', '#roles': 'roles', '#type': 'type' },
        ExpressionAttributeValues: {
          ':scimGroups': user.scimGroups,
          ':groups': user.groups,
          ':roles': user.roles,
          ':user': 'user',
          ':next': user.expectedVersion + 1,
          ...(user.expectedVersion === 0 ? {} : { ':expected': user.expectedVersion }),
        },
      },
    };
  }

  /**
   * When a tenant gets its first SCIM group, users SCIM has not put in any
   * group get none (the default roles) at once rather than keep the roles of
   * their last login. Each update is conditional on the user's version as
   * read and bumps it, so it never overwrites a change made meanwhile: a user
   * whose groups SCIM set meanwhile is left alone, one changed otherwise is
   * read again and started at its new version. A login that finds a user
   * still without groups does the same for that user.
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
      ProjectionExpression: 'userId, scimVersion',
      ConsistentRead: true,
    })) {
      // A few at a time: quick for the few thousand users of a tenant, gentle on capacity.
      for (let start = 0; start < items.length; start += 10) {
        const updates = items.slice(start, start + 10).map(async (item) => {
          if (await this.#startUser(tenantId, item, defaults)) started++;
        });
        await Promise.all(updates);
      }
    }
    return started;
  }

  /** One user without SCIM groups gets none, at the version read; read again after a lost race, a few times. */
  async #startUser(
    tenantId: string,
    read: Item,
    defaults: { groups: readonly string[]; roles: readonly string[] },
  ): Promise<boolean> {
    const key = keys.user(tenantId, read.userId as string);
    let version = typeof read.scimVersion === 'number' ? read.scimVersion : 0;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      try {
        await guard(() =>
          this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: key,
              UpdateExpression: 'SET scimGroups = :none, #groups = :groups, #roles = :roles, scimVersion = :next',
              ConditionExpression: `attribute_exists(pk) AND #type = :user AND attribute_not_exists(scimGroups) AND ${
                version === 0 ? 'attribute_not_exists(scimVersion)' : 'scimVersion = :expected'
              }`,
              ExpressionAttributeNames: { '#groups': 'groups', '#roles': 'roles', '#type': 'type' },
              ExpressionAttributeValues: {
                ':none': {},
                ':groups': defaults.groups,
                ':roles': defaults.roles,
                ':user': 'user',
                ':next': version + 1,
                ...(version === 0 ? {} : { ':expected': version }),
              },
            }),
          ),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const { Item } = await guard(() =>
        this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
      );
      // Gone, or given its SCIM groups meanwhile: nothing to start.
      if (Item?.type !== 'user' || Item.scimGroups !== undefined) return false;
      version = typeof Item.scimVersion === 'number' ? Item.scimVersion : 0;
    }
    // Still changing: its next login (or group change) starts it.
    return false;
  }

  async #pointer(key: { pk: string; sk: string }, attribute: string): Promise<string | undefined> {
    const { Item } = await guard(() =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    const value = Item?.[attribute];
    return typeof value === 'string' ? value : undefined;
  }

  async #batchGet(keyList: Item[]): Promise<Item[]> {
    let pending = keyList;
    const found: Item[] = [];
    for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
      const requested = pending;
      const result = await guard(() =>
        this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: requested, ConsistentRead: true } } }),
        ),
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

/** The SCIM version read: items SCIM never wrote have none (version 0). */
function versionCondition(expected: number): string {
  return expected === 0 ? 'attribute_not_exists(scimVersion)' : 'scimVersion = :expected';
}

/**
 * The revocation epoch is what was read: a revocation written meanwhile
 * (a later epoch) makes the write retry from a fresh read instead of
 * being moved back. Epochs of the previous version (seconds) are only read.
 */
function epochCondition(asRead: number | undefined): {
  condition: string;
  names: Record<string, string>;
  values: Item;
} {
  const names = { '#epochRead': 'sessionsNotBeforeMs' };
  return asRead === undefined
    ? { condition: 'attribute_not_exists(#epochRead)', names, values: {} }
    : {
        condition: '(attribute_not_exists(#epochRead) OR #epochRead <= :epochRead)',
        names,
        values: { ':epochRead': asRead },
      };
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

/** Attempts per user of `startScimGroups` before leaving the user to its next login. */
const START_ATTEMPTS = 3;

/**
 * Splits a group write into transactions of at most `TRANSACTION_ITEMS`:
 * `head` goes in the first, `tail` (the group item) with a tenant check in
 * the last, `guardItem` (the group's version check) in every other, and no
 * unit is split. One transaction when everything fits.
 */
function packGroupWrite(
  head: Named[],
  tail: Named[],
  guardItem: Named,
  units: Named[][],
  lastTenantCheck: Named,
): Named[][] {
  const total = head.length + tail.length + units.reduce((sum, unit) => sum + unit.length, 0);
  if (total <= TRANSACTION_ITEMS) return [[...head, ...tail, ...units.flat()]];
  const parts: Named[][] = [];
  let part: Named[] = [...head];
  const last = [...tail, lastTenantCheck];
  // Room kept in every part for whichever ends it: the last part's items or the guard.
  const room = TRANSACTION_ITEMS - last.length;
  for (const unit of units) {
    if (part.length + unit.length > room && part.length > 0) {
      parts.push([...part, guardItem]);
      part = [];
    }
    part.push(...unit);
  }
  parts.push([...part, ...last]);
  return parts;
}
