import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../audit.ts';
import { LoginError } from '../errors.ts';
import type {
  AuditLog,
  IdentityStore,
  LoginRecord,
  LoginWriteMode,
  LoginWriteOutcome,
  SessionContext,
} from '../ports.ts';
import type { Session } from '../sessions.ts';
import type { Role, User } from '../users.ts';
import { guard } from './aws-errors.ts';
import { cancellationReasons, type DocumentClient } from './dynamodb-client.ts';
import { keys, TTL_ATTRIBUTE, USER_SORT_KEY_PREFIX } from './table-schema.ts';

/** Attribute names are aliased so none can collide with DynamoDB's reserved words. */
const SESSION_CONTEXT_PROJECTION = (() => {
  const attributes = [
    'pk',
    'sk',
    'tokenHash',
    'tenantId',
    'userId',
    'createdAt',
    'lastSeenAt',
    TTL_ATTRIBUTE,
    'issuer',
    'sub',
    'email',
    'emailVerified',
    'name',
    'groups',
    'roles',
    'role',
    'disabled',
    'lastLoginAt',
    'sessionsNotBefore',
    'generation',
    'tenantGeneration',
  ];
  const names = Object.fromEntries(attributes.map((attribute, index) => [`#p${index}`, attribute]));
  return { expression: Object.keys(names).join(', '), names };
})();

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

function toUser(item: Record<string, unknown>): User {
  return {
    tenantId: item.tenantId as string,
    userId: item.userId as string,
    issuer: item.issuer as string,
    sub: item.sub as string,
    email: typeof item.email === 'string' ? item.email : undefined,
    emailVerified: typeof item.emailVerified === 'boolean' ? item.emailVerified : undefined,
    name: typeof item.name === 'string' ? item.name : undefined,
    groups: Array.isArray(item.groups) ? (item.groups as string[]) : [],
    roles: Array.isArray(item.roles) ? (item.roles as string[]) : [],
    role: item.role === 'owner' ? 'owner' : 'member',
    disabled: item.disabled === true,
    createdAt: item.createdAt as string,
    lastLoginAt: item.lastLoginAt as string,
    sessionsNotBefore: typeof item.sessionsNotBefore === 'number' ? item.sessionsNotBefore : undefined,
  };
}

function toSession(item: Record<string, unknown>): Session {
  return {
    tokenHash: item.tokenHash as string,
    tenantId: item.tenantId as string,
    userId: item.userId as string,
    tenantGeneration: typeof item.tenantGeneration === 'string' ? item.tenantGeneration : undefined,
    createdAt: item.createdAt as number,
    expiresAt: item[TTL_ATTRIBUTE] as number,
    lastSeenAt: typeof item.lastSeenAt === 'number' ? item.lastSeenAt : (item.createdAt as number),
  };
}

/**
 * Users, sessions and used login states in the single table. Every login is
 * one transaction, so a user is never written without its session (or the
 * other way round) and the owner is claimed with a conditional write.
 */
export class DynamoDbIdentityStore implements IdentityStore, AuditLog {
  constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
    /** How long audit events are kept before DynamoDB's TTL removes them. */
    private readonly auditRetentionDays = 400,
  ) {}

  async consumeLoginState(stateId: string, expiresAt: number): Promise<boolean> {
    try {
      await guard(() =>
        this.client.put({
          TableName: this.tableName,
          Item: { ...keys.usedState(stateId), type: 'used_state', [TTL_ATTRIBUTE]: expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async recordLogin(
    record: LoginRecord,
    mode: LoginWriteMode,
    previousRoles: readonly string[] | undefined,
    auditEvents: readonly AuditEvent[],
  ): Promise<LoginWriteOutcome> {
    const items: TransactItem[] = [
      ...this.#transactionFor(record, mode, previousRoles),
      ...auditEvents.map((event) => ({ Put: { TableName: this.tableName, Item: this.#auditItem(event) } })),
    ];
    try {
      await guard(() => this.client.transactWrite({ TransactItems: items }));
      return { kind: 'written', role: mode === 'returning' ? undefined : mode };
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw error;
      const failed = (index: number) => reasons[index]?.Code === 'ConditionalCheckFailed';
      if (reasons.some((reason) => reason.Code === 'TransactionConflict')) return { kind: 'conflict' };
      if (mode === 'returning' && failed(0)) {
        const existing = reasons[0]?.Item;
        if (!existing) return { kind: 'user_missing' };
        if (existing.disabled === true) return { kind: 'user_disabled' };
        return { kind: 'roles_changed', previousRoles: Array.isArray(existing.roles) ? existing.roles : [] };
      }
      if (mode === 'member' && failed(0)) return { kind: 'user_exists' };
      // The tenant config item is checked by the owner and member writes.
      const tenantCheck = items.findIndex((item) => (item.ConditionCheck ?? item.Update)?.Key?.sk === 'CONFIG');
      if (tenantCheck >= 0 && failed(tenantCheck) && !(mode === 'owner' && (failed(0) || failed(1)))) {
        throw new LoginError('TENANT_NOT_FOUND', 'This organization was removed while you were signing in.', {
          reason: 'tenant_deleted_during_login',
        });
      }
      if (mode === 'owner') {
        if (failed(1)) return { kind: 'user_exists' };
        if (failed(0)) return { kind: 'owner_taken' };
      }
      throw new LoginError('STORE_UNAVAILABLE', 'The sign-in could not be saved. Please try again.', {
        cause: error,
        reason: 'transaction_cancelled',
        restartable: true,
      });
    }
  }

  #auditItem(event: AuditEvent): Record<string, unknown> {
    return {
      ...keys.auditEvent(event.tenantId, event.at, event.id),
      ...event,
      type: 'audit',
      eventType: event.type,
      [TTL_ATTRIBUTE]: Math.floor(Date.parse(event.at) / 1000) + this.auditRetentionDays * 86_400,
    };
  }

  async append(event: AuditEvent): Promise<void> {
    await guard(() => this.client.put({ TableName: this.tableName, Item: this.#auditItem(event) }));
  }

  async list(tenantId: string, since?: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await guard(() =>
        this.client.query({
          TableName: this.tableName,
          KeyConditionExpression: since ? 'pk = :pk AND sk >= :since' : 'pk = :pk',
          ExpressionAttributeValues: {
            ':pk': keys.auditEvent(tenantId, '', '').pk,
            ...(since ? { ':since': since } : {}),
          },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        events.push({
          tenantId: item.tenantId,
          at: item.at,
          id: item.id,
          type: item.eventType,
          actor: item.actor,
          subject: item.subject,
          outcome: item.outcome,
          reason: item.reason,
          details: item.details,
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return events;
  }

  #transactionFor(record: LoginRecord, mode: LoginWriteMode, previousRoles?: readonly string[]): TransactItem[] {
    const table = this.tableName;
    const { session, profile } = record;
    const sessionPut: TransactItem = {
      Put: {
        TableName: table,
        Item: {
          ...keys.session(session.tokenHash),
          type: 'session',
          tokenHash: session.tokenHash,
          tenantId: session.tenantId,
          userId: session.userId,
          ...(session.tenantGeneration ? { tenantGeneration: session.tenantGeneration } : {}),
          createdAt: session.createdAt,
          lastSeenAt: session.lastSeenAt,
          [TTL_ATTRIBUTE]: session.expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    // The browser's previous session ends in the same transaction (index after the others, so
    // condition-failure indexes of the items before it stay stable).
    const endPrevious: TransactItem[] = record.replacesSessionHash
      ? [{ Delete: { TableName: table, Key: keys.session(record.replacesSessionHash) } }]
      : [];

    if (mode === 'returning') {
      // Profile refreshed from the ID token at every login; absent claims are removed, not kept stale.
      const set = ['lastLoginAt = :now', '#groups = :groups', '#roles = :roles'];
      const remove: string[] = [];
      const values: Record<string, unknown> = {
        ':now': record.now,
        ':groups': profile.groups,
        ':roles': profile.roles,
        ':false': false,
      };
      const names: Record<string, string> = { '#groups': 'groups', '#roles': 'roles' };
      // Unless this write accepts a known change, the roles must be unchanged; a change is
      // reported back (with the old roles) so it can be audited.
      let rolesCondition = ' AND #roles = :roles';
      if (previousRoles) {
        rolesCondition = previousRoles.length
          ? ' AND #roles = :previousRoles'
          : ' AND (attribute_not_exists(#roles) OR size(#roles) = :zero)';
        if (previousRoles.length) values[':previousRoles'] = previousRoles;
        else values[':zero'] = 0;
      }
      for (const [attribute, value] of [
        ['email', profile.email],
        ['emailVerified', profile.emailVerified],
        ['name', profile.name],
      ] as const) {
        names[`#${attribute}`] = attribute;
        if (value === undefined) remove.push(`#${attribute}`);
        else {
          set.push(`#${attribute} = :${attribute}`);
          values[`:${attribute}`] = value;
        }
      }
      return [
        {
          Update: {
            TableName: table,
            Key: keys.user(record.tenantId, record.userId),
            UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
            ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(disabled) OR disabled = :false)${rolesCondition}`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        sessionPut,
        ...endPrevious,
      ];
    }

    const role: Role = mode;
    const userPut: TransactItem = {
      Put: {
        TableName: table,
        Item: {
          ...keys.user(record.tenantId, record.userId),
          type: 'user',
          tenantId: record.tenantId,
          userId: record.userId,
          issuer: record.issuer,
          sub: record.sub,
          email: profile.email,
          emailVerified: profile.emailVerified,
          name: profile.name,
          groups: profile.groups,
          roles: profile.roles,
          role,
          disabled: false,
          createdAt: record.now,
          lastLoginAt: record.now,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    // The tenant must still be the one this login started for: a login racing `tenant delete`
    // (or served from a stale tenant cache) cannot leave a user behind in a deleted tenant.
    const sameTenant = tenantGenerationCondition(session.tenantGeneration);
    if (mode === 'member') {
      return [
        userPut,
        sessionPut,
        ...endPrevious,
        { ConditionCheck: { TableName: table, Key: keys.tenantConfig(record.tenantId), ...sameTenant } },
      ];
    }
    return [
      {
        Put: {
          TableName: table,
          Item: { ...keys.tenantOwner(record.tenantId), type: 'owner', userId: record.userId, claimedAt: record.now },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      userPut,
      sessionPut,
      {
        Update: {
          TableName: table,
          Key: keys.tenantConfig(record.tenantId),
          UpdateExpression: 'SET hasOwner = :true',
          ...sameTenant,
          ExpressionAttributeValues: { ':true': true, ...sameTenant.ExpressionAttributeValues },
        },
      },
      ...endPrevious,
    ];
  }

  async getSessionContext(tokenHash: string, tenantId: string, userId: string): Promise<SessionContext> {
    const sessionKey = keys.session(tokenHash);
    const userKey = keys.user(tenantId, userId);
    const tenantKey = keys.tenantConfig(tenantId);
    let pending: Record<string, unknown>[] = [sessionKey, userKey, tenantKey];
    let session: Session | undefined;
    let user: User | undefined;
    let tenant: SessionContext['tenant'];
    // BatchGet may hand back unprocessed keys under load; one retry, then give up as unavailable.
    for (let attempt = 0; attempt < 2 && pending.length > 0; attempt++) {
      const keysNow = pending;
      const result = await guard(() =>
        this.client.batchGet({
          RequestItems: {
            [this.tableName]: {
              Keys: keysNow,
              ConsistentRead: true,
              // Only what the session check needs: keeps each item's read small.
              ProjectionExpression: SESSION_CONTEXT_PROJECTION.expression,
              ExpressionAttributeNames: SESSION_CONTEXT_PROJECTION.names,
            },
          },
        }),
      );
      for (const item of result.Responses?.[this.tableName] ?? []) {
        if (item.sk === 'SESSION') session = toSession(item);
        else if (item.sk === 'CONFIG') {
          tenant = {
            sessionsNotBefore: typeof item.sessionsNotBefore === 'number' ? item.sessionsNotBefore : undefined,
            generation: typeof item.generation === 'string' ? item.generation : undefined,
          };
        } else user = toUser(item);
      }
      pending = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    if (pending.length > 0) {
      throw new LoginError('STORE_UNAVAILABLE', 'The service is busy. Please try again.', {
        reason: 'batch_unprocessed',
      });
    }
    return { session, user, tenant };
  }

  async touchSession(tokenHash: string, lastSeenAt: number): Promise<void> {
    // A session deleted meanwhile (logout) is simply not touched.
    await this.#setOnExisting(keys.session(tokenHash), 'lastSeenAt', lastSeenAt);
  }

  async revokeUserSessions(tenantId: string, userId: string, notBefore: number): Promise<boolean> {
    return this.#setNotBefore(keys.user(tenantId, userId), notBefore);
  }

  async revokeTenantSessions(tenantId: string, notBefore: number): Promise<boolean> {
    return this.#setNotBefore(keys.tenantConfig(tenantId), notBefore);
  }

  /** One write revokes any number of sessions: they are checked against this epoch when read. */
  async #setNotBefore(key: Record<string, string>, notBefore: number): Promise<boolean> {
    return this.#setOnExisting(key, 'sessionsNotBefore', notBefore);
  }

  /** Sets one attribute of an item that must exist; false when it does not. */
  async #setOnExisting(key: Record<string, string>, attribute: string, value: unknown): Promise<boolean> {
    try {
      await guard(() =>
        this.client.update({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET #attribute = :value',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#attribute': attribute },
          ExpressionAttributeValues: { ':value': value },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async deleteSession(tokenHash: string): Promise<{ tenantId: string; userId: string } | undefined> {
    const { Attributes } = await guard(() =>
      this.client.delete({ TableName: this.tableName, Key: keys.session(tokenHash), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes ? { tenantId: Attributes.tenantId, userId: Attributes.userId } : undefined;
  }

  async getUser(tenantId: string, userId: string): Promise<User | undefined> {
    const { Item } = await guard(() =>
      this.client.get({ TableName: this.tableName, Key: keys.user(tenantId, userId), ConsistentRead: true }),
    );
    return Item ? toUser(Item) : undefined;
  }

  async setUserDisabled(
    tenantId: string,
    userId: string,
    disabled: boolean,
    endSessionsBefore?: number,
  ): Promise<boolean> {
    try {
      await guard(() =>
        this.client.update({
          TableName: this.tableName,
          Key: keys.user(tenantId, userId),
          UpdateExpression:
            endSessionsBefore === undefined
              ? 'SET disabled = :disabled'
              : 'SET disabled = :disabled, sessionsNotBefore = :notBefore',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':disabled': disabled,
            ...(endSessionsBefore === undefined ? {} : { ':notBefore': endSessionsBefore }),
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async transferOwnership(tenantId: string, userId: string): Promise<'transferred' | 'already_owner' | 'no_such_user'> {
    const { Item: owner } = await guard(() =>
      this.client.get({ TableName: this.tableName, Key: keys.tenantOwner(tenantId), ConsistentRead: true }),
    );
    const previous = typeof owner?.userId === 'string' ? owner.userId : undefined;
    if (previous === userId) return 'already_owner';
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.tenantOwner(tenantId), type: 'owner', userId, claimedAt: new Date().toISOString() },
          // Guarded by what we read: a concurrent transfer makes this one fail instead of leaving two owners.
          ConditionExpression: previous ? 'userId = :previous' : 'attribute_not_exists(pk)',
          ...(previous ? { ExpressionAttributeValues: { ':previous': previous } } : {}),
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: keys.user(tenantId, userId),
          UpdateExpression: 'SET #role = :owner',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':owner': 'owner' },
        },
      },
    ];
    if (previous) {
      items.push({
        Update: {
          TableName: this.tableName,
          Key: keys.user(tenantId, previous),
          UpdateExpression: 'SET #role = :member',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':member': 'member' },
        },
      });
    }
    try {
      await guard(() => this.client.transactWrite({ TransactItems: items }));
      return 'transferred';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons) {
        if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'no_such_user';
        throw new LoginError('STORE_UNAVAILABLE', 'Ownership changed concurrently; run the command again.', {
          cause: error,
          reason: 'owner_transfer_conflict',
        });
      }
      throw error;
    }
  }

  async listUsers(tenantId: string): Promise<User[]> {
    const users: User[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await guard(() =>
        this.client.query({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :user)',
          ExpressionAttributeValues: { ':pk': keys.tenantConfig(tenantId).pk, ':user': USER_SORT_KEY_PREFIX },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) users.push(toUser(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return users;
  }
}

/** The tenant config item exists and has this generation (or, for tenants from before generations, none). */
function tenantGenerationCondition(generation: string | undefined) {
  return generation
    ? {
        ConditionExpression: 'attribute_exists(pk) AND #generation = :generation',
        ExpressionAttributeNames: { '#generation': 'generation' },
        ExpressionAttributeValues: { ':generation': generation } as Record<string, unknown>,
      }
    : {
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#generation)',
        ExpressionAttributeNames: { '#generation': 'generation' },
        ExpressionAttributeValues: {} as Record<string, unknown>,
      };
}
