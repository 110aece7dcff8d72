/**
 * Tenant administration: what the platform team (the tenant CLI) does to a
 * tenant, each with its rules and in its order — the secret before the config
 * (a tenant is never live without its secret), the change before its audit
 * event, the config before the rest of a deleted tenant.
 */
import { type AuditEvent, type AuditEventType, auditEvent } from './audit.ts';
import { orgUrlOf } from './oidc/issuer-policy.ts';
import type { AuditLog, ClientSecretStore, ScimDirectory, SetupStore, TenantStore, UserDirectory } from './ports.ts';
import type { RoleMapping } from './roles.ts';
import { hashScimToken, newScimToken } from './scim/auth.ts';
import { hashSetupToken, newSetupToken } from './setup/link.ts';
import { buildTenantConfig, isTenantConnected, type TenantConfig, type TenantInput } from './tenants.ts';
import type { User } from './users.ts';

export interface TenantAdminDependencies {
  readonly tenants: TenantStore;
  readonly users: UserDirectory;
  readonly audit: AuditLog;
  readonly secrets: ClientSecretStore;
  readonly setup: SetupStore;
  readonly scim: Pick<ScimDirectory, 'putScimTokenHash'>;
  /** Who acts, for the audit trail (`admin:<name>`, or `setup-link` on the setup pages). */
  readonly actor: string;
  /** Local mode: loopback issuers allowed. */
  readonly allowLoopback: boolean;
  /** Refuses role-map regexes that are not provably fast (kept out of the Lambda bundles). */
  readonly vetRoleMappings: (mappings: readonly RoleMapping[]) => void;
  readonly now: () => Date;
}

/** A mistake of the caller (exit 2), a thing that does not exist or a lost race (exit 1), in words. */
export class TenantAdminError extends Error {
  override readonly name = 'TenantAdminError';
  constructor(
    readonly kind: 'invalid' | 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

/** The settings `put` may change; for an existing tenant, absent ones keep their stored value. */
export type TenantChanges = Partial<Omit<TenantInput, 'tenantId'>>;

export interface SavedTenant {
  readonly config: TenantConfig;
  readonly created: boolean;
  /** Names of the settings that differ from the stored ones (empty for a new tenant). */
  readonly changed: readonly string[];
  readonly secretChanged: boolean;
}

export class TenantAdmin {
  constructor(private readonly deps: TenantAdminDependencies) {}

  /**
   * Creates a tenant, or changes only the given settings of an existing one.
   * The secret is asked for (`readSecret`) only once everything else is valid.
   */
  async save(
    tenantId: string,
    changes: TenantChanges,
    readSecret: (() => Promise<string>) | undefined,
  ): Promise<SavedTenant> {
    const existing = await this.deps.tenants.getTenant(tenantId);
    if (!existing) await this.#assertCreatable(tenantId, changes, readSecret !== undefined);
    let config: TenantConfig;
    try {
      config = buildTenantConfig(mergeSettings(tenantId, changes, existing), {
        allowLoopback: this.deps.allowLoopback,
        now: this.deps.now(),
        existing,
      });
      this.deps.vetRoleMappings(config.roleMappings);
    } catch (error) {
      throw new TenantAdminError('invalid', (error as Error).message);
    }
    const changed = existing ? changedSettings(existing, config) : [];
    const secret = readSecret ? await readSecret() : undefined;
    if (secret !== undefined) await this.deps.secrets.putClientSecret(tenantId, secret);
    await this.deps.tenants.putTenant(config);
    await this.#audit('tenant_saved', tenantId, {
      details: { created: !existing, secretChanged: secret !== undefined, changed: changed.join(',') },
    });
    return { config, created: !existing, changed, secretChanged: secret !== undefined };
  }

  async #assertCreatable(tenantId: string, changes: TenantChanges, hasSecret: boolean): Promise<void> {
    if (!changes.issuer) throw new TenantAdminError('invalid', 'A new tenant needs --issuer <url>.');
    if (!changes.clientId) throw new TenantAdminError('invalid', 'A new tenant needs --client-id <id>.');
    if (await this.deps.tenants.hasTenantData(tenantId)) throw unfinishedDelete(tenantId);
    if (!hasSecret) {
      throw new TenantAdminError(
        'invalid',
        'A new tenant needs its client secret: pass --client-secret-stdin and pipe the secret in (never as an argument).',
      );
    }
  }

  /**
   * Removes a tenant for good. The config goes first: from then on every
   * session of the tenant is refused (the session check reads it) and no login
   * can write to it; the rest is removed page by page, and a second run
   * finishes an interrupted one. Audit events stay until their retention ends.
   */
  async delete(tenantId: string): Promise<Record<string, number>> {
    if (!(await this.deps.tenants.hasTenantData(tenantId))) throw notFound(tenantId);
    const configRemoved = await this.deps.tenants.deleteTenant(tenantId);
    const removed = await this.deps.tenants.purgeTenantData(tenantId);
    if (configRemoved) removed.tenant = (removed.tenant ?? 0) + 1;
    await this.deps.secrets.deleteClientSecret(tenantId);
    await this.#audit('tenant_deleted', tenantId, {
      details: Object.fromEntries(Object.entries(removed).map(([kind, count]) => [kind, String(count)])),
    });
    return removed;
  }

  /**
   * A setup link for the tenant's Okta admin: creates the tenant if needed, in
   * `setup` (its tile shows "setup not finished" until the admin activates it),
   * and mints a 256-bit token of which only the hash is stored. Re-issuing
   * replaces the previous link; a link issued after an activation works again.
   * The token is returned once, for the URL, and never stored or logged.
   */
  async invite(
    tenantId: string,
    lifetimeSeconds: number,
  ): Promise<{ config: TenantConfig; created: boolean; token: string; expiresAt: string }> {
    let config = await this.deps.tenants.getTenant(tenantId);
    const created = config === undefined;
    if (!config) {
      if (await this.deps.tenants.hasTenantData(tenantId)) throw unfinishedDelete(tenantId);
      try {
        config = buildTenantConfig(
          { tenantId, issuer: '', clientId: '' },
          { allowLoopback: this.deps.allowLoopback, now: this.deps.now(), status: 'setup' },
        );
      } catch (error) {
        throw new TenantAdminError('invalid', (error as Error).message);
      }
      await this.deps.tenants.putTenant(config);
      await this.#audit('tenant_saved', tenantId, { details: { created: true, status: 'setup' } });
    }
    const now = this.deps.now();
    const token = newSetupToken();
    const expiresAt = Math.floor(now.getTime() / 1000) + lifetimeSeconds;
    await this.deps.setup.putSetupLink({
      tenantId,
      tokenHash: hashSetupToken(token),
      issuedAt: now.getTime(),
      expiresAt,
    });
    const expiresAtIso = new Date(expiresAt * 1000).toISOString();
    await this.#audit('setup_link_issued', tenantId, { details: { expiresAt: expiresAtIso } });
    return { config, created, token, expiresAt: expiresAtIso };
  }

  /** Ends the tenant's setup link at once; false when it had none. */
  async revokeInvite(tenantId: string): Promise<boolean> {
    await this.#require(tenantId);
    const revoked = await this.deps.setup.deleteSetupLink(tenantId);
    if (revoked) await this.#audit('setup_link_revoked', tenantId, {});
    return revoked;
  }

  /**
   * Makes a connected tenant live and spends its setup link: the activation
   * time on the config refuses every link issued before it. The link's item
   * stays until its TTL, so whoever opens it again is told setup was finished
   * rather than that the link is unknown.
   */
  async activate(tenantId: string): Promise<TenantConfig> {
    const config = await this.#require(tenantId);
    if (!isTenantConnected(config)) {
      throw new TenantAdminError('invalid', `Tenant "${tenantId}" has no Okta issuer and client yet.`);
    }
    const now = this.deps.now().toISOString();
    const live: TenantConfig = { ...config, status: 'active', activatedAt: now, updatedAt: now };
    await this.deps.tenants.putTenant(live);
    await this.#audit('tenant_activated', tenantId, {});
    return live;
  }

  /** Appends an audit event of this actor, e.g. a setup check or test sign-in. */
  record(
    type: AuditEventType,
    tenantId: string,
    extra: { outcome?: 'success' | 'failure'; reason?: string; details?: Record<string, string | boolean> } = {},
  ): Promise<void> {
    return this.deps.audit.append(
      auditEvent({ tenantId, type, actor: this.deps.actor, now: this.deps.now(), ...extra }),
    );
  }

  async get(tenantId: string): Promise<TenantConfig & { hasClientSecret: boolean }> {
    const config = await this.#require(tenantId);
    return this.#withSecretStatus(config);
  }

  async list(): Promise<Array<TenantConfig & { hasClientSecret: boolean }>> {
    return Promise.all((await this.deps.tenants.listTenants()).map((config) => this.#withSecretStatus(config)));
  }

  async users(tenantId: string): Promise<User[]> {
    await this.#require(tenantId);
    return this.deps.users.listUsers(tenantId);
  }

  /** Ends the sessions of a user, or of the whole tenant, created before the next second. */
  async revokeSessions(tenantId: string, userId: string | undefined): Promise<number> {
    const notBefore = this.#nextSecond();
    const found = userId
      ? await this.deps.users.revokeUserSessions(tenantId, userId, notBefore)
      : await this.deps.users.revokeTenantSessions(tenantId, notBefore);
    if (!found) throw userId ? noSuchUser(tenantId, userId) : notFound(tenantId);
    await this.#audit('sessions_revoked', tenantId, userId ? { subject: userId } : {});
    return notBefore;
  }

  /**
   * Disabling refuses new logins and ends every session opened until now, for
   * good: enabling later allows new logins only, it does not revive them.
   */
  async setUserDisabled(tenantId: string, userId: string, disabled: boolean): Promise<void> {
    const endSessionsBefore = disabled ? this.#nextSecond() : undefined;
    if (!(await this.deps.users.setUserDisabled(tenantId, userId, disabled, endSessionsBefore))) {
      throw noSuchUser(tenantId, userId);
    }
    await this.#audit(disabled ? 'user_disabled' : 'user_enabled', tenantId, { subject: userId });
  }

  /**
   * Creates or rotates the tenant's SCIM bearer token: 256 random bits,
   * stored only as its SHA-256, replacing the previous hash in one write (the
   * old token stops at the next request). Returned once, for the admin to
   * paste into Okta; never logged.
   */
  async rotateScimToken(tenantId: string): Promise<string> {
    await this.#require(tenantId);
    const token = newScimToken();
    await this.deps.scim.putScimTokenHash(tenantId, hashScimToken(token), this.deps.now().toISOString());
    await this.#audit('scim_token_rotated', tenantId, {});
    return token;
  }

  /** Makes `userId` the one owner; false when they already were. */
  async setOwner(tenantId: string, userId: string): Promise<boolean> {
    const outcome = await this.deps.users.transferOwnership(tenantId, userId);
    if (outcome === 'no_such_user') throw noSuchUser(tenantId, userId);
    if (outcome === 'conflict') {
      throw new TenantAdminError('conflict', 'Ownership changed at the same moment elsewhere: run the command again.');
    }
    if (outcome === 'transferred') await this.#audit('owner_transferred', tenantId, { subject: userId });
    return outcome === 'transferred';
  }

  /** The audit trail; also of a deleted tenant while its events are kept. */
  async auditTrail(tenantId: string, since: string | undefined): Promise<AuditEvent[]> {
    const events = await this.deps.audit.list(tenantId, since);
    if (events.length === 0 && !(await this.deps.tenants.getTenant(tenantId))) throw notFound(tenantId);
    return events;
  }

  async #require(tenantId: string): Promise<TenantConfig> {
    const config = await this.deps.tenants.getTenant(tenantId);
    if (!config) throw notFound(tenantId);
    return config;
  }

  async #withSecretStatus(config: TenantConfig): Promise<TenantConfig & { hasClientSecret: boolean }> {
    const secret = await this.deps.secrets.getClientSecret(config.tenantId);
    return { ...config, hasOwner: config.hasOwner === true, hasClientSecret: secret !== undefined };
  }

  #nextSecond(): number {
    return Math.floor(this.deps.now().getTime() / 1000) + 1;
  }

  #audit(
    type: AuditEventType,
    tenantId: string,
    extra: { subject?: string; details?: Record<string, string | boolean> },
  ): Promise<void> {
    return this.deps.audit.append(
      auditEvent({ tenantId, type, actor: this.deps.actor, now: this.deps.now(), ...extra }),
    );
  }
}

const unfinishedDelete = (tenantId: string) =>
  new TenantAdminError(
    'invalid',
    `Tenant "${tenantId}" still has data from a deletion that did not finish: run \`tenant delete ${tenantId}\` again first.`,
  );
const notFound = (tenantId: string) => new TenantAdminError('not_found', `No tenant "${tenantId}".`);
const noSuchUser = (tenantId: string, userId: string) =>
  new TenantAdminError('not_found', `No user "${userId}" in tenant "${tenantId}".`);

/** The stored settings with the given changes applied (an absent change keeps the stored value). */
function mergeSettings(tenantId: string, changes: TenantChanges, existing: TenantConfig | undefined): TenantInput {
  const given = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  return { ...storedSettings(existing), ...given, tenantId } as TenantInput;
}

function storedSettings(existing: TenantConfig | undefined): TenantChanges {
  if (!existing) return {};
  const {
    tenantId: _id,
    createdAt: _c,
    updatedAt: _u,
    generation: _g,
    hasOwner: _o,
    status: _st,
    activatedAt: _a,
    scimGroups: _s,
    orgUrl,
    ...settings
  } = existing;
  // An org URL derived from the issuer follows a new issuer; one set explicitly stays (a tenant
  // waiting for its setup link has neither).
  return !existing.issuer || orgUrl === orgUrlOf(existing.issuer) ? settings : { ...settings, orgUrl };
}

/** Names of the settings that differ between two versions of a tenant's config. */
function changedSettings(before: TenantConfig, after: TenantConfig): string[] {
  const bookkeeping = new Set([
    'updatedAt',
    'createdAt',
    'hasOwner',
    'generation',
    'status',
    'activatedAt',
    'scimGroups',
  ]);
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  const differs = (name: string) =>
    JSON.stringify(before[name as keyof TenantConfig]) !== JSON.stringify(after[name as keyof TenantConfig]);
  return [...names].filter((name) => !bookkeeping.has(name) && differs(name)).sort();
}
