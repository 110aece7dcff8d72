import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
} from '../../ports.ts';
import { SETTINGS } from '../../settings.ts';
import type { User } from '../../users.ts';
import type { ScimGroupDefaults } from './scim/group-start.ts';
import { DynamoDbScimGroupDirectory } from './scim/groups.ts';
import { DynamoDbScimTokenStore } from './scim/token-store.ts';
import { DynamoDbScimUserDirectory } from './scim/users.ts';

/**
 * The whole `ScimDirectory` on one table: the token store, Users and Groups,
 * each its own port and adapter (`scim/`), for the SCIM function and the
 * tools that take all of SCIM. Every call goes to the adapter of its port.
 */
export class DynamoDbScimDirectory implements ScimDirectory {
  readonly tokens: DynamoDbScimTokenStore;
  readonly users: DynamoDbScimUserDirectory;
  readonly groups: DynamoDbScimGroupDirectory;

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    auditRetentionDays: number = SETTINGS.auditRetentionDays.default,
  ) {
    this.tokens = new DynamoDbScimTokenStore(client, tableName);
    this.users = new DynamoDbScimUserDirectory(client, tableName, auditRetentionDays);
    this.groups = new DynamoDbScimGroupDirectory(client, tableName, auditRetentionDays);
  }

  getScimContext(tenantId: string): Promise<ScimContext> {
    return this.tokens.getScimContext(tenantId);
  }
  putScimTokenHash(tenantId: string, tokenHash: string, now: string): Promise<void> {
    return this.tokens.putScimTokenHash(tenantId, tokenHash, now);
  }

  readUserKey(tenantId: string, userId: string): Promise<UserKeyItem | undefined> {
    return this.users.readUserKey(tenantId, userId);
  }
  findUserIdByUserName(tenantId: string, userName: string): Promise<string | undefined> {
    return this.users.findUserIdByUserName(tenantId, userName);
  }
  findUserIdByExternalId(tenantId: string, externalId: string): Promise<string | undefined> {
    return this.users.findUserIdByExternalId(tenantId, externalId);
  }
  getUsers(tenantId: string, userIds: readonly string[]): Promise<User[]> {
    return this.users.getUsers(tenantId, userIds);
  }
  listUsers(tenantId: string, offset: number, limit: number): Promise<ScimPage<User>> {
    return this.users.listUsers(tenantId, offset, limit);
  }
  writeUser(write: ScimUserWrite): Promise<ScimUserWriteOutcome> {
    return this.users.writeUser(write);
  }
  deleteUser(write: ScimUserDelete): Promise<'deleted' | 'conflict'> {
    return this.users.deleteUser(write);
  }

  getGroup(tenantId: string, groupId: string): Promise<ScimGroup | undefined> {
    return this.groups.getGroup(tenantId, groupId);
  }
  findGroupIdByName(tenantId: string, displayName: string): Promise<string | undefined> {
    return this.groups.findGroupIdByName(tenantId, displayName);
  }
  listGroups(tenantId: string, offset: number, limit: number): Promise<ScimPage<ScimGroup>> {
    return this.groups.listGroups(tenantId, offset, limit);
  }
  listMembers(tenantId: string, groupId: string, limit: number): Promise<ScimMembers> {
    return this.groups.listMembers(tenantId, groupId, limit);
  }
  writeGroup(write: ScimGroupWrite): Promise<ScimGroupWriteOutcome> {
    return this.groups.writeGroup(write);
  }
  startScimGroups(tenantId: string, defaults: ScimGroupDefaults): Promise<number> {
    return this.groups.startScimGroups(tenantId, defaults);
  }
}
