import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../../audit.ts';
import { StoreUnavailableError } from '../../errors.ts';
import type { LoginRecord, LoginStore, LoginWriteMode, LoginWriteOptions, LoginWriteOutcome } from '../../ports.ts';
import { SETTINGS } from '../../settings.ts';
import { userIdFor } from '../../users.ts';
import { guard } from '../aws-errors.ts';
import { type CancellationReason, type TransactItem, writeNamedTransaction } from './client.ts';
import { isConditionFailure } from './conditional.ts';
import { adminDisabledFromItem, auditItem, sessionItem, USER_LINK_ITEM, USER_TOMBSTONE_ITEM } from './items.ts';
import { keys, TTL_ATTRIBUTE } from './table-schema.ts';
import { DynamoDbUserLookup } from './user-lookup.ts';

/** The items of a login transaction, by what each is for. */
type ItemName = 'owner' | 'user' | 'userName' | 'link' | 'session' | 'tenant' | 'previousSession' | 'audit';
type NamedItem = { readonly name: ItemName; readonly item: TransactItem };
type Values = Record<string, unknown>;

/**
 * What a login writes. Every login is one transaction, so a user is never
 * written without its session (or the other way round), the first owner is
 * claimed with a conditional write, and the audit events go in the same write.
 */
/** Its keyed reads (`UserLookup`) run only off the success path: after a login met a deleted user, and to audit a refusal. */
export class DynamoDbLoginStore extends DynamoDbUserLookup implements LoginStore {
  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    private readonly auditRetentionDays: number = SETTINGS.auditRetentionDays.default,
  ) {
    super(client, tableName);
  }

  async consumeLoginState(stateId: string, expiresAt: number): Promise<boolean> {
    try {
      await guard(() =>
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.usedState(stateId), type: 'used_state', [TTL_ATTRIBUTE]: expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async wasLoginStateUsed(stateId: string): Promise<boolean> {
    const { Item } = await guard(() =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: keys.usedState(stateId), ConsistentRead: true }),
      ),
    );
    return Item !== undefined;
  }

  async recordLogin(
    record: LoginRecord,
    mode: LoginWriteMode,
    options: LoginWriteOptions,
    auditEvents: readonly AuditEvent[],
  ): Promise<LoginWriteOutcome> {
    const named = [
      ...loginItems(this.tableName, record, mode, options),
      ...auditEvents.map((event) => ({
        name: 'audit' as const,
        item: { Put: { TableName: this.tableName, Item: auditItem(event, this.auditRetentionDays) } },
      })),
    ];
    const cancelled = await writeNamedTransaction(this.client, named);
    if (!cancelled) return { kind: 'written' };
    const outcome = outcomeOf(mode, record, options, cancelled.byName, cancelled.all);
    if (!outcome) throw new StoreUnavailableError(cancelled.error);
    return outcome;
  }
}

const createsUser = (mode: LoginWriteMode) => mode === 'owner' || mode === 'member';
const claimsOwner = (mode: LoginWriteMode) => mode === 'owner' || mode === 'claim_owner' || mode === 'link_owner';
const links = (mode: LoginWriteMode) => mode === 'link' || mode === 'link_owner';

/** Why the transaction was cancelled, read by item name; undefined when it is none of the expected outcomes. */
function outcomeOf(
  mode: LoginWriteMode,
  record: LoginRecord,
  options: LoginWriteOptions,
  reasons: Partial<Record<ItemName, CancellationReason>>,
  all: readonly CancellationReason[],
): LoginWriteOutcome | undefined {
  const failed = (name: ItemName) => reasons[name]?.Code === 'ConditionalCheckFailed';
  if (all.some((reason) => reason.Code === 'TransactionConflict')) return { kind: 'conflict' };
  if (failed('user')) {
    if (createsUser(mode)) {
      return reasons.user?.Item?.type === USER_TOMBSTONE_ITEM ? { kind: 'user_deleted' } : { kind: 'user_exists' };
    }
    return existingUserOutcome(mode, record, options, reasons.user?.Item);
  }
  // Another login of the same person created the user at the derived id a moment ago.
  if (failed('link')) return { kind: 'user_exists' };
  if (failed('owner')) return { kind: 'owner_taken' };
  if (failed('tenant')) {
    const tenant = reasons.tenant?.Item;
    const sameTenant = tenant && tenant.generation === record.session.tenantGeneration;
    return sameTenant && tenant.scimGroups === true ? { kind: 'roles_from_scim' } : { kind: 'tenant_gone' };
  }
  if (failed('userName')) {
    const holder = reasons.userName?.Item?.userId;
    return typeof holder === 'string' ? { kind: 'username_taken', userId: holder } : { kind: 'conflict' };
  }
  return undefined;
}

/** The existing user's item said no: what it is instead (from ReturnValuesOnConditionCheckFailure). */
function existingUserOutcome(
  mode: LoginWriteMode,
  record: LoginRecord,
  options: LoginWriteOptions,
  existing: Record<string, unknown> | undefined,
): LoginWriteOutcome {
  if (!existing) return links(mode) ? { kind: 'not_linkable' } : { kind: 'user_missing' };
  if (existing.type === USER_LINK_ITEM && typeof existing.userId === 'string' && !links(mode)) {
    return { kind: 'linked', userId: existing.userId };
  }
  if (existing.type === USER_TOMBSTONE_ITEM) return links(mode) ? { kind: 'not_linkable' } : { kind: 'user_deleted' };
  // A link needs a user without a sub; anything else needs this login's sub.
  const isTarget = existing.type === 'user' && (links(mode) ? !existing.sub : existing.sub === record.sub);
  if (!isTarget) return { kind: 'not_linkable' };
  const adminDisabled = adminDisabledFromItem(existing);
  if (adminDisabled || existing.deactivated === true) {
    return { kind: 'user_disabled', deactivated: !adminDisabled };
  }
  const hasScimGroups = existing.scimGroups !== undefined;
  if (record.rolesFrom === 'scim' && !options.initScimGroups && !hasScimGroups) return { kind: 'scim_groups_missing' };
  if ((record.rolesFrom === 'claim' || options.initScimGroups) && hasScimGroups) return { kind: 'roles_from_scim' };
  if (links(mode)) return { kind: 'conflict' };
  return { kind: 'roles_changed', previousRoles: Array.isArray(existing.roles) ? existing.roles : [] };
}

function loginItems(table: string, record: LoginRecord, mode: LoginWriteMode, options: LoginWriteOptions): NamedItem[] {
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
    return [{ name: 'user', item: existingUserUpdate(table, record, mode, options) }, session, ...previousSession];
  }
  // The tenant must still be the one this login started for: a login racing `tenant delete`
  // (or served from a stale tenant cache) cannot leave a user behind in a deleted tenant.
  const tenant: NamedItem = { name: 'tenant', item: tenantItem(table, record, claimsOwner(mode)) };
  const owner: NamedItem[] = claimsOwner(mode)
    ? [
        {
          name: 'owner',
          item: {
            Put: {
              TableName: table,
              Item: {
                ...keys.tenantOwner(record.tenantId),
                type: 'owner',
                userId: record.userId,
                claimedAt: record.now,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        },
      ]
    : [];
  if (createsUser(mode)) {
    const userName = options.claimUserName && record.profile.userName;
    const userNameItem: NamedItem[] = userName
      ? [
          {
            name: 'userName',
            item: {
              Put: {
                TableName: table,
                Item: {
                  ...keys.userName(record.tenantId, userName),
                  type: 'user_name',
                  tenantId: record.tenantId,
                  userId: record.userId,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          },
        ]
      : [];
    const user: NamedItem = { name: 'user', item: newUserPut(table, record, mode, options) };
    return [...owner, user, ...userNameItem, session, tenant, ...previousSession];
  }
  const user: NamedItem = { name: 'user', item: existingUserUpdate(table, record, mode, options) };
  const link: NamedItem[] = links(mode)
    ? [
        {
          name: 'link',
          item: {
            Put: {
              TableName: table,
              Item: {
                ...keys.user(record.tenantId, userIdFor(record.issuer, record.sub)),
                type: USER_LINK_ITEM,
                tenantId: record.tenantId,
                userId: record.userId,
              },
              // Over a deleted user's tombstone too: SCIM created the person again, without Okta's user id.
              ConditionExpression: 'attribute_not_exists(pk) OR #type = :deleted',
              ExpressionAttributeNames: { '#type': 'type' },
              ExpressionAttributeValues: { ':deleted': USER_TOMBSTONE_ITEM },
            },
          },
        },
      ]
    : [];
  return [...owner, user, ...link, session, tenant, ...previousSession];
}

/**
 * The tenant's config: its generation unchanged (owner claims also set
 * `hasOwner`), and, when this login writes roles from the ID token, no SCIM
 * groups yet (a login with an older cached config must not overwrite them).
 */
function tenantItem(table: string, record: LoginRecord, setsOwner: boolean): TransactItem {
  const generation = record.session.tenantGeneration;
  const names: Record<string, string> = { '#generation': 'generation' };
  const values: Values = generation ? { ':generation': generation } : {};
  let condition = generation
    ? 'attribute_exists(pk) AND #generation = :generation'
    : 'attribute_exists(pk) AND attribute_not_exists(#generation)';
  if (record.rolesFrom === 'claim') condition += ' AND attribute_not_exists(scimGroups)';
  const common = {
    TableName: table,
    Key: keys.tenantConfig(record.tenantId),
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  if (!setsOwner) {
    return { ConditionCheck: { ...common, ...(generation ? { ExpressionAttributeValues: values } : {}) } };
  }
  return {
    Update: {
      ...common,
      UpdateExpression: 'SET hasOwner = :true',
      ExpressionAttributeValues: { ...values, ':true': true },
    },
  };
}

function newUserPut(
  table: string,
  record: LoginRecord,
  mode: LoginWriteMode,
  options: LoginWriteOptions,
): TransactItem {
  const { profile } = record;
  const userName = options.claimUserName ? profile.userName : undefined;
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
        // Under SCIM groups a new user is in none yet: the tenant's default roles.
        ...(record.rolesFrom === 'scim' ? { scimGroups: {} } : {}),
        ...(userName ? { userName } : {}),
        role: mode === 'owner' ? 'owner' : 'member',
        adminDisabled: false,
        deactivated: false,
        createdAt: record.now,
        lastLoginAt: record.now,
      },
      // Not over a deleted user's tombstone: the login is refused until SCIM creates the person again.
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * An existing user's login: the profile refreshed from the ID token (absent
 * claims are removed, not kept stale); for a link, the user also gets this
 * login's issuer and sub; for an owner claim, the owner role. Roles follow
 * the tenant's source: from the ID token, the roles must be unchanged unless
 * this write accepts a known change (a change comes back with the old roles
 * as `roles_changed`, so it can be audited); under SCIM groups they are left
 * alone. Whatever fails, the old item comes back to say why.
 */
function existingUserUpdate(
  table: string,
  record: LoginRecord,
  mode: LoginWriteMode,
  options: LoginWriteOptions,
): TransactItem {
  const { profile } = record;
  const set = ['lastLoginAt = :now'];
  const remove: string[] = [];
  const values: Values = { ':now': record.now, ':false': false, ':user': 'user' };
  const names: Record<string, string> = { '#type': 'type', '#sub': 'sub' };
  const conditions = [
    'attribute_exists(pk)',
    '#type = :user',
    // Neither an administrator's disable nor Okta's deactivation (nor, on an item of the previous
    // version, its single `disabled` flag: `adminDisabledFromItem`).
    '(attribute_not_exists(adminDisabled) OR adminDisabled = :false)',
    '(attribute_not_exists(deactivated) OR deactivated = :false)',
    '(attribute_exists(adminDisabled) OR attribute_not_exists(disabled) OR disabled = :false)',
  ];
  if (links(mode)) {
    set.push('issuer = :issuer', '#sub = :sub');
    values[':issuer'] = record.issuer;
    conditions.push('attribute_not_exists(#sub)');
  } else {
    conditions.push('#sub = :sub');
  }
  values[':sub'] = record.sub;
  if (claimsOwner(mode)) {
    set.push('#role = :owner');
    names['#role'] = 'role';
    values[':owner'] = 'owner';
  }
  const writesRoles = record.rolesFrom === 'claim' || options.initScimGroups;
  if (writesRoles) {
    set.push('#groups = :groups', '#roles = :roles');
    names['#groups'] = 'groups';
    names['#roles'] = 'roles';
    values[':groups'] = profile.groups;
    values[':roles'] = profile.roles;
    conditions.push('attribute_not_exists(scimGroups)');
    if (options.initScimGroups) {
      set.push('scimGroups = :noGroups');
      values[':noGroups'] = {};
    }
    // A first sign-in (owner claim, link) takes the roles as they are; a returning one must say what changes.
    if (mode === 'returning') {
      const previous = options.previousRoles;
      if (!previous) conditions.push('#roles = :roles');
      else if (previous.length) {
        conditions.push('#roles = :previousRoles');
        values[':previousRoles'] = previous;
      } else {
        conditions.push('(attribute_not_exists(#roles) OR size(#roles) = :zero)');
        values[':zero'] = 0;
      }
    }
  } else {
    conditions.push('attribute_exists(scimGroups)');
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
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}
