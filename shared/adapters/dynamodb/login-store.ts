import type { AuditEvent } from '../../audit.ts';
import { StoreUnavailableError } from '../../errors.ts';
import type { LoginRecord, LoginStore, LoginWriteMode, LoginWriteOutcome } from '../../ports.ts';
import { guard } from '../aws-errors.ts';
import {
  type CancellationReason,
  cancellationReasons,
  cancellationReasonsByName,
  type DocumentClient,
  type TransactItem,
} from './client.ts';
import { isConditionFailure } from './conditional.ts';
import { auditItem, sessionItem } from './items.ts';
import { keys, TTL_ATTRIBUTE } from './table-schema.ts';

/** The items of a login transaction, by what each is for. */
type ItemName = 'owner' | 'user' | 'session' | 'tenant' | 'previousSession' | 'audit';
type NamedItem = { readonly name: ItemName; readonly item: TransactItem };

/**
 * What a login writes. Every login is one transaction, so a user is never
 * written without its session (or the other way round), the first owner is
 * claimed with a conditional write, and the audit events go in the same write.
 */
export class DynamoDbLoginStore implements LoginStore {
  constructor(
    private readonly client: DocumentClient,
    private readonly tableName: string,
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
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async wasLoginStateUsed(stateId: string): Promise<boolean> {
    const { Item } = await guard(() =>
      this.client.get({ TableName: this.tableName, Key: keys.usedState(stateId), ConsistentRead: true }),
    );
    return Item !== undefined;
  }

  async recordLogin(
    record: LoginRecord,
    mode: LoginWriteMode,
    previousRoles: readonly string[] | undefined,
    auditEvents: readonly AuditEvent[],
  ): Promise<LoginWriteOutcome> {
    const named = [
      ...loginItems(this.tableName, record, mode, previousRoles),
      ...auditEvents.map((event) => ({
        name: 'audit' as const,
        item: { Put: { TableName: this.tableName, Item: auditItem(event, this.auditRetentionDays) } },
      })),
    ];
    try {
      await guard(() => this.client.transactWrite({ TransactItems: named.map(({ item }) => item) }));
      return { kind: 'written', role: mode === 'returning' ? undefined : mode };
    } catch (error) {
      const reasons = cancellationReasonsByName(
        error,
        named.map(({ name }) => name),
      );
      if (!reasons) throw error;
      const outcome = outcomeOf(mode, reasons, cancellationReasons(error) ?? []);
      if (!outcome) throw new StoreUnavailableError(error);
      return outcome;
    }
  }
}

/** Why the transaction was cancelled, read by item name; undefined when it is none of the expected outcomes. */
function outcomeOf(
  mode: LoginWriteMode,
  reasons: Partial<Record<ItemName, CancellationReason>>,
  all: readonly CancellationReason[],
): LoginWriteOutcome | undefined {
  const failed = (name: ItemName) => reasons[name]?.Code === 'ConditionalCheckFailed';
  if (all.some((reason) => reason.Code === 'TransactionConflict')) return { kind: 'conflict' };
  if (mode === 'returning' && failed('user')) {
    const existing = reasons.user?.Item;
    if (!existing) return { kind: 'user_missing' };
    if (existing.disabled === true) return { kind: 'user_disabled' };
    return { kind: 'roles_changed', previousRoles: Array.isArray(existing.roles) ? existing.roles : [] };
  }
  if (failed('user')) return { kind: 'user_exists' };
  if (failed('owner')) return { kind: 'owner_taken' };
  if (failed('tenant')) return { kind: 'tenant_gone' };
  return undefined;
}

function loginItems(
  table: string,
  record: LoginRecord,
  mode: LoginWriteMode,
  previousRoles: readonly string[] | undefined,
): NamedItem[] {
  const session: NamedItem = {
    name: 'session',
    item: {
      Put: { TableName: table, Item: sessionItem(record.session), ConditionExpression: 'attribute_not_exists(pk)' },
    },
  };
  // The browser's previous session ends in the same transaction (no fixation, no leftovers).
  const previousSession: NamedItem[] = record.replacesSessionHash
    ? [
        {
          name: 'previousSession',
          item: { Delete: { TableName: table, Key: keys.session(record.replacesSessionHash) } },
        },
      ]
    : [];
  if (mode === 'returning') {
    return [{ name: 'user', item: returningUserUpdate(table, record, previousRoles) }, session, ...previousSession];
  }
  const user: NamedItem = { name: 'user', item: newUserPut(table, record, mode) };
  // The tenant must still be the one this login started for: a login racing `tenant delete`
  // (or served from a stale tenant cache) cannot leave a user behind in a deleted tenant.
  const sameTenant = tenantGenerationCondition(record.session.tenantGeneration);
  if (mode === 'member') {
    const tenant = { ConditionCheck: { TableName: table, Key: keys.tenantConfig(record.tenantId), ...sameTenant } };
    return [user, session, ...previousSession, { name: 'tenant', item: tenant }];
  }
  const ownerItem = {
    ...keys.tenantOwner(record.tenantId),
    type: 'owner',
    userId: record.userId,
    claimedAt: record.now,
  };
  const hasOwner = {
    Update: {
      TableName: table,
      Key: keys.tenantConfig(record.tenantId),
      UpdateExpression: 'SET hasOwner = :true',
      ...sameTenant,
      ExpressionAttributeValues: { ':true': true, ...sameTenant.ExpressionAttributeValues },
    },
  };
  return [
    {
      name: 'owner',
      item: { Put: { TableName: table, Item: ownerItem, ConditionExpression: 'attribute_not_exists(pk)' } },
    },
    user,
    session,
    { name: 'tenant', item: hasOwner },
    ...previousSession,
  ];
}

function newUserPut(table: string, record: LoginRecord, role: 'owner' | 'member'): TransactItem {
  const { profile } = record;
  return {
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
}

/**
 * A returning user's profile, refreshed from the ID token at every login
 * (absent claims are removed, not kept stale). Unless this write accepts a
 * known change, the roles must be unchanged; a change comes back (with the old
 * roles) as `roles_changed` so it can be audited.
 */
function returningUserUpdate(
  table: string,
  record: LoginRecord,
  previousRoles: readonly string[] | undefined,
): TransactItem {
  const { profile } = record;
  const set = ['lastLoginAt = :now', '#groups = :groups', '#roles = :roles'];
  const remove: string[] = [];
  const values: Record<string, unknown> = {
    ':now': record.now,
    ':groups': profile.groups,
    ':roles': profile.roles,
    ':false': false,
  };
  const names: Record<string, string> = { '#groups': 'groups', '#roles': 'roles' };
  let rolesCondition = ' AND #roles = :roles';
  if (previousRoles) {
    rolesCondition = previousRoles.length
      ? ' AND #roles = :previousRoles'
      : ' AND (attribute_not_exists(#roles) OR size(#roles) = :zero)';
    if (previousRoles.length) values[':previousRoles'] = previousRoles;
    else values[':zero'] = 0;
  }
  for (const [attribute, value] of Object.entries({
    email: profile.email,
    emailVerified: profile.emailVerified,
    name: profile.name,
  })) {
    names[`#${attribute}`] = attribute;
    if (value === undefined) remove.push(`#${attribute}`);
    else {
      set.push(`#${attribute} = :${attribute}`);
      values[`:${attribute}`] = value;
    }
  }
  return {
    Update: {
      TableName: table,
      Key: keys.user(record.tenantId, record.userId),
      UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
      ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(disabled) OR disabled = :false)${rolesCondition}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** The tenant config item exists and has this generation (or, for tenants from before generations, none). */
function tenantGenerationCondition(generation: string | undefined) {
  return {
    ConditionExpression: generation
      ? 'attribute_exists(pk) AND #generation = :generation'
      : 'attribute_exists(pk) AND attribute_not_exists(#generation)',
    ExpressionAttributeNames: { '#generation': 'generation' },
    ExpressionAttributeValues: (generation ? { ':generation': generation } : {}) as Record<string, unknown>,
  };
}
