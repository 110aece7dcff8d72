/**
 * In-memory implementations of the domain's ports, for unit tests of the
 * domain. Writes that DynamoDB does in one transaction happen here within one
 * synchronous block, which is just as atomic on Node's single thread. The
 * contract tests (test/integration/store-contract.test.ts) run the same cases
 * against these and the DynamoDB adapters, so the two cannot drift.
 */
import type { AuditEvent } from '../../shared/audit.ts';
import type {
  AuditLog,
  ClientSecretStore,
  LoginRecord,
  LoginStore,
  LoginTelemetry,
  LoginWriteMode,
  LoginWriteOutcome,
  OwnershipTransfer,
  ReplayGuard,
  SessionStore,
  StateKeyProvider,
  TenantStore,
  UniversalLogoutTelemetry,
  UserDirectory,
  UserSessions,
} from '../../shared/ports.ts';
import type { Session } from '../../shared/sessions.ts';
import type { TenantConfig } from '../../shared/tenants.ts';
import type { User } from '../../shared/users.ts';

/** The maps both stores share, as the DynamoDB adapters share one table. */
class InMemoryTable {
  readonly tenants = new Map<string, TenantConfig>();
  readonly users = new Map<string, User>();
  readonly owners = new Map<string, string>();
  readonly sessions = new Map<string, Session>();
  readonly usedStates = new Set<string>();
  readonly usedTokenIds = new Set<string>();
  readonly auditEvents: AuditEvent[] = [];
  readonly tenantSessionsNotBefore = new Map<string, number>();
  readonly clientSecrets = new Map<string, string>();
}

export class InMemoryTenantStore implements TenantStore {
  reads = 0;

  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  /** The tenants themselves, for tests that arrange or inspect them directly. */
  get tenants() {
    return this.table.tenants;
  }

  async getTenant(tenantId: string) {
    this.reads++;
    return this.table.tenants.get(tenantId);
  }
  async putTenant(config: TenantConfig) {
    this.table.tenants.set(config.tenantId, config);
  }
  async deleteTenant(tenantId: string) {
    return this.table.tenants.delete(tenantId);
  }
  async listTenants() {
    return [...this.table.tenants.values()].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }
  async hasTenantData(tenantId: string) {
    const { tenants, owners, users, clientSecrets } = this.table;
    const hasUsers = [...users.keys()].some((key) => key.startsWith(`${tenantId}/`));
    return tenants.has(tenantId) || owners.has(tenantId) || clientSecrets.has(tenantId) || hasUsers;
  }
  async purgeTenantData(tenantId: string): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    const count = (kind: string) => {
      removed[kind] = (removed[kind] ?? 0) + 1;
    };
    if (this.table.tenants.delete(tenantId)) count('tenant');
    if (this.table.owners.delete(tenantId)) count('owner');
    if (this.table.clientSecrets.delete(tenantId)) count('client_secret');
    for (const key of [...this.table.users.keys()]) {
      if (key.startsWith(`${tenantId}/`) && this.table.users.delete(key)) count('user');
    }
    return removed;
  }
}

export class InMemoryClientSecretStore implements ClientSecretStore {
  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  get secrets() {
    return this.table.clientSecrets;
  }
  async getClientSecret(tenantId: string) {
    return this.table.clientSecrets.get(tenantId);
  }
  async putClientSecret(tenantId: string, secret: string) {
    this.table.clientSecrets.set(tenantId, secret);
  }
  async deleteClientSecret(tenantId: string) {
    this.table.clientSecrets.delete(tenantId);
  }
}

/** Used token ids; shares the table so tests can look at what a call wrote. */
export class InMemoryReplayGuard implements ReplayGuard {
  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async firstUse(id: string) {
    if (this.table.usedTokenIds.has(id)) return false;
    this.table.usedTokenIds.add(id);
    return true;
  }
}

export class FixedStateKey implements StateKeyProvider {
  constructor(readonly key: Uint8Array = new Uint8Array(32).fill(7)) {}
  async getStateKey() {
    return this.key;
  }
}

/**
 * Users, sessions, used states and the audit trail behind the four ports the
 * DynamoDB adapters implement separately. Given a tenant store, it checks the
 * tenant (and its generation) as the login transaction does.
 */
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

  async recordLogin(
    record: LoginRecord,
    mode: LoginWriteMode,
    previousRoles: readonly string[] | undefined,
    auditEvents: readonly AuditEvent[],
  ): Promise<LoginWriteOutcome> {
    this.writes++;
    await Promise.resolve(); // let racing callers interleave between transactions, as in DynamoDB
    const key = `${record.tenantId}/${record.userId}`;
    const existing = this.table.users.get(key);
    if (mode === 'returning') {
      if (!existing) return { kind: 'user_missing' };
      if (existing.disabled) return { kind: 'user_disabled' };
      if (!sameRoles(existing.roles, previousRoles ?? record.profile.roles)) {
        return { kind: 'roles_changed', previousRoles: existing.roles };
      }
      this.table.users.set(key, { ...existing, ...record.profile, lastLoginAt: record.now });
      this.#commit(record, auditEvents);
      return { kind: 'written', role: undefined };
    }
    if (existing) return { kind: 'user_exists' };
    if (mode === 'owner' && this.table.owners.has(record.tenantId)) return { kind: 'owner_taken' };
    if (!this.#isTenant(record)) return { kind: 'tenant_gone' };
    if (mode === 'owner') {
      this.table.owners.set(record.tenantId, record.userId);
      const tenant = this.table.tenants.get(record.tenantId);
      if (tenant) this.table.tenants.set(record.tenantId, { ...tenant, hasOwner: true });
    }
    this.table.users.set(key, newUser(record, mode));
    this.#commit(record, auditEvents);
    return { kind: 'written', role: mode };
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
        ? { sessionsNotBefore: this.table.tenantSessionsNotBefore.get(tenantId), generation: tenant?.generation }
        : undefined,
    };
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

  async revokeUserSessions(tenantId: string, userId: string, notBefore: number) {
    return this.#updateUser(tenantId, userId, { sessionsNotBefore: notBefore });
  }

  async revokeTenantSessions(tenantId: string, notBefore: number) {
    if (this.#checksTenants && !this.table.tenants.has(tenantId)) return false;
    this.table.tenantSessionsNotBefore.set(tenantId, notBefore);
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

  async setUserDisabled(tenantId: string, userId: string, disabled: boolean, endSessionsBefore?: number) {
    const user = this.table.users.get(`${tenantId}/${userId}`);
    return this.#updateUser(tenantId, userId, {
      disabled,
      sessionsNotBefore: endSessionsBefore ?? user?.sessionsNotBefore,
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

function newUser(record: LoginRecord, role: 'owner' | 'member'): User {
  return {
    tenantId: record.tenantId,
    userId: record.userId,
    issuer: record.issuer,
    sub: record.sub,
    ...record.profile,
    role,
    disabled: false,
    createdAt: record.now,
    lastLoginAt: record.now,
    sessionsNotBefore: undefined,
  };
}

export class RecordingUniversalLogoutTelemetry implements UniversalLogoutTelemetry {
  readonly outcomes: string[] = [];
  answered(outcome: string) {
    this.outcomes.push(outcome);
  }
}

export class RecordingTelemetry implements LoginTelemetry {
  readonly successes: Array<{ tenantId: string; firstLogin: boolean }> = [];
  readonly failures: string[] = [];
  loginSucceeded(tenantId: string, firstLogin: boolean) {
    this.successes.push({ tenantId, firstLogin });
  }
  loginFailed(reason: string) {
    this.failures.push(reason);
  }
}
