import type {
  ScimPage,
  ScimUserDelete,
  ScimUserDirectory,
  ScimUserWrite,
  ScimUserWriteOutcome,
  UserKeyItem,
} from '../../../shared/ports.ts';
import { laterEpoch } from '../../../shared/session/revocation.ts';
import type { User } from '../../../shared/users.ts';

import { InMemoryTable } from './table.ts';

/** SCIM's Users, with the adapter's conditions: each write checks everything, then changes everything. */
export class InMemoryScimUserDirectory implements ScimUserDirectory {
  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async readUserKey(tenantId: string, userId: string): Promise<UserKeyItem | undefined> {
    return this.table.userKey(tenantId, userId);
  }

  async findUserIdByUserName(tenantId: string, userName: string) {
    return this.table.userNames.get(`${tenantId}/${userName.toLowerCase()}`);
  }

  async findUserIdByExternalId(tenantId: string, externalId: string) {
    return this.table.externalIds.get(`${tenantId}/${externalId}`);
  }

  async getUsers(tenantId: string, userIds: readonly string[]) {
    return [...new Set(userIds)]
      .map((id) => this.table.users.get(`${tenantId}/${id}`))
      .filter((user): user is User => user !== undefined);
  }

  async listUsers(tenantId: string, offset: number, limit: number): Promise<ScimPage<User>> {
    const all = [...this.table.users.entries()]
      .filter(([key]) => key.startsWith(`${tenantId}/`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, user]) => user);
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  async writeUser(write: ScimUserWrite): Promise<ScimUserWriteOutcome> {
    await Promise.resolve();
    const refused = this.#refusal(write);
    if (refused) return refused;
    this.#moveKeys(write);
    const key = `${write.tenantId}/${write.userId}`;
    const existing = this.table.users.get(key);
    this.table.users.set(key, existing ? updatedUser(existing, write) : this.#createdUser(write));
    this.table.auditEvents.push(...write.audit);
    return 'written';
  }

  async deleteUser(write: ScimUserDelete): Promise<'deleted' | 'conflict'> {
    await Promise.resolve();
    const t = this.table;
    const key = `${write.tenantId}/${write.userId}`;
    const existing = t.users.get(key);
    if (!existing || existing.version !== write.expectedVersion) return 'conflict';
    if ((existing.sessionsNotBeforeMs ?? 0) > (write.epochAsRead ?? 0)) return 'conflict';
    const linkKey = write.linkedFrom ? `${write.tenantId}/${write.linkedFrom}` : undefined;
    if (linkKey && (t.users.has(linkKey) || (t.links.has(linkKey) && t.links.get(linkKey) !== write.userId))) {
      return 'conflict';
    }
    const tombstone = { userId: write.userId, sessionsNotBeforeMs: write.endSessionsBefore, role: write.role };
    t.users.delete(key);
    t.tombstones.set(key, tombstone);
    if (linkKey) {
      t.links.delete(linkKey);
      t.tombstones.set(linkKey, { ...tombstone, role: 'member' });
    }
    if (write.userName) this.#release(t.userNames, `${write.tenantId}/${write.userName.toLowerCase()}`, write.userId);
    if (write.externalId) this.#release(t.externalIds, `${write.tenantId}/${write.externalId}`, write.userId);
    for (const groupId of write.groupIds) t.members.delete(`${write.tenantId}/${groupId}/${write.userId}`);
    t.auditEvents.push(...write.audit);
    return 'deleted';
  }

  /** Why the adapter's transaction would be cancelled, checked in its order; undefined: it goes through. */
  #refusal(write: ScimUserWrite): ScimUserWriteOutcome | undefined {
    const t = this.table;
    const key = `${write.tenantId}/${write.userId}`;
    const existing = t.users.get(key);
    if (write.expectedVersion === undefined) {
      const tenant = t.tenants.get(write.tenantId);
      if (!tenant || tenant.generation !== write.tenantGeneration) return 'tenant_gone';
      if (existing || t.links.has(key)) return 'conflict';
    } else if (!existing || existing.version !== write.expectedVersion) return 'conflict';
    // The epoch moves only from what was read (a later revocation meanwhile: read again).
    const epochMoved = (existing?.sessionsNotBeforeMs ?? 0) > (write.epochAsRead ?? 0);
    if (existing && write.endSessionsBefore !== undefined && epochMoved) return 'conflict';
    const takenBySomeoneElse = (map: Map<string, string>, mapKey: string) => {
      const value = map.get(mapKey);
      return value !== undefined && value !== write.userId;
    };
    const { userName, externalId } = write;
    if (movesUserName(write) && userName && takenBySomeoneElse(t.userNames, userNameKey(write.tenantId, userName))) {
      return 'user_name_taken';
    }
    if (movesExternalId(write) && externalId && takenBySomeoneElse(t.externalIds, `${write.tenantId}/${externalId}`)) {
      return 'external_id_taken';
    }
    return undefined;
  }

  /** The userName and externalId items the user moves between. */
  #moveKeys(write: ScimUserWrite): void {
    const { tenantId, userId, userName, previousUserName, externalId, previousExternalId } = write;
    if (movesUserName(write)) {
      if (previousUserName) this.#release(this.table.userNames, userNameKey(tenantId, previousUserName), userId);
      if (userName) this.table.userNames.set(userNameKey(tenantId, userName), userId);
    }
    if (movesExternalId(write)) {
      if (previousExternalId) this.#release(this.table.externalIds, `${tenantId}/${previousExternalId}`, userId);
      if (externalId) this.table.externalIds.set(`${tenantId}/${externalId}`, userId);
    }
  }

  #release(map: Map<string, string>, mapKey: string, userId: string): void {
    if (map.get(mapKey) === userId) map.delete(mapKey);
  }

  /** A new user, over nothing or over a tombstone, whose epoch (and role) it keeps. */
  #createdUser(write: ScimUserWrite): User {
    const key = `${write.tenantId}/${write.userId}`;
    const tombstone = this.table.tombstones.get(key);
    this.table.tombstones.delete(key);
    return {
      tenantId: write.tenantId,
      userId: write.userId,
      issuer: write.identity?.issuer ?? '',
      sub: write.identity?.sub ?? '',
      email: undefined,
      emailVerified: undefined,
      name: write.name,
      groups: write.roles?.groups ?? [],
      roles: write.roles?.roles ?? [],
      role: tombstone?.role ?? 'member',
      adminDisabled: false,
      createdAt: write.now,
      lastLoginAt: undefined,
      // A deleted user's epoch is carried forward to whoever is created at the same id.
      sessionsNotBeforeMs: laterEpoch(tombstone?.sessionsNotBeforeMs, write.endSessionsBefore),
      scimGroups: write.roles ? {} : undefined,
      ...scimFields(write),
      version: 1,
    };
  }
}

const userNameKey = (tenantId: string, userName: string) => `${tenantId}/${userName.toLowerCase()}`;
const movesUserName = (write: ScimUserWrite) => write.previousUserName?.toLowerCase() !== write.userName?.toLowerCase();
const movesExternalId = (write: ScimUserWrite) => write.previousExternalId !== write.externalId;

/** What every SCIM write sets on the user. */
function scimFields(write: ScimUserWrite) {
  return { userName: write.userName, scim: write.profile, deactivated: write.deactivated, updatedAt: write.now };
}

function updatedUser(existing: User, write: ScimUserWrite): User {
  return {
    ...existing,
    ...scimFields(write),
    ...(write.name !== undefined ? { name: write.name } : {}),
    sessionsNotBeforeMs: laterEpoch(existing.sessionsNotBeforeMs, write.endSessionsBefore),
    version: existing.version + 1,
  };
}
