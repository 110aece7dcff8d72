import type { AuditEvent } from './audit.ts';
import type { Session } from './sessions.ts';
import type { TenantConfig } from './tenants.ts';
import type { Role, User, UserProfile } from './users.ts';

/**
 * Ports: what the domain needs from the outside world. Adapters in
 * `shared/adapters/` implement them for DynamoDB and Secrets Manager;
 * `test/support` has in-memory versions for domain tests.
 */
export interface TenantStore {
  getTenant(tenantId: string): Promise<TenantConfig | undefined>;
  putTenant(config: TenantConfig): Promise<void>;
  /** Deletes the tenant's config (the tenant is gone from then on); false when there was no such tenant. */
  deleteTenant(tenantId: string): Promise<boolean>;
  listTenants(): Promise<TenantConfig[]>;
  /** Whether anything is stored under the tenant id (config, users, owner, leftovers of an unfinished delete). */
  hasTenantData(tenantId: string): Promise<boolean>;
  /** Removes everything stored under the tenant id, in pages; counts what it removed by item type. */
  purgeTenantData(tenantId: string): Promise<Record<string, number>>;
}

export interface ClientSecretStore {
  getClientSecret(tenantId: string): Promise<string | undefined>;
  putClientSecret(tenantId: string, secret: string): Promise<void>;
  deleteClientSecret(tenantId: string): Promise<void>;
}

/** The symmetric key that seals login-state cookies (32 bytes). */
export interface StateKeyProvider {
  getStateKey(): Promise<Uint8Array>;
}

/** Everything a successful callback writes, in one go. */
export interface LoginRecord {
  readonly tenantId: string;
  readonly userId: string;
  readonly issuer: string;
  readonly sub: string;
  readonly profile: UserProfile;
  readonly session: Session;
  /** The session this browser held before, ended by this login (rotation: no fixation, no leftovers). */
  readonly replacesSessionHash?: string | undefined;
  /** ISO time of this login. */
  readonly now: string;
}

/**
 * How a login is written:
 * - `returning`: refresh an existing, enabled user's profile and add the session;
 * - `owner`: create the user as the tenant's one owner (fails if there is one);
 * - `member`: create the user as a member.
 */
export type LoginWriteMode = 'returning' | 'owner' | 'member';

export type LoginWriteOutcome =
  | { readonly kind: 'written'; readonly role: Role | undefined }
  | { readonly kind: 'user_missing' }
  | { readonly kind: 'user_exists' }
  | { readonly kind: 'owner_taken' }
  | { readonly kind: 'user_disabled' }
  /** The user's roles differ from the ones computed now; retry accepting the change (it gets audited). */
  | { readonly kind: 'roles_changed'; readonly previousRoles: readonly string[] }
  /** Another transaction touched the same items at the same moment; try the same write again. */
  | { readonly kind: 'conflict' }
  /** The tenant was deleted (or re-created) since this login began. */
  | { readonly kind: 'tenant_gone' };

export interface SessionContext {
  readonly session: Session | undefined;
  readonly user: User | undefined;
  /** Undefined when the tenant no longer exists. */
  readonly tenant:
    | { readonly sessionsNotBefore: number | undefined; readonly generation: string | undefined }
    | undefined;
}

/** What a login writes: its state used up once, then user, session and audit events in one transaction. */
export interface LoginStore {
  /**
   * Marks a login state as used; false when it was used before. Written before
   * the code exchange so a state works exactly once.
   */
  consumeLoginState(stateId: string, expiresAt: number): Promise<boolean>;
  /** Whether a login state was used already (read only where a callback has lost its cookie). */
  wasLoginStateUsed(stateId: string): Promise<boolean>;
  /**
   * Writes user, session and `auditEvents` atomically according to `mode`. A
   * returning login fails with `roles_changed` unless `previousRoles` says
   * which change is being accepted.
   */
  recordLogin(
    record: LoginRecord,
    mode: LoginWriteMode,
    previousRoles: readonly string[] | undefined,
    auditEvents: readonly AuditEvent[],
  ): Promise<LoginWriteOutcome>;
}

/** A user's unexpired sessions, with the user and the tenant's session policy, read together. */
export interface UserSessions {
  readonly sessions: readonly Session[];
  readonly user: User | undefined;
  /** Undefined when the tenant no longer exists. */
  readonly tenant: SessionContext['tenant'];
}

/** Sessions as requests see them: read with their user and tenant, touched, ended. */
export interface SessionStore {
  /** Reads a session, its user and its tenant's session policy in one request. */
  getSessionContext(tokenHash: string, tenantId: string, userId: string): Promise<SessionContext>;
  /**
   * A user's sessions that expire after `now` (epoch seconds), with the user
   * and the tenant, so each can be judged by the same rules as a request's.
   * Found through an eventually consistent index: a session written in the
   * last moment may be missing. For counting, never for deciding access.
   */
  listUserSessions(tenantId: string, userId: string, now: number): Promise<UserSessions>;
  /** Records use of a session (idle timeout); a no-op if it is gone. */
  touchSession(tokenHash: string, lastSeenAt: number): Promise<void>;
  /** Deletes a session and says whose it was. */
  deleteSession(tokenHash: string): Promise<{ tenantId: string; userId: string } | undefined>;
}

export type OwnershipTransfer = 'transferred' | 'already_owner' | 'no_such_user' | 'conflict';

/** A tenant's users as its administrators manage them. */
export interface UserDirectory {
  listUsers(tenantId: string): Promise<User[]>;
  getUser(tenantId: string, userId: string): Promise<User | undefined>;
  /**
   * Disables or enables a user; false if no such user. `endSessionsBefore`
   * (epoch seconds) ends the user's sessions created before it in the same
   * write: disabling passes it, so re-enabling later does not revive them.
   */
  setUserDisabled(tenantId: string, userId: string, disabled: boolean, endSessionsBefore?: number): Promise<boolean>;
  /** Ends every session of a user created before `notBefore` (epoch seconds). False if no such user. */
  revokeUserSessions(tenantId: string, userId: string, notBefore: number): Promise<boolean>;
  /** Ends every session of a tenant created before `notBefore`. False if no such tenant. */
  revokeTenantSessions(tenantId: string, notBefore: number): Promise<boolean>;
  /**
   * Makes `userId` the tenant's one owner and the previous owner a member, in
   * one transaction guarded by the OWNER item, so there is never zero or two;
   * `conflict` when another transfer got there first.
   */
  transferOwnership(tenantId: string, userId: string): Promise<OwnershipTransfer>;
}

/** Ids of one-time credentials (a JWT's `jti`) already used. */
export interface ReplayGuard {
  /**
   * Records `id` as used, kept at least until `expiresAt` (epoch seconds);
   * false when it was recorded before. One conditional write: two racing
   * uses of the same id cannot both get true.
   */
  firstUse(id: string, expiresAt: number): Promise<boolean>;
}

/** The tenant's audit trail. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  /** Events of a tenant, oldest first, at or after `since` (ISO). */
  list(tenantId: string, since?: string): Promise<AuditEvent[]>;
}

/** Universal Logout outcomes (Powertools Metrics in AWS, a no-op or a spy locally); a small fixed set. */
export interface UniversalLogoutTelemetry {
  answered(outcome: string): void;
}

/** Login outcome counters (Powertools Metrics in AWS, a no-op or a spy locally). */
export interface LoginTelemetry {
  loginSucceeded(tenantId: string, firstLogin: boolean): void;
  loginFailed(reason: string): void;
}
