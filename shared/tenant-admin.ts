/**
 * Tenant administration: what the platform team (the tenant CLI) does to a
 * tenant, each with its rules and in its order — the secret before the config
 * (a tenant is never live without its secret), the change before its audit
 * event, the config before the rest of a deleted tenant.
 */
import { type AuditEvent, type AuditEventType, auditEvent } from './audit.ts';
import { orgUrlOf } from './oidc/issuer-policy.ts';
import type { AuditLog, ClientSecretStore, ScimTokenStore, SetupStore, TenantStore, UserDirectory } from './ports.ts';
import type { RoleMapping } from './roles.ts';
import { hashScimToken, newScimToken } from './scim/auth.ts';
import { revocationEpoch } from './session/revocation.ts';
import { hashSetupToken, newSetupToken } from './setup/link.ts';
import { buildTenantConfig, isTenantConnected, type TenantConfig, type TenantInput } from './tenants.ts';
import { resolveUser } from './user-identity.ts';
import type { User } from './users.ts';

export interface TenantAdminDependencies {
  readonly tenants: TenantStore;
  readonly users: UserDirectory;
  readonly audit: AuditLog;
  readonly secrets: ClientSecretStore;
  readonly setup: SetupStore;
  readonly scim: Pick<ScimTokenStore, 'putScimTokenHash'>;
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

/** The tenant a caller already read (e.g. the setup link's): a write goes to that one or nowhere. */
export interface ExpectedTenant {
  readonly generation: string | undefined;
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

/** The user an administrator's command acted on; `linkedFrom`: the id given was a login's link to it. */
export interface ResolvedAdminTarget {
  readonly userId: string;
  /** Okta deactivated the user (SCIM): an administrator's enable does not lift that. */
  readonly deactivated: boolean;
  readonly linkedFrom?: string;
}

export class TenantAdmin {
  constructor(private readonly deps: TenantAdminDependencies) {}

  /**
   * Creates a tenant, or changes only the given settings of an existing one.
   * The secret is asked for (`readSecret`) only once everything else is valid.
   * The config write is conditional on the config read; a write that lost to
   * a concurrent one reads again, re-applies `changes` and validates again,
   * a bounded number of times (then `conflict`). A tenant deleted meanwhile is
   * `not_found` and is not re-created. `expected`: the tenant the caller
   * already read (the setup link's), so a tenant deleted and created again
   * under the same id is not changed through it.
   */
  async save(
    tenantId: string,
    changes: TenantChanges,
    readSecret: (() => Promise<string>) | undefined,
    expected?: ExpectedTenant,
  ): Promise<SavedTenant> {
    let pinned = expected;
    let secret: string | undefined;
    for (let attempt = 0; attempt < CONFIG_WRITE_ATTEMPTS; attempt++) {
      const existing = await this.deps.tenants.getTenant(tenantId);
      if (pinned && (!existing || existing.generation !== pinned.generation)) throw notFound(tenantId);
      // Once seen, this tenant is the one changed: if it disappears, the change is not a creation.
      if (existing) pinned ??= { generation: existing.generation };
      else if (attempt === 0) await this.#assertCreatable(tenantId, changes, readSecret !== undefined);
      else if (await this.deps.tenants.hasTenantData(tenantId)) throw unfinishedDelete(tenantId);
      const config = this.#build(tenantId, changes, existing);
      const changed = existing ? changedSettings(existing, config) : [];
      if (readSecret && secret === undefined) secret = await readSecret();
      // Again before each attempt: the secret stored is the one of the config written.
      if (secret !== undefined) await this.deps.secrets.putClientSecret(tenantId, secret);
      const outcome = await this.deps.tenants.putTenant(config);
      if (outcome === 'not_found') {
        if (secret !== undefined) await this.#dropOrphanSecret(tenantId);
        throw notFound(tenantId);
      }
      if (outcome === 'conflict') continue;
      await this.#audit('tenant_saved', tenantId, {
        details: { created: !existing, secretChanged: secret !== undefined, changed: changed.join(',') },
      });
      // The version written: the store bumps the one read (a new tenant's first is 1), as a read would show it.
      const written = { ...config, configVersion: (config.configVersion ?? 0) + 1 };
      return { config: written, created: !existing, changed, secretChanged: secret !== undefined };
    }
    throw lostRace(tenantId);
  }

  /** The stored settings with `changes` applied, validated (`invalid` in words). */
  #build(tenantId: string, changes: TenantChanges, existing: TenantConfig | undefined): TenantConfig {
    try {
      const config = buildTenantConfig(mergeSettings(tenantId, changes, existing), {
        allowLoopback: this.deps.allowLoopback,
        now: this.deps.now(),
        existing,
      });
      this.deps.vetRoleMappings(config.roleMappings);
      return config;
    } catch (error) {
      throw new TenantAdminError('invalid', (error as Error).message);
    }
  }

  /**
   * A secret written for a tenant deleted meanwhile: removed while there is
   * still no tenant, so the delete leaves nothing behind (locally the secret
   * is an item of the tenant's partition, which would read as an unfinished
   * delete).
   */
  async #dropOrphanSecret(tenantId: string): Promise<void> {
    if (await this.deps.tenants.getTenant(tenantId)) return;
    // Best effort: the setup function may write secrets but not delete them (least privilege), so in
    // AWS a save that lost to a delete leaves its secret in Secrets Manager, where it blocks nothing
    // (a re-created tenant's secret replaces it). The caller is told the tenant is gone either way.
    await this.deps.secrets.deleteClientSecret(tenantId).catch(() => undefined);
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
    const { config, created } = await this.#tenantToInvite(tenantId);
    const now = this.deps.now();
    const token = newSetupToken();
    const expiresAt = Math.floor(now.getTime() / 1000) + lifetimeSeconds;
    await this.deps.setup.putSetupLink({
      tenantId,
      tokenHash: hashSetupToken(token),
      issuedAt: now.getTime(),
      expiresAt,
    });
    // Deleted meanwhile: the link would be left in an empty partition (an unfinished delete) for nothing.
    const after = await this.deps.tenants.getTenant(tenantId);
    if (!after || after.generation !== config.generation) {
      if (!after) await this.deps.setup.deleteSetupLink(tenantId);
      throw notFound(tenantId);
    }
    const expiresAtIso = new Date(expiresAt * 1000).toISOString();
    await this.#audit('setup_link_issued', tenantId, { details: { expiresAt: expiresAtIso } });
    return { config, created, token, expiresAt: expiresAtIso };
  }

  /**
   * The tenant a link is for: the stored one, or a new one in `setup`,
   * created only where there is none (one created meanwhile is read instead).
   */
  async #tenantToInvite(tenantId: string): Promise<{ config: TenantConfig; created: boolean }> {
    for (let attempt = 0; attempt < CONFIG_WRITE_ATTEMPTS; attempt++) {
      const existing = await this.deps.tenants.getTenant(tenantId);
      if (existing) return { config: existing, created: false };
      if (await this.deps.tenants.hasTenantData(tenantId)) throw unfinishedDelete(tenantId);
      let config: TenantConfig;
      try {
        config = buildTenantConfig(
          { tenantId, issuer: '', clientId: '' },
          { allowLoopback: this.deps.allowLoopback, now: this.deps.now(), status: 'setup' },
        );
      } catch (error) {
        throw new TenantAdminError('invalid', (error as Error).message);
      }
      if ((await this.deps.tenants.putTenant(config)) !== 'written') continue;
      await this.#audit('tenant_saved', tenantId, { details: { created: true, status: 'setup' } });
      return { config: { ...config, configVersion: 1 }, created: true };
    }
    throw lostRace(tenantId);
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
  async activate(tenantId: string, expected?: ExpectedTenant): Promise<TenantConfig> {
    let pinned = expected;
    for (let attempt = 0; attempt < CONFIG_WRITE_ATTEMPTS; attempt++) {
      const config = await this.#require(tenantId);
      if (pinned && config.generation !== pinned.generation) throw notFound(tenantId);
      pinned ??= { generation: config.generation };
      if (!isTenantConnected(config)) {
        throw new TenantAdminError('invalid', `Tenant "${tenantId}" has no Okta issuer and client yet.`);
      }
      const now = this.deps.now().toISOString();
      const version = config.configVersion ?? 0;
      const live: TenantConfig = {
        ...config,
        status: 'active',
        activatedAt: now,
        updatedAt: now,
        configVersion: version,
      };
      const outcome = await this.deps.tenants.putTenant(live);
      if (outcome === 'not_found') throw notFound(tenantId);
      if (outcome === 'conflict') continue;
      await this.#audit('tenant_activated', tenantId, {});
      return { ...live, configVersion: version + 1 };
    }
    throw lostRace(tenantId);
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
    return this.withSecretStatus(config);
  }

  async list(): Promise<Array<TenantConfig & { hasClientSecret: boolean }>> {
    return Promise.all((await this.deps.tenants.listTenants()).map((config) => this.withSecretStatus(config)));
  }

  /**
   * The tenant and its client secret, for `tenant check`'s live test of the
   * credentials at the tenant's token endpoint: the secret goes there only,
   * never to the output or a log.
   */
  async getWithSecret(tenantId: string): Promise<{ config: TenantConfig; clientSecret: string | undefined }> {
    const config = await this.#require(tenantId);
    return { config, clientSecret: await this.deps.secrets.getClientSecret(tenantId) };
  }

  async users(tenantId: string): Promise<User[]> {
    await this.#require(tenantId);
    return this.deps.users.listUsers(tenantId);
  }

  /**
   * Ends the sessions of a user, or of the whole tenant, created until now
   * (the revocation epoch of `session/revocation.ts`); returns the epoch.
   * A user is named by any id the audit trail shows (`resolveAdminTarget`).
   */
  async revokeSessions(
    tenantId: string,
    userId: string | undefined,
  ): Promise<{ notBefore: Date; user: ResolvedAdminTarget | undefined }> {
    const notBefore = revocationEpoch(this.deps.now());
    if (!userId) {
      if (!(await this.deps.users.revokeTenantSessions(tenantId, notBefore))) throw notFound(tenantId);
      await this.#audit('sessions_revoked', tenantId, {});
      return { notBefore: new Date(notBefore), user: undefined };
    }
    const target = await this.resolveAdminTarget(tenantId, userId);
    if (!(await this.deps.users.revokeUserSessions(tenantId, target.userId, notBefore))) {
      throw noSuchUser(tenantId, userId);
    }
    await this.#audit('sessions_revoked', tenantId, { subject: target.userId });
    return { notBefore: new Date(notBefore), user: target };
  }

  /**
   * An administrator's `disable-user` / `enable-user`. Disabling refuses new
   * logins and ends every session opened until now, for good: enabling later
   * allows new logins only, it does not revive them. It is the
   * administrator's own decision, apart from Okta's SCIM deactivation:
   * enabling never lifts that, and SCIM never lifts this.
   */
  async setUserDisabled(tenantId: string, userId: string, disabled: boolean): Promise<ResolvedAdminTarget> {
    const target = await this.resolveAdminTarget(tenantId, userId);
    const endSessionsBefore = disabled ? revocationEpoch(this.deps.now()) : undefined;
    if (!(await this.deps.users.setAdminDisabled(tenantId, target.userId, disabled, endSessionsBefore))) {
      throw noSuchUser(tenantId, userId);
    }
    await this.#audit(disabled ? 'user_disabled' : 'user_enabled', tenantId, { subject: target.userId });
    return target;
  }

  /**
   * The user an administrator's command names, through the one resolver: the
   * user's own id, or an id a login derived that links to it (older audit
   * trails show those). A deleted or unknown user is refused in words (exit
   * 1), never "done" with nothing changed.
   */
  async resolveAdminTarget(tenantId: string, userId: string): Promise<ResolvedAdminTarget> {
    await this.#require(tenantId);
    const found = await resolveUser(this.deps.users, tenantId, { by: 'id', userId });
    if (found.kind === 'deleted') {
      throw new TenantAdminError(
        'not_found',
        `User "${userId}" of tenant "${tenantId}" was deleted by SCIM (Okta): there is nothing to change until Okta provisions them again.`,
      );
    }
    if (found.kind === 'none') throw noSuchUser(tenantId, userId);
    return {
      userId: found.user.userId,
      deactivated: found.user.deactivated,
      ...(found.linked ? { linkedFrom: userId } : {}),
    };
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

  /** Makes the user `userId` names the one owner; false when they already were. */
  async setOwner(tenantId: string, userId: string): Promise<{ changed: boolean; user: ResolvedAdminTarget }> {
    const target = await this.resolveAdminTarget(tenantId, userId);
    const outcome = await this.deps.users.transferOwnership(tenantId, target.userId);
    if (outcome === 'no_such_user') throw noSuchUser(tenantId, userId);
    if (outcome === 'conflict') {
      throw new TenantAdminError('conflict', 'Ownership changed at the same moment elsewhere: run the command again.');
    }
    if (outcome === 'transferred') await this.#audit('owner_transferred', tenantId, { subject: target.userId });
    return { changed: outcome === 'transferred', user: target };
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

  /** A config as an administrator sees it: whether it has an owner and a client secret (never the secret). */
  async withSecretStatus(config: TenantConfig): Promise<TenantConfig & { hasClientSecret: boolean }> {
    const hasClientSecret = await this.deps.secrets.hasClientSecret(config.tenantId);
    return { ...config, hasOwner: config.hasOwner === true, hasClientSecret };
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
    `Tenant "${tenantId}" still has data from a deletion that did not finish: run \`npm run -s tenant -- delete ${tenantId} --yes\` again first.`,
  );
const notFound = (tenantId: string) => new TenantAdminError('not_found', `No tenant "${tenantId}".`);
const lostRace = (tenantId: string) =>
  new TenantAdminError(
    'conflict',
    `Tenant "${tenantId}" kept changing elsewhere at the same moment: nothing was saved. Run it again.`,
  );

/** How often a config write that lost to a concurrent one is read and applied again before giving up. */
const CONFIG_WRITE_ATTEMPTS = 5;
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
    configVersion: _v,
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
    'configVersion',
  ]);
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  const differs = (name: string) =>
    JSON.stringify(before[name as keyof TenantConfig]) !== JSON.stringify(after[name as keyof TenantConfig]);
  return [...names].filter((name) => !bookkeeping.has(name) && differs(name)).sort();
}
