import { type Attributes, explainRefusal, holds } from '../../../shared/conditional-write.ts';
import type { LoginItemKey, LoginItemName, LoginWriteOutcome, LoginWritePlan } from '../../../shared/ports.ts';
import type { TenantConfig } from '../../../shared/tenants.ts';
import type { User } from '../../../shared/users.ts';
import { USER_KEY_TYPES } from '../../../shared/users.ts';
import type { InMemoryTable } from './table.ts';

/**
 * A login's plan carried out on the maps the way DynamoDB carries out its
 * transaction: every guard evaluated (`holds`) over each key's item as
 * DynamoDB would hold it, a refusal explained by the plan itself
 * (`explainRefusal`), else every write applied. Nothing here decides what a
 * login writes or what a failed condition means. Synchronous, so as atomic
 * on Node's single thread as the transaction.
 *
 * `checksTenants` false (a store without tenants, for domain tests that keep
 * none): the tenant's config is not modelled, so its guards hold and its
 * writes go nowhere.
 */
export function writeLoginPlan(table: InMemoryTable, plan: LoginWritePlan, checksTenants: boolean): LoginWriteOutcome {
  const items = plan.items.filter((item) => checksTenants || item.key.kind !== 'tenant');
  const failed = new Map<LoginItemName, Attributes | undefined>();
  for (const item of items) {
    const current = read(table, item.key);
    if (!item.guards.every((guard) => holds(guard.holds, current))) failed.set(item.name, current);
  }
  if (failed.size > 0) {
    const outcome = explainRefusal(items, failed);
    if (!outcome) throw new Error(`a refusal the plan does not explain: ${[...failed.keys()].join(', ')}`);
    return outcome;
  }
  for (const { key, write } of items) {
    if ('put' in write) store(table, key, write.put);
    else if ('update' in write) store(table, key, updated(read(table, key), write.update));
  }
  table.sessions.set(plan.session.tokenHash, plan.session);
  if (plan.endsSession) table.sessions.delete(plan.endsSession);
  table.auditEvents.push(...plan.audit);
  return { kind: 'written' };
}

function updated(current: Attributes | undefined, update: { set: Attributes; remove: readonly string[] }): Attributes {
  // An absent attribute reads as undefined, in the guards as in the `User` the fakes keep.
  const removed = Object.fromEntries(update.remove.map((attribute) => [attribute, undefined]));
  return { ...current, ...update.set, ...removed };
}

const userKey = (key: { tenantId: string; userId: string }) => `${key.tenantId}/${key.userId}`;
const userNameKey = (key: { tenantId: string; userName: string }) => `${key.tenantId}/${key.userName.toLowerCase()}`;

/** The item at a key as DynamoDB holds it: the attributes the plan's guards read. */
function read(table: InMemoryTable, key: LoginItemKey): Attributes | undefined {
  switch (key.kind) {
    case 'user':
      return userKeyItem(table, userKey(key));
    case 'owner': {
      const userId = table.owners.get(key.tenantId);
      return userId === undefined ? undefined : { type: 'owner', userId };
    }
    case 'tenant': {
      const tenant = table.tenants.get(key.tenantId);
      return tenant && { ...tenant };
    }
    case 'userName': {
      const userId = table.userNames.get(userNameKey(key));
      return userId === undefined ? undefined : { type: 'user_name', tenantId: key.tenantId, userId };
    }
  }
}

function userKeyItem(table: InMemoryTable, key: string): Attributes | undefined {
  const user = table.users.get(key);
  // The user item has no `issuer`/`sub` until a login gives them (a SCIM user created without externalId).
  if (user) return { ...user, type: USER_KEY_TYPES.user, issuer: user.issuer || undefined, sub: user.sub || undefined };
  const link = table.links.get(key);
  if (link !== undefined) return { type: USER_KEY_TYPES.link, userId: link };
  const tombstone = table.tombstones.get(key);
  return tombstone && { ...tombstone, type: USER_KEY_TYPES.deleted };
}

/** Writes the item at a key back into the map that keeps its kind (a put replaces whatever the key held). */
function store(table: InMemoryTable, key: LoginItemKey, item: Attributes): void {
  switch (key.kind) {
    case 'user':
      storeUserKey(table, userKey(key), item);
      return;
    case 'owner':
      table.owners.set(key.tenantId, item.userId as string);
      return;
    case 'tenant':
      table.tenants.set(key.tenantId, item as unknown as TenantConfig);
      return;
    case 'userName':
      table.userNames.set(userNameKey(key), item.userId as string);
      return;
  }
}

function storeUserKey(table: InMemoryTable, key: string, item: Attributes): void {
  table.users.delete(key);
  table.links.delete(key);
  table.tombstones.delete(key);
  if (item.type === USER_KEY_TYPES.link) table.links.set(key, item.userId as string);
  else if (item.type === USER_KEY_TYPES.user) table.users.set(key, userOf(item));
  else throw new Error(`a login writes no ${String(item.type)} item`);
}

/** Fields of `User` a login does not write, at their defaults for a user the login creates. */
const UNWRITTEN: Pick<User, 'sessionsNotBeforeMs' | 'userName' | 'scim' | 'scimGroups' | 'version' | 'updatedAt'> = {
  sessionsNotBeforeMs: undefined,
  userName: undefined,
  scim: undefined,
  scimGroups: undefined,
  version: 0,
  updatedAt: undefined,
};

/** A user item as the fakes keep it: a `User`, with `''` for no issuer or sub. */
function userOf(item: Attributes): User {
  const { type: _type, ...fields } = item;
  return {
    ...UNWRITTEN,
    ...(fields as unknown as User),
    issuer: typeof item.issuer === 'string' ? item.issuer : '',
    sub: typeof item.sub === 'string' ? item.sub : '',
  };
}
