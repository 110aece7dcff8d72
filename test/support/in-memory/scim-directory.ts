import type { ScimDirectory, ScimGroupWrite, ScimUserDelete, ScimUserWrite } from '../../../shared/ports.ts';
import { InMemoryScimGroupDirectory } from './scim-groups.ts';
import { InMemoryScimTokenStore } from './scim-token-store.ts';
import { InMemoryScimUserDirectory } from './scim-users.ts';
import { InMemoryTable } from './table.ts';

export * from './scim-groups.ts';
export * from './scim-token-store.ts';
export * from './scim-users.ts';

/** The whole `ScimDirectory` over one table, as the SCIM handlers take it: each call goes to its port's fake. */
export class InMemoryScimDirectory implements ScimDirectory {
  readonly tokens: InMemoryScimTokenStore;
  readonly users: InMemoryScimUserDirectory;
  readonly groups: InMemoryScimGroupDirectory;

  constructor(readonly table: InMemoryTable = new InMemoryTable()) {
    this.tokens = new InMemoryScimTokenStore(table);
    this.users = new InMemoryScimUserDirectory(table);
    this.groups = new InMemoryScimGroupDirectory(table);
  }

  /** Member items a DynamoDB read of the same limits would have read. */
  get membersRead(): number {
    return this.groups.membersRead;
  }

  getScimContext(tenantId: string) {
    return this.tokens.getScimContext(tenantId);
  }
  putScimTokenHash(tenantId: string, tokenHash: string) {
    return this.tokens.putScimTokenHash(tenantId, tokenHash);
  }
  readUserKey(tenantId: string, userId: string) {
    return this.users.readUserKey(tenantId, userId);
  }
  findUserIdByUserName(tenantId: string, userName: string) {
    return this.users.findUserIdByUserName(tenantId, userName);
  }
  findUserIdByExternalId(tenantId: string, externalId: string) {
    return this.users.findUserIdByExternalId(tenantId, externalId);
  }
  getUsers(tenantId: string, userIds: readonly string[]) {
    return this.users.getUsers(tenantId, userIds);
  }
  listUsers(tenantId: string, offset: number, limit: number) {
    return this.users.listUsers(tenantId, offset, limit);
  }
  writeUser(write: ScimUserWrite) {
    return this.users.writeUser(write);
  }
  deleteUser(write: ScimUserDelete) {
    return this.users.deleteUser(write);
  }
  getGroup(tenantId: string, groupId: string) {
    return this.groups.getGroup(tenantId, groupId);
  }
  findGroupIdByName(tenantId: string, displayName: string) {
    return this.groups.findGroupIdByName(tenantId, displayName);
  }
  listGroups(tenantId: string, offset: number, limit: number) {
    return this.groups.listGroups(tenantId, offset, limit);
  }
  listMembers(tenantId: string, groupId: string, limit: number) {
    return this.groups.listMembers(tenantId, groupId, limit);
  }
  writeGroup(write: ScimGroupWrite) {
    return this.groups.writeGroup(write);
  }
  startScimGroups(tenantId: string, defaults: { groups: readonly string[]; roles: readonly string[] }) {
    return this.groups.startScimGroups(tenantId, defaults);
  }
}
