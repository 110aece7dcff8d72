import type { AuditEvent } from '../../../shared/audit.ts';
import type {
  AuditLog,
  LoginStore,
  LoginWriteOutcome,
  LoginWritePlan,
  OwnershipTransfer,
  SessionStore,
  UserDirectory,
  UserSessions,
} from '../../../shared/ports.ts';
import { laterEpoch } from '../../../shared/session/revocation.ts';
import type { User } from '../../../shared/users.ts';
import { writeLoginPlan } from './login-write.ts';
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

  /** The plan as the DynamoDB adapter writes it (`login-write.ts`): guards evaluated, then all or nothing. */
  async recordLogin(plan: LoginWritePlan): Promise<LoginWriteOutcome> {
    this.writes++;
    await Promise.resolve(); // let racing callers interleave between transactions, as in DynamoDB
    return writeLoginPlan(this.table, plan, this.#checksTenants);
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
