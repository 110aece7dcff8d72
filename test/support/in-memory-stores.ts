/**
 * In-memory implementations of the domain's ports, for unit tests of the
 * domain. Writes that DynamoDB does in one transaction happen here within one
 * synchronous block, which is just as atomic on Node's single thread.
 */
import type { AuditEvent } from '../../shared/audit.ts';
import type {
  AuditLog,
  ClientSecretStore,
  IdentityStore,
  LoginRecord,
  LoginTelemetry,
  LoginWriteMode,
  LoginWriteOutcome,
  StateKeyProvider,
  TenantStore,
} from '../../shared/ports.ts';
import type { Session } from '../../shared/sessions.ts';
import type { TenantConfig } from '../../shared/tenants.ts';
import type { User } from '../../shared/users.ts';

export class InMemoryTenantStore implements TenantStore {
  readonly tenants = new Map<string, TenantConfig>();
  reads = 0;

  async getTenant(tenantId: string) {
    this.reads++;
    return this.tenants.get(tenantId);
  }
  async putTenant(config: TenantConfig) {
    this.tenants.set(config.tenantId, config);
  }
  async deleteTenant(tenantId: string) {
    return this.tenants.delete(tenantId);
  }
  async listTenants() {
    return [...this.tenants.values()];
  }
  async hasTenantData(tenantId: string) {
    return this.tenants.has(tenantId);
  }
  async purgeTenantData(tenantId: string): Promise<Record<string, number>> {
    return this.tenants.delete(tenantId) ? { tenant: 1 } : {};
  }
}

export class InMemoryClientSecretStore implements ClientSecretStore {
  readonly secrets = new Map<string, string>();
  async getClientSecret(tenantId: string) {
    return this.secrets.get(tenantId);
  }
  async putClientSecret(tenantId: string, secret: string) {
    this.secrets.set(tenantId, secret);
  }
  async deleteClientSecret(tenantId: string) {
    this.secrets.delete(tenantId);
  }
}

export class FixedStateKey implements StateKeyProvider {
  constructor(readonly key: Uint8Array = new Uint8Array(32).fill(7)) {}
  async getStateKey() {
    return this.key;
  }
}

export class InMemoryIdentityStore implements IdentityStore, AuditLog {
  readonly users = new Map<string, User>();
  readonly sessions = new Map<string, Session>();
  readonly usedStates = new Set<string>();
  readonly owners = new Map<string, string>();
  /** Tenants that exist (the owner write also marks the tenant config). */
  readonly tenants: InMemoryTenantStore | undefined;
  writes = 0;

  constructor(tenants?: InMemoryTenantStore) {
    this.tenants = tenants;
  }

  async consumeLoginState(stateId: string) {
    this.writes++;
    if (this.usedStates.has(stateId)) return false;
    this.usedStates.add(stateId);
    return true;
  }

  readonly auditEvents: AuditEvent[] = [];

  async recordLogin(
    record: LoginRecord,
    mode: LoginWriteMode,
    previousRoles: readonly string[] | undefined,
    auditEvents: readonly AuditEvent[],
  ): Promise<LoginWriteOutcome> {
    this.writes++;
    await Promise.resolve(); // let racing callers interleave between transactions, as in DynamoDB
    const key = `${record.tenantId}/${record.userId}`;
    const existing = this.users.get(key);
    const sameRoles = (a: readonly string[], b: readonly string[]) =>
      a.length === b.length && a.every((r, i) => r === b[i]);
    if (mode === 'returning') {
      if (!existing) return { kind: 'user_missing' };
      if (existing.disabled) return { kind: 'user_disabled' };
      if (!sameRoles(existing.roles, previousRoles ?? record.profile.roles)) {
        return { kind: 'roles_changed', previousRoles: existing.roles };
      }
      this.auditEvents.push(...auditEvents);
      this.users.set(key, {
        ...existing,
        ...record.profile,
        lastLoginAt: record.now,
      });
      this.sessions.set(record.session.tokenHash, record.session);
      if (record.replacesSessionHash) this.sessions.delete(record.replacesSessionHash);
      return { kind: 'written', role: undefined };
    }
    if (mode === 'owner' && this.owners.has(record.tenantId)) {
      return existing ? { kind: 'user_exists' } : { kind: 'owner_taken' };
    }
    if (existing) return { kind: 'user_exists' };
    this.auditEvents.push(...auditEvents);
    if (mode === 'owner') {
      this.owners.set(record.tenantId, record.userId);
      const tenant = this.tenants?.tenants.get(record.tenantId);
      if (tenant) this.tenants?.tenants.set(record.tenantId, { ...tenant, hasOwner: true });
    }
    this.users.set(key, {
      tenantId: record.tenantId,
      userId: record.userId,
      issuer: record.issuer,
      sub: record.sub,
      ...record.profile,
      role: mode,
      disabled: false,
      createdAt: record.now,
      lastLoginAt: record.now,
      sessionsNotBefore: undefined,
    });
    this.sessions.set(record.session.tokenHash, record.session);
    if (record.replacesSessionHash) this.sessions.delete(record.replacesSessionHash);
    return { kind: 'written', role: mode };
  }

  readonly tenantSessionsNotBefore = new Map<string, number>();

  async getSessionContext(tokenHash: string, tenantId: string, userId: string) {
    const tenantExists = this.tenants ? this.tenants.tenants.has(tenantId) : true;
    const generation = this.tenants?.tenants.get(tenantId)?.generation;
    return {
      session: this.sessions.get(tokenHash),
      user: this.users.get(`${tenantId}/${userId}`),
      tenant: tenantExists ? { sessionsNotBefore: this.tenantSessionsNotBefore.get(tenantId), generation } : undefined,
    };
  }

  async touchSession(tokenHash: string, lastSeenAt: number) {
    const session = this.sessions.get(tokenHash);
    if (session) this.sessions.set(tokenHash, { ...session, lastSeenAt });
  }

  async revokeUserSessions(tenantId: string, userId: string, notBefore: number) {
    const user = this.users.get(`${tenantId}/${userId}`);
    if (!user) return false;
    this.users.set(`${tenantId}/${userId}`, { ...user, sessionsNotBefore: notBefore });
    return true;
  }

  async revokeTenantSessions(tenantId: string, notBefore: number) {
    this.tenantSessionsNotBefore.set(tenantId, notBefore);
    return true;
  }

  async deleteSession(tokenHash: string) {
    const session = this.sessions.get(tokenHash);
    this.sessions.delete(tokenHash);
    return session ? { tenantId: session.tenantId, userId: session.userId } : undefined;
  }

  async append(event: AuditEvent) {
    this.auditEvents.push(event);
  }

  async list(tenantId: string, since = '') {
    return this.auditEvents.filter((event) => event.tenantId === tenantId && event.at >= since);
  }

  async getUser(tenantId: string, userId: string) {
    return this.users.get(`${tenantId}/${userId}`);
  }

  async setUserDisabled(tenantId: string, userId: string, disabled: boolean, endSessionsBefore?: number) {
    const user = this.users.get(`${tenantId}/${userId}`);
    if (!user) return false;
    const sessionsNotBefore = endSessionsBefore ?? user.sessionsNotBefore;
    this.users.set(`${tenantId}/${userId}`, { ...user, disabled, sessionsNotBefore });
    return true;
  }

  async transferOwnership(tenantId: string, userId: string) {
    const user = this.users.get(`${tenantId}/${userId}`);
    if (!user) return 'no_such_user' as const;
    const previous = this.owners.get(tenantId);
    if (previous === userId) return 'already_owner' as const;
    const old = previous ? this.users.get(`${tenantId}/${previous}`) : undefined;
    if (old) this.users.set(`${tenantId}/${previous}`, { ...old, role: 'member' });
    this.users.set(`${tenantId}/${userId}`, { ...user, role: 'owner' });
    this.owners.set(tenantId, userId);
    return 'transferred' as const;
  }

  async listUsers(tenantId: string) {
    return [...this.users.values()].filter((user) => user.tenantId === tenantId);
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
