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
  LoginWriteOptions,
  LoginWriteOutcome,
  OwnershipTransfer,
  PublicKeyStore,
  ReplayGuard,
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
  SessionStore,
  SetupStore,
  SigningKeyStore,
  StateKeyProvider,
  TenantStore,
  TenantWriteOutcome,
  UniversalLogoutTelemetry,
  UserDirectory,
  UserKeyItem,
  UserSessions,
} from '../../shared/ports.ts';
import { laterEpoch } from '../../shared/session/revocation.ts';
import { type KeySet, type PublicKeySet, publicKeySet } from '../../shared/session-token/keys.ts';
import type { Session } from '../../shared/sessions.ts';
import type { SetupLink, SetupTestResult } from '../../shared/setup/link.ts';
import { TENANT_CONFIG_WRITE_FIELDS, type TenantConfig } from '../../shared/tenants.ts';
import { type User, userIdFor } from '../../shared/users.ts';

/** The maps both stores share, as the DynamoDB adapters share one table. */
class InMemoryTable {
  readonly tenants = new Map<string, TenantConfig>();
  readonly users = new Map<string, User>();
  readonly owners = new Map<string, string>();
  readonly sessions = new Map<string, Session>();
  readonly usedStates = new Set<string>();
  readonly usedTokenIds = new Set<string>();
  readonly auditEvents: AuditEvent[] = [];
  readonly tenantSessionsNotBeforeMs = new Map<string, number>();
  readonly clientSecrets = new Map<string, string>();
  readonly setupLinks = new Map<string, SetupLink>();
  readonly setupTests = new Map<string, SetupTestResult>();
  /** `<tenant>/<window start>` → attempts. */
  readonly setupAttempts = new Map<string, number>();
  /** `tenant/derivedId` → the SCIM user a login's derived id points at (DynamoDB: a `user_link` item). */
  readonly links = new Map<string, string>();
  /** `tenant/id` → a user SCIM deleted (DynamoDB: a `user_deleted` item at that key): the epoch it keeps. */
  readonly tombstones = new Map<
    string,
    { userId: string; sessionsNotBeforeMs: number | undefined; role: 'owner' | 'member' }
  >();
  /** `tenant/lower-cased userName` → user id. */
  readonly userNames = new Map<string, string>();
  readonly externalIds = new Map<string, string>();
  readonly scimTokens = new Map<string, string>();
  readonly groups = new Map<string, ScimGroup>();
  /** `tenant/lower-cased displayName` → group id. */
  readonly groupNames = new Map<string, string>();
  /** `tenant/groupId/userId`. */
  readonly members = new Set<string>();
  /** The private signing key set (DynamoDB: `SIGNING_KEYS` / `PRIVATE` locally, Secrets Manager in AWS). */
  signingKeySet: KeySet | undefined;
  /** The public signing keys (DynamoDB: the `SIGNING_KEYS` / `PUBLIC` item), read with a session by the token function. */
  publicKeys: PublicKeySet | undefined;

  /** What a `USER#<id>` key holds (`UserLookup.readUserKey`). */
  userKey(tenantId: string, userId: string): UserKeyItem | undefined {
    const key = `${tenantId}/${userId}`;
    const user = this.users.get(key);
    if (user) return { kind: 'user', user };
    const link = this.links.get(key);
    if (link) return { kind: 'link', userId: link };
    const tombstone = this.tombstones.get(key);
    return tombstone ? { kind: 'deleted', userId: tombstone.userId, deletedAt: undefined } : undefined;
  }

  /** Every key this table holds under a tenant, by the item type DynamoDB would store. */
  itemsOf(tenantId: string): Array<{ type: string; remove: () => void }> {
    const prefix = `${tenantId}/`;
    const items: Array<{ type: string; remove: () => void }> = [];
    const add = (type: string, map: Map<string, unknown> | Set<string>) => {
      for (const key of [...map.keys()])
        if (key.startsWith(prefix)) items.push({ type, remove: () => map.delete(key) });
    };
    add('user', this.users);
    add('user_link', this.links);
    add('user_deleted', this.tombstones);
    add('user_name', this.userNames);
    add('external_id', this.externalIds);
    add('scim_group', this.groups);
    add('scim_group_name', this.groupNames);
    add('scim_member', this.members);
    add('setup_attempts', this.setupAttempts);
    if (this.scimTokens.has(tenantId))
      items.push({ type: 'scim_token', remove: () => this.scimTokens.delete(tenantId) });
    if (this.setupLinks.has(tenantId))
      items.push({ type: 'setup_link', remove: () => this.setupLinks.delete(tenantId) });
    if (this.setupTests.has(tenantId))
      items.push({ type: 'setup_test', remove: () => this.setupTests.delete(tenantId) });
    return items;
  }
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
  /** The DynamoDB adapter's conditions: created only where there is none; updated only at the generation and version read. */
  async putTenant(config: TenantConfig): Promise<TenantWriteOutcome> {
    await Promise.resolve(); // let racing callers interleave between writes, as in DynamoDB
    const stored = this.table.tenants.get(config.tenantId);
    if (config.configVersion === undefined) {
      if (stored) return 'conflict';
      this.table.tenants.set(config.tenantId, { ...config, configVersion: 1 });
      return 'written';
    }
    if (!stored || stored.generation !== config.generation) return 'not_found';
    if ((stored.configVersion ?? 0) !== config.configVersion) return 'conflict';
    // Only the fields a config write owns: what other writers keep on the item (hasOwner, scimGroups) stays.
    const next: Record<string, unknown> = { ...stored, configVersion: config.configVersion + 1 };
    for (const field of TENANT_CONFIG_WRITE_FIELDS) {
      if (config[field] === undefined) delete next[field];
      else next[field] = config[field];
    }
    this.table.tenants.set(config.tenantId, next as unknown as TenantConfig);
    return 'written';
  }
  async deleteTenant(tenantId: string) {
    return this.table.tenants.delete(tenantId);
  }
  async listTenants() {
    return [...this.table.tenants.values()].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }
  async hasTenantData(tenantId: string) {
    const { tenants, owners, clientSecrets } = this.table;
    const hasItems = this.table.itemsOf(tenantId).length > 0;
    return tenants.has(tenantId) || owners.has(tenantId) || clientSecrets.has(tenantId) || hasItems;
  }
  async purgeTenantData(tenantId: string): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    const count = (kind: string) => {
      removed[kind] = (removed[kind] ?? 0) + 1;
    };
    if (this.table.tenants.delete(tenantId)) count('tenant');
    if (this.table.owners.delete(tenantId)) count('owner');
    if (this.table.clientSecrets.delete(tenantId)) count('client_secret');
    for (const item of this.table.itemsOf(tenantId)) {
      item.remove();
      count(item.type);
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

/** The signing keys, private and public, written together like the DynamoDB transaction. */
export class InMemorySigningKeyStore implements SigningKeyStore, PublicKeyStore {
  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async getKeySet(_options?: { readonly fresh?: boolean }) {
    return this.table.signingKeySet;
  }
  async putKeySet(set: KeySet, expectedVersion: number | undefined) {
    if (this.table.signingKeySet?.version !== expectedVersion) return 'conflict' as const;
    this.table.signingKeySet = set;
    this.table.publicKeys = publicKeySet(set);
    return 'written' as const;
  }
  async getPublicKeys() {
    return this.table.publicKeys;
  }
}

export class InMemorySetupStore implements SetupStore {
  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async putSetupLink(link: SetupLink) {
    this.table.setupLinks.set(link.tenantId, link);
  }
  async getSetupLink(tenantId: string) {
    return this.table.setupLinks.get(tenantId);
  }
  async deleteSetupLink(tenantId: string) {
    return this.table.setupLinks.delete(tenantId);
  }
  async countSetupAttempt(tenantId: string, windowStart: number, _windowEnd: number, limit: number) {
    const key = `${tenantId}/${windowStart}`;
    const attempts = this.table.setupAttempts.get(key) ?? 0;
    if (attempts >= limit) return false;
    this.table.setupAttempts.set(key, attempts + 1);
    return true;
  }
  async putSetupTestResult(result: SetupTestResult) {
    this.table.setupTests.set(result.tenantId, result);
  }
  async getSetupTestResult(tenantId: string) {
    return this.table.setupTests.get(tenantId);
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

/**
 * SCIM's port over the same maps: writes check what the DynamoDB transaction
 * checks (versions, uniqueness, the tenant's generation) before changing
 * anything, so a failed write changes nothing.
 */
export class InMemoryScimDirectory implements ScimDirectory {
  writes = 0;
  /** Member items a DynamoDB read of the same limits would have read. */
  membersRead = 0;

  constructor(readonly table: InMemoryTable = new InMemoryTable()) {}

  async getScimContext(tenantId: string): Promise<ScimContext> {
    return { tenant: this.table.tenants.get(tenantId), tokenHash: this.table.scimTokens.get(tenantId) };
  }

  async putScimTokenHash(tenantId: string, tokenHash: string) {
    this.table.scimTokens.set(tenantId, tokenHash);
  }

  async readUserKey(tenantId: string, userId: string): Promise<UserKeyItem | undefined> {
    return this.table.userKey(tenantId, userId);
  }

  async findUserIdByUserName(tenantId: string, userName: string) {
    return this.table.userNames.get(`${tenantId}/${userName.toLowerCase()}`);
  }

  async findUserIdByExternalId(tenantId: string, externalId: string) {
    return this.table.externalIds.get(`${tenantId}/${externalId}`);
  }

  async findGroupIdByName(tenantId: string, displayName: string) {
    return this.table.groupNames.get(`${tenantId}/${displayName.toLowerCase()}`);
  }

  async getUsers(tenantId: string, userIds: readonly string[]) {
    return [...new Set(userIds)]
      .map((id) => this.table.users.get(`${tenantId}/${id}`))
      .filter((user): user is User => user !== undefined);
  }

  async listUsers(tenantId: string, offset: number, limit: number): Promise<ScimPage<User>> {
    const all = [...this.table.users.entries()]
      .filter(([key]) => key.startsWith(`${tenantId}/`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, user]) => user);
    return { items: all.slice(offset, offset + limit), total: all.length };
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

  async writeUser(write: ScimUserWrite): Promise<ScimUserWriteOutcome> {
    this.writes++;
    await Promise.resolve();
    const t = this.table;
    const key = `${write.tenantId}/${write.userId}`;
    const existing = t.users.get(key);
    const movesUserName = write.previousUserName?.toLowerCase() !== write.userName?.toLowerCase();
    const userNameKey = write.userName ? `${write.tenantId}/${write.userName.toLowerCase()}` : undefined;
    const { externalId } = write;
    const movesExternalId = write.previousExternalId !== externalId;
    const tombstone = t.tombstones.get(key);
    if (write.expectedVersion === undefined) {
      const tenant = t.tenants.get(write.tenantId);
      if (!tenant || tenant.generation !== write.tenantGeneration) return 'tenant_gone';
      if (existing || t.links.has(key)) return 'conflict';
    } else if (!existing || existing.version !== write.expectedVersion) return 'conflict';
    // The epoch moves only from what was read (a later revocation meanwhile: read again).
    if (
      existing &&
      write.endSessionsBefore !== undefined &&
      (existing.sessionsNotBeforeMs ?? 0) > (write.epochAsRead ?? 0)
    ) {
      return 'conflict';
    }
    const holder = (map: Map<string, string>, mapKey: string) => {
      const value = map.get(mapKey);
      return value !== undefined && value !== write.userId;
    };
    if (movesUserName && userNameKey && holder(t.userNames, userNameKey)) return 'user_name_taken';
    if (movesExternalId && externalId && holder(t.externalIds, `${write.tenantId}/${externalId}`)) {
      return 'external_id_taken';
    }
    const release = (map: Map<string, string>, mapKey: string) => {
      if (map.get(mapKey) === write.userId) map.delete(mapKey);
    };
    if (movesUserName) {
      if (write.previousUserName) release(t.userNames, `${write.tenantId}/${write.previousUserName.toLowerCase()}`);
      if (userNameKey) t.userNames.set(userNameKey, write.userId);
    }
    if (movesExternalId) {
      if (write.previousExternalId) release(t.externalIds, `${write.tenantId}/${write.previousExternalId}`);
      if (externalId) t.externalIds.set(`${write.tenantId}/${externalId}`, write.userId);
    }
    const common = {
      userName: write.userName,
      scim: write.profile,
      deactivated: write.deactivated,
      updatedAt: write.now,
    };
    if (existing) {
      t.users.set(key, {
        ...existing,
        ...common,
        ...(write.name !== undefined ? { name: write.name } : {}),
        sessionsNotBeforeMs: laterEpoch(existing.sessionsNotBeforeMs, write.endSessionsBefore),
        version: existing.version + 1,
      });
    } else {
      t.tombstones.delete(key);
      t.users.set(key, {
        tenantId: write.tenantId,
        userId: write.userId,
        issuer: write.identity?.issuer ?? '',
        sub: write.identity?.sub ?? '',
        email: undefined,
        emailVerified: undefined,
        name: write.name,
        groups: write.roles?.groups ?? [],
        roles: write.roles?.roles ?? [],
        role: tombstone?.role ?? 'member',
        adminDisabled: false,
        createdAt: write.now,
        lastLoginAt: undefined,
        // A deleted user's epoch is carried forward to whoever is created at the same id.
        sessionsNotBeforeMs: laterEpoch(tombstone?.sessionsNotBeforeMs, write.endSessionsBefore),
        scimGroups: write.roles ? {} : undefined,
        ...common,
        version: 1,
      });
    }
    t.auditEvents.push(...write.audit);
    return 'written';
  }

  async deleteUser(write: ScimUserDelete): Promise<'deleted' | 'conflict'> {
    this.writes++;
    await Promise.resolve();
    const t = this.table;
    const key = `${write.tenantId}/${write.userId}`;
    const existing = t.users.get(key);
    if (!existing || existing.version !== write.expectedVersion) return 'conflict';
    if ((existing.sessionsNotBeforeMs ?? 0) > (write.epochAsRead ?? 0)) return 'conflict';
    const linkKey = write.linkedFrom ? `${write.tenantId}/${write.linkedFrom}` : undefined;
    if (linkKey && (t.users.has(linkKey) || (t.links.has(linkKey) && t.links.get(linkKey) !== write.userId))) {
      return 'conflict';
    }
    const tombstone = { userId: write.userId, sessionsNotBeforeMs: write.endSessionsBefore, role: write.role };
    t.users.delete(key);
    t.tombstones.set(key, tombstone);
    if (linkKey) {
      t.links.delete(linkKey);
      t.tombstones.set(linkKey, { ...tombstone, role: 'member' });
    }
    const release = (map: Map<string, string>, mapKey: string) => {
      if (map.get(mapKey) === write.userId) map.delete(mapKey);
    };
    if (write.userName) release(t.userNames, `${write.tenantId}/${write.userName.toLowerCase()}`);
    if (write.externalId) release(t.externalIds, `${write.tenantId}/${write.externalId}`);
    for (const groupId of write.groupIds) t.members.delete(`${write.tenantId}/${groupId}/${write.userId}`);
    t.auditEvents.push(...write.audit);
    return 'deleted';
  }

  async writeGroup(write: ScimGroupWrite): Promise<ScimGroupWriteOutcome> {
    this.writes++;
    await Promise.resolve();
    const t = this.table;
    const { tenantId, group } = write;
    const key = `${tenantId}/${group.groupId}`;
    const tenant = t.tenants.get(tenantId);
    if (!tenant || tenant.generation !== write.tenantGeneration) return 'tenant_gone';
    // Turning SCIM groups on only while they are still off as read (as the adapter's condition).
    if (write.enablesScimGroups && tenant.scimGroups) return 'conflict';
    const existing = t.groups.get(key);
    if (write.expectedVersion === undefined ? existing : existing?.version !== write.expectedVersion) return 'conflict';
    const nameKey = `${tenantId}/${group.displayName.toLowerCase()}`;
    const renamed = write.previousDisplayName?.toLowerCase() !== group.displayName.toLowerCase();
    const nameHolder = t.groupNames.get(nameKey);
    if (!write.deleted && renamed && nameHolder !== undefined && nameHolder !== group.groupId) return 'name_taken';
    for (const user of write.users) {
      const current = t.users.get(`${tenantId}/${user.userId}`);
      if (!current || current.version !== user.expectedVersion) return 'conflict';
    }
    if (write.deleted) t.groups.delete(key);
    else t.groups.set(key, group);
    if (write.previousDisplayName && (write.deleted || renamed)) {
      t.groupNames.delete(`${tenantId}/${write.previousDisplayName.toLowerCase()}`);
    }
    if (!write.deleted && renamed) t.groupNames.set(nameKey, group.groupId);
    if (write.enablesScimGroups) t.tenants.set(tenantId, { ...tenant, scimGroups: true });
    for (const userId of write.addMembers) t.members.add(`${key}/${userId}`);
    for (const userId of write.removeMembers) t.members.delete(`${key}/${userId}`);
    for (const user of write.users) {
      const current = t.users.get(`${tenantId}/${user.userId}`) as User;
      t.users.set(`${tenantId}/${user.userId}`, {
        ...current,
        scimGroups: user.scimGroups,
        groups: user.groups,
        roles: user.roles,
        version: current.version + 1,
      });
    }
    t.auditEvents.push(...write.audit);
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
}
