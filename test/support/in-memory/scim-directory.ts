import type {
  ScimContext,
  ScimDirectory,
  ScimGroup,
  ScimGroupWrite,
  ScimGroupWriteOutcome,
  ScimMembers,
  ScimPage,
  ScimUserDelete,
  ScimUserWrite,
  ScimUserWriteOutcome,
  UserKeyItem,
} from '../../../shared/ports.ts';
import { laterEpoch } from '../../../shared/session/revocation.ts';
import type { User } from '../../../shared/users.ts';

import { InMemoryTable } from './table.ts';

export class InMemoryScimDirectory implements ScimDirectory {
  writes = 0;
  /** Member items a DynamoDB read of the same limits would have read. */
  membersRead = 0;

  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async getScimContext(tenantId: string): Promise<ScimContext> {
    return { tenant: this.table.tenants.get(tenantId), tokenHash: this.table.scimTokens.get(tenantId) };
  }

  async putScimTokenHash(tenantId: string, tokenHash: string) {
    this.table.scimTokens.set(tenantId, tokenHash);
  }

  async readUserKey(tenantId: string, userId: string): Promise<UserKeyItem | undefined> {
    return this.table.userKey(tenantId, userId);
  }

  async findUserIdByUserName(tenantId: string, userName: string) {
    return this.table.userNames.get(`${tenantId}/${userName.toLowerCase()}`);
  }

  async findUserIdByExternalId(tenantId: string, externalId: string) {
    return this.table.externalIds.get(`${tenantId}/${externalId}`);
  }

  async findGroupIdByName(tenantId: string, displayName: string) {
    return this.table.groupNames.get(`${tenantId}/${displayName.toLowerCase()}`);
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

  async getGroup(tenantId: string, groupId: string) {
    return this.table.groups.get(`${tenantId}/${groupId}`);
  }

  async listGroups(tenantId: string, offset: number, limit: number): Promise<ScimPage<ScimGroup>> {
    const all = [...this.table.groups.entries()]
      .filter(([key]) => key.startsWith(`${tenantId}/`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, group]) => group);
    return { items: all.slice(offset, offset + limit), total: all.length };
  }

  /** As DynamoDB answers: in user-id order, at most `limit` and whether there are more. */
  async listMembers(tenantId: string, groupId: string, limit: number): Promise<ScimMembers> {
    const prefix = `${tenantId}/${groupId}/`;
    const all = [...this.table.members]
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length))
      .sort();
    this.membersRead += Math.min(all.length, limit + 1);
    return { userIds: all.slice(0, limit), more: all.length > limit };
  }

  async writeUser(write: ScimUserWrite): Promise<ScimUserWriteOutcome> {
    this.writes++;
    await Promise.resolve();
    const t = this.table;
    const key = `${write.tenantId}/${write.userId}`;
    const existing = t.users.get(key);
    const movesUserName = write.previousUserName?.toLowerCase() !== write.userName?.toLowerCase();
    const userNameKey = write.userName ? `${write.tenantId}/${write.userName.toLowerCase()}` : undefined;
    const { externalId } = write;
    const movesExternalId = write.previousExternalId !== externalId;
    const tombstone = t.tombstones.get(key);
    if (write.expectedVersion === undefined) {
      const tenant = t.tenants.get(write.tenantId);
      if (!tenant || tenant.generation !== write.tenantGeneration) return 'tenant_gone';
      if (existing || t.links.has(key)) return 'conflict';
    } else if (!existing || existing.version !== write.expectedVersion) return 'conflict';
    // The epoch moves only from what was read (a later revocation meanwhile: read again).
    if (
      existing &&
      write.endSessionsBefore !== undefined &&
      (existing.sessionsNotBeforeMs ?? 0) > (write.epochAsRead ?? 0)
    ) {
      return 'conflict';
    }
    const holder = (map: Map<string, string>, mapKey: string) => {
      const value = map.get(mapKey);
      return value !== undefined && value !== write.userId;
    };
    if (movesUserName && userNameKey && holder(t.userNames, userNameKey)) return 'user_name_taken';
    if (movesExternalId && externalId && holder(t.externalIds, `${write.tenantId}/${externalId}`)) {
      return 'external_id_taken';
    }
    const release = (map: Map<string, string>, mapKey: string) => {
      if (map.get(mapKey) === write.userId) map.delete(mapKey);
    };
    if (movesUserName) {
      if (write.previousUserName) release(t.userNames, `${write.tenantId}/${write.previousUserName.toLowerCase()}`);
      if (userNameKey) t.userNames.set(userNameKey, write.userId);
    }
    if (movesExternalId) {
      if (write.previousExternalId) release(t.externalIds, `${write.tenantId}/${write.previousExternalId}`);
      if (externalId) t.externalIds.set(`${write.tenantId}/${externalId}`, write.userId);
    }
    const common = {
      userName: write.userName,
      scim: write.profile,
      deactivated: write.deactivated,
      updatedAt: write.now,
    };
    if (existing) {
      t.users.set(key, {
        ...existing,
        ...common,
        ...(write.name !== undefined ? { name: write.name } : {}),
        sessionsNotBeforeMs: laterEpoch(existing.sessionsNotBeforeMs, write.endSessionsBefore),
        version: existing.version + 1,
      });
    } else {
      t.tombstones.delete(key);
      t.users.set(key, {
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
        ...common,
        version: 1,
      });
    }
    t.auditEvents.push(...write.audit);
    return 'written';
  }

  async deleteUser(write: ScimUserDelete): Promise<'deleted' | 'conflict'> {
    this.writes++;
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
    const release = (map: Map<string, string>, mapKey: string) => {
      if (map.get(mapKey) === write.userId) map.delete(mapKey);
    };
    if (write.userName) release(t.userNames, `${write.tenantId}/${write.userName.toLowerCase()}`);
    if (write.externalId) release(t.externalIds, `${write.tenantId}/${write.externalId}`);
    for (const groupId of write.groupIds) t.members.delete(`${write.tenantId}/${groupId}/${write.userId}`);
    t.auditEvents.push(...write.audit);
    return 'deleted';
  }

  async writeGroup(write: ScimGroupWrite): Promise<ScimGroupWriteOutcome> {
    this.writes++;
    await Promise.resolve();
    const t = this.table;
    const { tenantId, group } = write;
    const key = `${tenantId}/${group.groupId}`;
    const tenant = t.tenants.get(tenantId);
    if (!tenant || tenant.generation !== write.tenantGeneration) return 'tenant_gone';
    // Turning SCIM groups on only while they are still off as read (as the adapter's condition).
    if (write.enablesScimGroups && tenant.scimGroups) return 'conflict';
    const existing = t.groups.get(key);
    if (write.expectedVersion === undefined ? existing : existing?.version !== write.expectedVersion) return 'conflict';
    const nameKey = `${tenantId}/${group.displayName.toLowerCase()}`;
    const renamed = write.previousDisplayName?.toLowerCase() !== group.displayName.toLowerCase();
    const nameHolder = t.groupNames.get(nameKey);
    if (!write.deleted && renamed && nameHolder !== undefined && nameHolder !== group.groupId) return 'name_taken';
    for (const user of write.users) {
      const current = t.users.get(`${tenantId}/${user.userId}`);
      if (!current || current.version !== user.expectedVersion) return 'conflict';
    }
    if (write.deleted) t.groups.delete(key);
    else t.groups.set(key, group);
    if (write.previousDisplayName && (write.deleted || renamed)) {
      t.groupNames.delete(`${tenantId}/${write.previousDisplayName.toLowerCase()}`);
    }
    if (!write.deleted && renamed) t.groupNames.set(nameKey, group.groupId);
    if (write.enablesScimGroups) t.tenants.set(tenantId, { ...tenant, scimGroups: true });
    for (const userId of write.addMembers) t.members.add(`${key}/${userId}`);
    for (const userId of write.removeMembers) t.members.delete(`${key}/${userId}`);
    for (const user of write.users) {
      const current = t.users.get(`${tenantId}/${user.userId}`) as User;
      t.users.set(`${tenantId}/${user.userId}`, {
        ...current,
        scimGroups: user.scimGroups,
        groups: user.groups,
        roles: user.roles,
        version: current.version + 1,
      });
    }
    t.auditEvents.push(...write.audit);
    return 'written';
  }

  async startScimGroups(tenantId: string, defaults: { groups: readonly string[]; roles: readonly string[] }) {
    let started = 0;
    for (const [key, user] of this.table.users) {
      if (!key.startsWith(`${tenantId}/`) || user.scimGroups !== undefined) continue;
      // Bumps the version as the adapter does: a writer that read the user before sees the change.
      this.table.users.set(key, {
        ...user,
        scimGroups: {},
        groups: [...defaults.groups],
        roles: [...defaults.roles],
        version: user.version + 1,
      });
      started++;
    }
    return started;
  }
}
