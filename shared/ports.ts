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
  /** Returns false when there was no such tenant. */
  deleteTenant(tenantId: string): Promise<boolean>;
  listTenants(): Promise<TenantConfig[]>;
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
  /** Another transaction touched the same items at the same moment; try the same write again. */
  | { readonly kind: 'conflict' };

export interface IdentityStore {
  /**
   * Marks a login state as used; false when it was used before. Written before
   * the code exchange so a state works exactly once.
   */
  consumeLoginState(stateId: string, expiresAt: number): Promise<boolean>;
  /** Writes user and session atomically according to `mode`. */
  recordLogin(record: LoginRecord, mode: LoginWriteMode): Promise<LoginWriteOutcome>;
  /** Reads a session and its user in one request. */
  getSessionAndUser(
    tokenHash: string,
    tenantId: string,
    userId: string,
  ): Promise<{ session: Session | undefined; user: User | undefined }>;
  deleteSession(tokenHash: string): Promise<void>;
  listUsers(tenantId: string): Promise<User[]>;
}

/** Login outcome counters (Powertools Metrics in AWS, a no-op or a spy locally). */
export interface LoginTelemetry {
  loginSucceeded(tenantId: string, firstLogin: boolean): void;
  loginFailed(reason: string): void;
}
