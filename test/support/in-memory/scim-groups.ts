import type {
  ScimGroup,
  ScimGroupDirectory,
  ScimGroupWrite,
  ScimGroupWriteOutcome,
  ScimMembers,
  ScimPage,
} from '../../../shared/ports.ts';
import type { User } from '../../../shared/users.ts';

import { InMemoryTable } from './table.ts';

/** SCIM's Groups, with the adapter's conditions: each write checks everything, then changes everything. */
export class InMemoryScimGroupDirectory implements ScimGroupDirectory {
  /** Member items a DynamoDB read of the same limits would have read. */
  membersRead = 0;

  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async findGroupIdByName(tenantId: string, displayName: string) {
    return this.table.groupNames.get(`${tenantId}/${displayName.toLowerCase()}`);
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

  async writeGroup(write: ScimGroupWrite): Promise<ScimGroupWriteOutcome> {
    await Promise.resolve();
    const refused = this.#refusal(write);
    if (refused) return refused;
    this.#writeGroupItems(write);
    const key = `${write.tenantId}/${write.group.groupId}`;
    for (const userId of write.addMembers) this.table.members.add(`${key}/${userId}`);
    for (const userId of write.removeMembers) this.table.members.delete(`${key}/${userId}`);
    for (const user of write.users) {
      const userKey = `${write.tenantId}/${user.userId}`;
      const current = this.table.users.get(userKey) as User;
      const { scimGroups, groups, roles } = user;
      this.table.users.set(userKey, { ...current, scimGroups, groups, roles, version: current.version + 1 });
    }
    this.table.auditEvents.push(...write.audit);
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

  /** Why the adapter's transactions would be cancelled; undefined: the write goes through. */
  #refusal(write: ScimGroupWrite): ScimGroupWriteOutcome | undefined {
    const t = this.table;
    const { tenantId, group } = write;
    const tenant = t.tenants.get(tenantId);
    if (!tenant || tenant.generation !== write.tenantGeneration) return 'tenant_gone';
    // Turning SCIM groups on only while they are still off as read (as the adapter's condition).
    if (write.enablesScimGroups && tenant.scimGroups) return 'conflict';
    const existing = t.groups.get(`${tenantId}/${group.groupId}`);
    if (write.expectedVersion === undefined ? existing : existing?.version !== write.expectedVersion) return 'conflict';
    const nameHolder = t.groupNames.get(`${tenantId}/${group.displayName.toLowerCase()}`);
    if (!write.deleted && renamed(write) && nameHolder !== undefined && nameHolder !== group.groupId) {
      return 'name_taken';
    }
    for (const user of write.users) {
      const current = t.users.get(`${tenantId}/${user.userId}`);
      if (!current || current.version !== user.expectedVersion) return 'conflict';
    }
    return undefined;
  }

  /** The group itself, its name, and the tenant's SCIM groups flag. */
  #writeGroupItems(write: ScimGroupWrite): void {
    const t = this.table;
    const { tenantId, group } = write;
    const key = `${tenantId}/${group.groupId}`;
    if (write.deleted) t.groups.delete(key);
    else t.groups.set(key, group);
    if (write.previousDisplayName && (write.deleted || renamed(write))) {
      t.groupNames.delete(`${tenantId}/${write.previousDisplayName.toLowerCase()}`);
    }
    if (!write.deleted && renamed(write))
      t.groupNames.set(`${tenantId}/${group.displayName.toLowerCase()}`, group.groupId);
    const tenant = t.tenants.get(tenantId);
    if (write.enablesScimGroups && tenant) t.tenants.set(tenantId, { ...tenant, scimGroups: true });
  }
}

const renamed = (write: ScimGroupWrite) =>
  write.previousDisplayName?.toLowerCase() !== write.group.displayName.toLowerCase();
