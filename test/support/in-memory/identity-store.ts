import type { AuditEvent } from '../../../shared/audit.ts';
import type {
  AuditLog,
  LoginRecord,
  LoginStore,
  LoginWriteMode,
  LoginWriteOptions,
  LoginWriteOutcome,
  OwnershipTransfer,
  SessionStore,
  UserDirectory,
  UserSessions,
} from '../../../shared/ports.ts';
import { laterEpoch } from '../../../shared/session/revocation.ts';
import { type User, userIdFor } from '../../../shared/users.ts';
import { InMemoryTable } from './table.ts';
import type { InMemoryTenantStore } from './tenant-store.ts';

export class InMemoryIdentityStore implements LoginStore, SessionStore, UserDirectory, AuditLog {
  writes = 0;
  readonly table: InMemoryTable;
  readonly #checksTenants: boolean;

  constructor(tenants?: InMemoryTenantStore) {
    this.table = tenants?.table ?? new InMemoryTable();
    this.#checksTenants = tenants !== undefined;
  }

  get users() {
    return this.table.users;
  }
  get sessions() {
    return this.table.sessions;
  }
  get auditEvents() {
    return this.table.auditEvents;
  }

  async consumeLoginState(stateId: string) {
    this.writes++;
    if (this.table.usedStates.has(stateId)) return false;
    this.table.usedStates.add(stateId);
    return true;
  }

  async wasLoginStateUsed(stateId: string) {
    return this.table.usedStates.has(stateId);
  }

  async readUserKey(tenantId: string, userId: string) {
    return this.table.userKey(tenantId, userId);
  }

  async findUserIdByUserName(tenantId: string, userName: string) {
    return this.table.userNames.get(`${tenantId}/${userName.toLowerCase()}`);
  }

  async findUserIdByExternalId(tenantId: string, externalId: string) {
    return this.table.externalIds.get(`${tenantId}/${externalId}`);
  }

  async recordLogin(
    record: LoginRecord,
    mode: LoginWriteMode,
    options: LoginWriteOptions,
    auditEvents: readonly AuditEvent[],
  ): Promise<LoginWriteOutcome> {
    this.writes++;
    await Promise.resolve(); // let racing callers interleave between transactions, as in DynamoDB
    const outcome = this.#check(record, mode, options);
    if (outcome) return outcome;
    const t = this.table;
    const key = `${record.tenantId}/${record.userId}`;
    const linking = mode === 'link' || mode === 'link_owner';
    const claimsOwner = mode === 'owner' || mode === 'claim_owner' || mode === 'link_owner';
    const writesRoles = record.rolesFrom === 'claim' || options.initScimGroups;
    if (claimsOwner) {
      t.owners.set(record.tenantId, record.userId);
      const tenant = t.tenants.get(record.tenantId);
      if (tenant) t.tenants.set(record.tenantId, { ...tenant, hasOwner: true });
    }
    if (mode === 'owner' || mode === 'member') {
      const userName = options.claimUserName ? record.profile.userName : undefined;
      t.users.set(key, newUser(record, mode, userName));
      if (userName) t.userNames.set(`${record.tenantId}/${userName.toLowerCase()}`, record.userId);
    } else {
      const existing = t.users.get(key) as User;
      const { email, emailVerified, name, groups, roles } = record.profile;
      t.users.set(key, {
        ...existing,
        email,
        emailVerified,
        name,
        lastLoginAt: record.now,
        ...(writesRoles ? { groups, roles } : {}),
        ...(options.initScimGroups ? { scimGroups: {} } : {}),
        ...(claimsOwner ? { role: 'owner' as const } : {}),
        ...(linking ? { issuer: record.issuer, sub: record.sub } : {}),
      });
      if (linking) {
        const derived = `${record.tenantId}/${userIdFor(record.issuer, record.sub)}`;
        t.tombstones.delete(derived);
        t.links.set(derived, record.userId);
      }
    }
    this.#commit(record, auditEvents);
    return { kind: 'written' };
  }

  /** The conditions of the login transaction, in the order the DynamoDB adapter reads its cancellation. */
  #check(record: LoginRecord, mode: LoginWriteMode, options: LoginWriteOptions): LoginWriteOutcome | undefined {
    const t = this.table;
    const key = `${record.tenantId}/${record.userId}`;
    const linking = mode === 'link' || mode === 'link_owner';
    const claimsOwner = mode === 'owner' || mode === 'claim_owner' || mode === 'link_owner';
    if (mode === 'owner' || mode === 'member') {
      if (t.tombstones.has(key)) return { kind: 'user_deleted' };
      if (t.users.has(key) || t.links.has(key)) return { kind: 'user_exists' };
    } else {
      const failed = this.#existingUser(record, mode, options);
      if (failed) return failed;
      if (mode === 'returning') return undefined;
    }
    if (linking) {
      const derived = `${record.tenantId}/${userIdFor(record.issuer, record.sub)}`;
      // Over a deleted user's tombstone too (SCIM created the person again).
      if (t.users.has(derived) || t.links.has(derived)) return { kind: 'user_exists' };
    }
    if (claimsOwner && t.owners.has(record.tenantId)) return { kind: 'owner_taken' };
    if (!this.#isTenant(record)) return { kind: 'tenant_gone' };
    if (record.rolesFrom === 'claim' && this.#checksTenants && t.tenants.get(record.tenantId)?.scimGroups) {
      return { kind: 'roles_from_scim' };
    }
    const userName =
      (mode === 'owner' || mode === 'member') && options.claimUserName ? record.profile.userName : undefined;
    const holder = userName ? t.userNames.get(`${record.tenantId}/${userName.toLowerCase()}`) : undefined;
    if (holder) return { kind: 'username_taken', userId: holder };
    return undefined;
  }

  #existingUser(record: LoginRecord, mode: LoginWriteMode, options: LoginWriteOptions): LoginWriteOutcome | undefined {
    const key = `${record.tenantId}/${record.userId}`;
    const user = this.table.users.get(key);
    const link = this.table.links.get(key);
    const linking = mode === 'link' || mode === 'link_owner';
    if (this.table.tombstones.has(key)) return linking ? { kind: 'not_linkable' } : { kind: 'user_deleted' };
    if (!user && !link) return linking ? { kind: 'not_linkable' } : { kind: 'user_missing' };
    if (link) return linking ? { kind: 'not_linkable' } : { kind: 'linked', userId: link };
    if (!user || (linking ? user.sub !== '' : user.sub !== record.sub)) return { kind: 'not_linkable' };
    if (user.adminDisabled || user.deactivated) return { kind: 'user_disabled', deactivated: !user.adminDisabled };
    const writesRoles = record.rolesFrom === 'claim' || options.initScimGroups;
    const hasScimGroups = user.scimGroups !== undefined;
    if (!writesRoles && !hasScimGroups) return { kind: 'scim_groups_missing' };
    if (writesRoles && hasScimGroups) return { kind: 'roles_from_scim' };
    if (mode === 'returning' && writesRoles && !sameRoles(user.roles, options.previousRoles ?? record.profile.roles)) {
      return { kind: 'roles_changed', previousRoles: user.roles };
    }
    return undefined;
  }

  #isTenant(record: LoginRecord): boolean {
    if (!this.#checksTenants) return true;
    const tenant = this.table.tenants.get(record.tenantId);
    return tenant !== undefined && tenant.generation === record.session.tenantGeneration;
  }

  #commit(record: LoginRecord, auditEvents: readonly AuditEvent[]): void {
    this.table.auditEvents.push(...auditEvents);
    this.table.sessions.set(record.session.tokenHash, record.session);
    if (record.replacesSessionHash) this.table.sessions.delete(record.replacesSessionHash);
  }

  async getSessionContext(tokenHash: string, tenantId: string, userId: string) {
    const tenant = this.#checksTenants ? this.table.tenants.get(tenantId) : undefined;
    const tenantExists = this.#checksTenants ? tenant !== undefined : true;
    return {
      session: this.table.sessions.get(tokenHash),
      user: this.table.users.get(`${tenantId}/${userId}`),
      tenant: tenantExists
        ? { sessionsNotBeforeMs: this.table.tenantSessionsNotBeforeMs.get(tenantId), generation: tenant?.generation }
        : undefined,
    };
  }

  async getSessionContextWithKeys(tokenHash: string, tenantId: string, userId: string) {
    return { ...(await this.getSessionContext(tokenHash, tenantId, userId)), publicKeys: this.table.publicKeys };
  }

  async listUserSessions(tenantId: string, userId: string, now: number): Promise<UserSessions> {
    const { user, tenant } = await this.getSessionContext('', tenantId, userId);
    const sessions = [...this.table.sessions.values()].filter(
      (session) => session.tenantId === tenantId && session.userId === userId && session.expiresAt > now,
    );
    return { sessions, user, tenant };
  }

  async touchSession(tokenHash: string, lastSeenAt: number) {
    const session = this.table.sessions.get(tokenHash);
    if (session) this.table.sessions.set(tokenHash, { ...session, lastSeenAt });
  }

  /** Epochs only move forward, as the adapter's conditional write does. */
  async revokeUserSessions(tenantId: string, userId: string, notBeforeMs: number) {
    const user = this.table.users.get(`${tenantId}/${userId}`);
    return this.#updateUser(tenantId, userId, {
      sessionsNotBeforeMs: laterEpoch(user?.sessionsNotBeforeMs, notBeforeMs),
    });
  }

  async revokeTenantSessions(tenantId: string, notBeforeMs: number) {
    if (this.#checksTenants && !this.table.tenants.has(tenantId)) return false;
    const current = this.table.tenantSessionsNotBeforeMs.get(tenantId);
    this.table.tenantSessionsNotBeforeMs.set(tenantId, laterEpoch(current, notBeforeMs) as number);
    return true;
  }

  async deleteSession(tokenHash: string) {
    const session = this.table.sessions.get(tokenHash);
    this.table.sessions.delete(tokenHash);
    return session ? { tenantId: session.tenantId, userId: session.userId } : undefined;
  }

  async append(event: AuditEvent) {
    this.table.auditEvents.push(event);
  }

  async list(tenantId: string, since = '') {
    return this.table.auditEvents
      .filter((event) => event.tenantId === tenantId && `${event.at}#${event.id}` >= since)
      .sort((a, b) => `${a.at}#${a.id}`.localeCompare(`${b.at}#${b.id}`));
  }

  async getUser(tenantId: string, userId: string) {
    return this.table.users.get(`${tenantId}/${userId}`);
  }

  async setAdminDisabled(tenantId: string, userId: string, disabled: boolean, endSessionsBefore?: number) {
    const user = this.table.users.get(`${tenantId}/${userId}`);
    return this.#updateUser(tenantId, userId, {
      adminDisabled: disabled,
      sessionsNotBeforeMs: laterEpoch(user?.sessionsNotBeforeMs, endSessionsBefore),
    });
  }

  #updateUser(tenantId: string, userId: string, changes: Partial<User>): boolean {
    const user = this.table.users.get(`${tenantId}/${userId}`);
    if (!user) return false;
    this.table.users.set(`${tenantId}/${userId}`, { ...user, ...changes });
    return true;
  }

  async transferOwnership(tenantId: string, userId: string): Promise<OwnershipTransfer> {
    const user = this.table.users.get(`${tenantId}/${userId}`);
    const previous = this.table.owners.get(tenantId);
    if (previous === userId) return 'already_owner';
    if (!user) return 'no_such_user';
    if (previous) this.#updateUser(tenantId, previous, { role: 'member' });
    this.#updateUser(tenantId, userId, { role: 'owner' });
    this.table.owners.set(tenantId, userId);
    return 'transferred';
  }

  async listUsers(tenantId: string) {
    return [...this.table.users.values()].filter((user) => user.tenantId === tenantId);
  }
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((role, index) => role === b[index]);
}

function newUser(record: LoginRecord, role: 'owner' | 'member', userName: string | undefined): User {
  const { email, emailVerified, name, groups, roles } = record.profile;
  return {
    tenantId: record.tenantId,
    userId: record.userId,
    issuer: record.issuer,
    sub: record.sub,
    email,
    emailVerified,
    name,
    groups,
    roles,
    role,
    adminDisabled: false,
    createdAt: record.now,
    lastLoginAt: record.now,
    sessionsNotBeforeMs: undefined,
    userName,
    scim: undefined,
    scimGroups: record.rolesFrom === 'scim' ? {} : undefined,
    deactivated: false,
    version: 0,
    updatedAt: undefined,
  };
}
