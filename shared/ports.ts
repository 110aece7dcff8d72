import type { AuditEvent } from './audit.ts';
import type { PlannedItem } from './conditional-write.ts';
import type { KeySet, PublicKeySet } from './session-token/keys.ts';
import type { Session } from './sessions.ts';
import type { SetupFormUse } from './setup/form-nonce.ts';
import type { SetupLink, SetupTestResult } from './setup/link.ts';
import type { TenantConfig } from './tenants.ts';
import type { ScimProfile, User, UserProfile } from './users.ts';

/**
 * Ports: what the domain needs from the outside world. Adapters in
 * `shared/adapters/` implement them for DynamoDB and Secrets Manager;
 * `test/support` has in-memory versions for domain tests.
 */
/**
 * What a tenant config write did. `conflict`: the config changed since it was
 * read (another write bumped its version), or a tenant being created exists
 * by now: read again and re-apply the change. `not_found`: the tenant that
 * was read is gone (deleted, or deleted and created again under another
 * generation). Nothing is written unless `written`.
 */
export type TenantWriteOutcome = 'written' | 'conflict' | 'not_found';

/** A tenant's config, read: all most functions need (the tenant directory, the authorizer). */
export interface TenantReader {
  getTenant(tenantId: string): Promise<TenantConfig | undefined>;
}

export interface TenantStore extends TenantReader {
  /**
   * A config write, conditional on what was read: `config.configVersion`
   * absent creates the tenant (only if it has no config); otherwise the stored
   * config of the same generation at that version is updated and its version
   * bumped. Sets or removes only the config's own settings and bookkeeping,
   * never what other writers keep on the item (`hasOwner`, `scimGroups`,
   * revocation epochs), and never re-creates a deleted tenant.
   */
  putTenant(config: TenantConfig): Promise<TenantWriteOutcome>;
  /** Deletes the tenant's config (the tenant is gone from then on); false when there was no such tenant. */
  deleteTenant(tenantId: string): Promise<boolean>;
  listTenants(): Promise<TenantConfig[]>;
  /** Whether anything is stored under the tenant id (config, users, owner, leftovers of an unfinished delete). */
  hasTenantData(tenantId: string): Promise<boolean>;
  /** Removes everything stored under the tenant id, in pages; counts what it removed by item type. */
  purgeTenantData(tenantId: string): Promise<Record<string, number>>;
}

export interface ClientSecretStore {
  /** `fresh`: skip the cache (a setup-link test sign-in must use the secret just saved). */
  getClientSecret(tenantId: string, options?: { readonly fresh?: boolean }): Promise<string | undefined>;
  /**
   * Whether a secret is stored, without reading it: what the tenant CLI shows
   * (`hasClientSecret`), so an operator who may look at tenants need not be
   * allowed to read their secrets (Secrets Manager: `DescribeSecret` only).
   */
  hasClientSecret(tenantId: string): Promise<boolean>;
  putClientSecret(tenantId: string, secret: string): Promise<void>;
  deleteClientSecret(tenantId: string): Promise<void>;
}

/**
 * The session-token signing keys, private parts included (AWS: a Secrets
 * Manager secret plus the public table item; local stack: the table only).
 * Only the token function and the rotation read it.
 */
export interface SigningKeyStore {
  /** `fresh`: skip the cache (the rotation and the CLI read what is stored now). */
  getKeySet(options?: { readonly fresh?: boolean }): Promise<KeySet | undefined>;
  /**
   * Writes the private set and its public half (`publicKeySet`) together,
   * conditional on the stored version being `expectedVersion` (undefined: no
   * set stored yet). `conflict`: another write came first, nothing written
   * by this call; read again and re-apply.
   */
  putKeySet(set: KeySet, expectedVersion: number | undefined): Promise<'written' | 'conflict'>;
}

/** The public signing keys (the table item `SIGNING_KEYS` / `PUBLIC`), read consistently on every call. */
export interface PublicKeyStore {
  getPublicKeys(): Promise<PublicKeySet | undefined>;
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
  /**
   * Where roles come from: `claim` (the ID token's groups, written at every
   * login), `scim` (the tenant has SCIM groups: the login leaves the user's
   * groups and roles alone; a new user starts with none, i.e. the default roles).
   */
  readonly rolesFrom: 'claim' | 'scim';
}

/** The conditional items of a login's transaction, by what each is for. */
export type LoginItemName = 'user' | 'link' | 'owner' | 'tenant' | 'userName';

/** Where a login item is stored: a user key (a user, a login's link, a tombstone), the tenant's owner, config, a userName. */
export type LoginItemKey =
  | { readonly kind: 'user'; readonly tenantId: string; readonly userId: string }
  | { readonly kind: 'owner'; readonly tenantId: string }
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'userName'; readonly tenantId: string; readonly userName: string };

/**
 * One login's transaction as the domain decided it (`shared/login-write.ts`):
 * its conditional items, in the order a refusal is explained (the first
 * refused item's first failing guard says what the login met), then the
 * session, the browser's previous session ended, and the audit events.
 */
export interface LoginWritePlan {
  readonly items: readonly PlannedItem<LoginItemName, LoginItemKey, LoginRefusal>[];
  /** Put where no session is (its key is a fresh random token's hash). */
  readonly session: Session;
  /** The session this browser held before, deleted in the same transaction. */
  readonly endsSession: string | undefined;
  readonly audit: readonly AuditEvent[];
}

/** What a login's guards say it met instead of being written (`LoginWriteOutcome` but `written`). */
export type LoginRefusal = Exclude<LoginWriteOutcome, { readonly kind: 'written' }>;

export type LoginWriteOutcome =
  | { readonly kind: 'written' }
  | { readonly kind: 'user_missing' }
  | { readonly kind: 'user_exists' }
  | { readonly kind: 'owner_taken' }
  /** `deactivated`: SCIM (Okta) deactivated the user (and no administrator disabled them). */
  | { readonly kind: 'user_disabled'; readonly deactivated: boolean }
  /** SCIM deleted the user this login's id names (a tombstone): refused unless SCIM created them again. */
  | { readonly kind: 'user_deleted' }
  /** The login's derived id points at a user SCIM created (linked at an earlier first sign-in). */
  | { readonly kind: 'linked'; readonly userId: string }
  /** The userName (`preferred_username`) is held by `userId`: link to it when SCIM created it without a sub. */
  | { readonly kind: 'username_taken'; readonly userId: string }
  /** The user cannot be linked (it has another sub already, or is gone): write the login without the userName. */
  | { readonly kind: 'not_linkable' }
  /** Roles of this tenant come from SCIM groups now (the login's tenant config was older). */
  | { readonly kind: 'roles_from_scim' }
  /** The tenant has SCIM groups but this user has none recorded yet: give them the default roles once. */
  | { readonly kind: 'scim_groups_missing' }
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
    | { readonly sessionsNotBeforeMs: number | undefined; readonly generation: string | undefined }
    | undefined;
}

/** What a login writes: its state used up once, then user, session and audit events in one transaction. */
export interface LoginStore extends UserLookup {
  /**
   * Marks a login state as used; false when it was used before. Written before
   * the code exchange so a state works exactly once.
   */
  consumeLoginState(stateId: string, expiresAt: number): Promise<boolean>;
  /** Whether a login state was used already (read only where a callback has lost its cookie). */
  wasLoginStateUsed(stateId: string): Promise<boolean>;
  /**
   * Writes the plan atomically: every item if all their guards hold, else
   * nothing. `written`; `conflict` when another transaction touched the same
   * items at that moment; otherwise what the plan's guards say of the first
   * refused item (`explainRefusal`). The store decides none of it.
   */
  recordLogin(plan: LoginWritePlan): Promise<LoginWriteOutcome>;
}

/** A user's unexpired sessions, with the user and the tenant's session policy, read together. */
export interface UserSessions {
  readonly sessions: readonly Session[];
  readonly user: User | undefined;
  /** Undefined when the tenant no longer exists. */
  readonly tenant: SessionContext['tenant'];
}

/** A session's context and the public signing keys as stored now, read together (`GET /session/token`). */
export interface SessionContextWithKeys extends SessionContext {
  /** Undefined when no key set is stored. */
  readonly publicKeys: PublicKeySet | undefined;
}

/** Sessions as requests see them: read with their user and tenant, touched, ended. */
export interface SessionStore {
  /** Reads a session, its user and its tenant's session policy in one request. */
  getSessionContext(tokenHash: string, tenantId: string, userId: string): Promise<SessionContext>;
  /**
   * The same, plus the public signing keys, still in one request: the token
   * function signs only with a key published now (an emergency removal
   * applies from the next request, whatever its private-key cache holds).
   */
  getSessionContextWithKeys(tokenHash: string, tenantId: string, userId: string): Promise<SessionContextWithKeys>;
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

/** What a `USER#<id>` key holds: a user, a login's link to the SCIM user it signs in as, or a user SCIM deleted. */
export type UserKeyItem =
  | { readonly kind: 'user'; readonly user: User }
  | { readonly kind: 'link'; readonly userId: string }
  | { readonly kind: 'deleted'; readonly userId: string; readonly deletedAt: string | undefined };

/**
 * The keyed reads a person is resolved by (`shared/user-identity.ts` is the
 * only caller that decides what they mean). Each is one consistent GetItem.
 */
export interface UserLookup {
  readUserKey(tenantId: string, userId: string): Promise<UserKeyItem | undefined>;
  findUserIdByUserName(tenantId: string, userName: string): Promise<string | undefined>;
  findUserIdByExternalId(tenantId: string, externalId: string): Promise<string | undefined>;
}

export type OwnershipTransfer = 'transferred' | 'already_owner' | 'no_such_user' | 'conflict';

/** A tenant's users as its administrators manage them. */
export interface UserDirectory extends UserLookup {
  listUsers(tenantId: string): Promise<User[]>;
  /** The user item at exactly this id (no link followed); people are resolved by `user-identity.ts`. */
  getUser(tenantId: string, userId: string): Promise<User | undefined>;
  /**
   * An administrator's `disable-user` (true) or `enable-user` (false) of a
   * user; false if no such user. Okta's SCIM deactivation is a separate flag
   * this never touches. `endSessionsBefore` (epoch milliseconds) ends the
   * user's sessions created before it in the same write, moving the epoch
   * only forward: disabling passes it, so re-enabling later does not revive
   * them. Never refused for contention.
   */
  setAdminDisabled(tenantId: string, userId: string, disabled: boolean, endSessionsBefore?: number): Promise<boolean>;
  /**
   * Ends every session of a user created before `notBeforeMs` (epoch
   * milliseconds); the epoch only moves forward (a later one stays). False if
   * no such user.
   */
  revokeUserSessions(tenantId: string, userId: string, notBeforeMs: number): Promise<boolean>;
  /** Ends every session of a tenant created before `notBeforeMs`, moving the epoch only forward. False if no such tenant. */
  revokeTenantSessions(tenantId: string, notBeforeMs: number): Promise<boolean>;
  /**
   * Makes `userId` the tenant's one owner and the previous owner a member, in
   * one transaction guarded by the OWNER item, so there is never zero or two;
   * `conflict` when another transfer got there first.
   */
  transferOwnership(tenantId: string, userId: string): Promise<OwnershipTransfer>;
}

/** The tenant and its SCIM token hash, read together for every SCIM request. */
export interface ScimContext {
  readonly tenant: TenantConfig | undefined;
  /** SHA-256 of the tenant's current SCIM bearer token (base64url), if one was issued. */
  readonly tokenHash: string | undefined;
}

/** A SCIM group (RFC 7643 §4.2) as stored; members are separate items. */
export interface ScimGroup {
  readonly tenantId: string;
  readonly groupId: string;
  readonly displayName: string;
  readonly externalId: string | undefined;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** A page of a listing and how many there are in all. */
export interface ScimPage<T> {
  readonly items: T[];
  readonly total: number;
}

/** A bounded read of a group's members (`ScimGroupDirectory.listMembers`). */
export interface ScimMembers {
  readonly userIds: string[];
  /** The group has members beyond `userIds`: the read stopped at its limit. */
  readonly more: boolean;
}

/**
 * A user as SCIM writes it: the SCIM attributes, whether Okta has the user
 * active, and what changes with its groups. The keyed attributes (userName,
 * externalId) the user holds before and after say which uniqueness items
 * move. SCIM's emails stay SCIM attributes: the email the app sees comes
 * only from ID tokens that passed the tenant's policy.
 */
export interface ScimUserWrite {
  readonly tenantId: string;
  readonly userId: string;
  /** Undefined: create the user (fails if a user holds the id; a deleted user's tombstone is taken over). */
  readonly expectedVersion: number | undefined;
  /** For a new user: `issuer`/`sub` when Okta gave an externalId (= the ID token's `sub`). */
  readonly identity?: { readonly issuer: string; readonly sub: string } | undefined;
  /** The tenant's generation, checked when a user is created (no user in a deleted tenant). */
  readonly tenantGeneration: string | undefined;
  /** SCIM's attributes as stored (what Okta reads back). */
  readonly profile: ScimProfile;
  /** The userName key the user holds after the write (undefined: none) and before it. */
  readonly userName: string | undefined;
  readonly previousUserName: string | undefined;
  /** The externalId key the user holds after the write and before it. */
  readonly externalId: string | undefined;
  readonly previousExternalId: string | undefined;
  /** What the user shows as name until a login refreshes it from the ID token. */
  readonly name: string | undefined;
  /** Okta's `active: false`: refused at login with the "deactivated" page. Never the administrator's flag. */
  readonly deactivated: boolean;
  /**
   * The administrator's flag as read, written only where the item has none
   * yet (an item of the previous version: the migration rule of
   * `adminDisabledFromItem`); an administrator's concurrent write wins.
   */
  readonly adminDisabledAsRead: boolean;
  /**
   * Set when this write ends sessions (deactivation): the revocation epoch
   * (ms), written only when later than `epochAsRead` and conditional on it,
   * so an epoch only moves forward.
   */
  readonly endSessionsBefore: number | undefined;
  readonly epochAsRead: number | undefined;
  /** Set when the tenant's roles come from SCIM groups and a new user starts with none. */
  readonly roles?: { readonly groups: readonly string[]; readonly roles: readonly string[] } | undefined;
  readonly now: string;
  readonly audit: readonly AuditEvent[];
}

export type ScimUserWriteOutcome =
  | 'written'
  | 'user_name_taken'
  | 'external_id_taken'
  /** Create: the id exists already. Update: the user changed since it was read (or is gone). */
  | 'conflict'
  | 'tenant_gone';

/**
 * SCIM `DELETE /Users/{id}` (RFC 7644 §3.6): the user becomes a tombstone —
 * at its id and at a login's link to it — that keeps the revocation epoch
 * (so no session from before the delete works again, whoever is created at
 * that id later) and nothing else; its userName and externalId are
 * released and its memberships removed. Conditional on the version and the
 * epoch read.
 */
export interface ScimUserDelete {
  readonly tenantId: string;
  readonly userId: string;
  readonly expectedVersion: number;
  readonly issuer: string | undefined;
  readonly sub: string | undefined;
  /** The login's derived id that links to this user, when it is not the user's own id. */
  readonly linkedFrom: string | undefined;
  readonly userName: string | undefined;
  readonly externalId: string | undefined;
  readonly groupIds: readonly string[];
  /** Kept on the tombstone: the tenant's owner stays its owner if SCIM creates them again at this id. */
  readonly role: 'owner' | 'member';
  readonly endSessionsBefore: number;
  readonly epochAsRead: number | undefined;
  readonly now: string;
  readonly audit: readonly AuditEvent[];
}

/** The groups, names and roles a user gets from SCIM groups, written with the version read. */
export interface ScimMembershipWrite {
  readonly userId: string;
  readonly expectedVersion: number;
  readonly scimGroups: Readonly<Record<string, string>>;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
}

/** A change to a group: its own item, its name, memberships, and the members' recomputed roles. */
export interface ScimGroupWrite {
  readonly tenantId: string;
  readonly tenantGeneration: string | undefined;
  readonly group: ScimGroup;
  /** Undefined: create the group. */
  readonly expectedVersion: number | undefined;
  readonly deleted: boolean;
  readonly previousDisplayName: string | undefined;
  readonly addMembers: readonly string[];
  readonly removeMembers: readonly string[];
  readonly users: readonly ScimMembershipWrite[];
  /** The tenant's first SCIM group: from now on roles come from SCIM groups. */
  readonly enablesScimGroups: boolean;
  readonly audit: readonly AuditEvent[];
}

export type ScimGroupWriteOutcome = 'written' | 'name_taken' | 'conflict' | 'tenant_gone';

/**
 * The tenant's SCIM bearer token: its hash, stored by whoever issues the
 * token (the tenant CLI, the setup link) and read with the tenant for every
 * SCIM request.
 */
export interface ScimTokenStore {
  getScimContext(tenantId: string): Promise<ScimContext>;
  /** Stores (replacing any previous one) the hash of the tenant's SCIM token. */
  putScimTokenHash(tenantId: string, tokenHash: string, now: string): Promise<void>;
}

/**
 * SCIM's Users: read, listed, written and deleted as Okta provisions them.
 * Every lookup is a keyed read or a query of the tenant's partition: never a scan.
 */
export interface ScimUserDirectory extends UserLookup {
  getUsers(tenantId: string, userIds: readonly string[]): Promise<User[]>;
  /** Users in a stable order, `offset` skipped, at most `limit`, with the total. */
  listUsers(tenantId: string, offset: number, limit: number): Promise<ScimPage<User>>;
  writeUser(write: ScimUserWrite): Promise<ScimUserWriteOutcome>;
  /** `conflict`: the user changed since it was read (retry from a fresh read). */
  deleteUser(write: ScimUserDelete): Promise<'deleted' | 'conflict'>;
}

/**
 * SCIM's Groups: the groups, their members, and the roles the members get
 * from them. Every lookup is a keyed read or a query of the tenant's
 * partition: never a scan.
 */
export interface ScimGroupDirectory {
  getGroup(tenantId: string, groupId: string): Promise<ScimGroup | undefined>;
  findGroupIdByName(tenantId: string, displayName: string): Promise<string | undefined>;
  listGroups(tenantId: string, offset: number, limit: number): Promise<ScimPage<ScimGroup>>;
  /**
   * At most `limit` of the group's members, in user-id order, and whether it
   * has more: reads at most `limit + 1` member items however large the group,
   * so a caller's bound on members is also its bound on what is read.
   */
  listMembers(tenantId: string, groupId: string, limit: number): Promise<ScimMembers>;
  writeGroup(write: ScimGroupWrite): Promise<ScimGroupWriteOutcome>;
  /** Every user of the tenant with no SCIM groups recorded: they get none (the default roles) when SCIM groups start. */
  startScimGroups(tenantId: string, defaults: { groups: readonly string[]; roles: readonly string[] }): Promise<number>;
}

/** What the SCIM endpoint reads and writes: its token, Users and Groups. */
export type ScimDirectory = ScimTokenStore & ScimUserDirectory & ScimGroupDirectory;

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

/**
 * A tenant's setup link and what its pages keep, all in the tenant's own
 * partition so `tenant delete` removes it: the link (its token's hash only),
 * the attempt counter that rate-limits its checks, and the last test sign-in.
 */
export interface SetupStore {
  /** Stores the tenant's one link, replacing the previous one (re-issuing ends the old link). */
  putSetupLink(link: SetupLink): Promise<void>;
  getSetupLink(tenantId: string): Promise<SetupLink | undefined>;
  /** Ends the link at once; false when there was none. */
  deleteSetupLink(tenantId: string): Promise<boolean>;
  /**
   * Counts one attempt in the fixed window starting at `windowStart` (epoch
   * seconds, kept until `windowEnd`) and says whether it is within `limit`.
   */
  countSetupAttempt(tenantId: string, windowStart: number, windowEnd: number, limit: number): Promise<boolean>;
  putSetupTestResult(result: SetupTestResult): Promise<void>;
  getSetupTestResult(tenantId: string): Promise<SetupTestResult | undefined>;
  /**
   * Marks a setup form's one-time nonce used, only if it was not (a
   * conditional write: of racing requests with one nonce, exactly one gets
   * `undefined`); otherwise returns its first use and writes nothing.
   */
  useSetupForm(use: SetupFormUse): Promise<SetupFormUse | undefined>;
  /** Records that the action of a used form finished; does nothing if the use is gone (tenant deleted). */
  finishSetupForm(tenantId: string, nonce: string, finishedAt: string): Promise<void>;
}
