import type { TenantReader } from './ports.ts';
import { SETTINGS } from './settings.ts';
import { isValidTenantId, type TenantConfig } from './tenants.ts';

export interface TenantDirectoryOptions {
  /** How long a tenant's config is served from memory. @default 30 s (`SETTINGS.tenantCacheSeconds`) */
  readonly ttlMs?: number;
  /** How long "no such tenant" is remembered, so floods of bogus ids do not reach DynamoDB. @default 10 s */
  readonly negativeTtlMs?: number;
  /** Entries kept at most. @default 1000 */
  readonly maxEntries?: number;
  /**
   * Least time between two forced re-reads of one tenant (`refresh`), so a
   * setting that is truly wrong cannot turn every request into a read. @default 5 s
   */
  readonly refreshCooldownMs?: number;
  readonly now?: () => number;
}

interface Entry {
  config: TenantConfig | undefined;
  expiresAt: number;
}

/**
 * Tenant configs cached in memory across invocations: a warm login reads no
 * tenant item. Changes made with the CLI take effect within the TTL, or at
 * once where a caller forces a re-read (`refresh`).
 */
export class TenantDirectory {
  readonly #store: TenantReader;
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  readonly #maxEntries: number;
  readonly #refreshCooldownMs: number;
  /** When each tenant was last force-read (`refresh`), oldest first. */
  readonly #refreshedAt = new Map<string, number>();
  readonly #now: () => number;

  constructor(store: TenantReader, options: TenantDirectoryOptions = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? SETTINGS.tenantCacheSeconds.default * 1000;
    this.#negativeTtlMs = options.negativeTtlMs ?? 10_000;
    this.#maxEntries = options.maxEntries ?? 1000;
    this.#refreshCooldownMs = options.refreshCooldownMs ?? 5_000;
    this.#now = options.now ?? Date.now;
  }

  async get(tenantId: string): Promise<TenantConfig | undefined> {
    if (!isValidTenantId(tenantId)) return undefined;
    const now = this.#now();
    const cached = this.#entries.get(tenantId);
    if (cached && cached.expiresAt > now) return cached.config;
    const config = await this.#store.getTenant(tenantId);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.delete(tenantId);
    this.#entries.set(tenantId, { config, expiresAt: now + (config ? this.#ttlMs : this.#negativeTtlMs) });
    return config;
  }

  /**
   * Reads the tenant afresh, past the cache, and caches what it read; refused
   * (`undefined`) when this tenant was force-read less than the cooldown ago.
   * For a caller that cannot tell a stale cache from a wrong setting (Okta's
   * `invalid_client` after a secret change): it learns the truth at once, and
   * a setting that stays wrong costs one read per cooldown, not one per request.
   */
  async refresh(tenantId: string): Promise<{ readonly config: TenantConfig | undefined } | undefined> {
    const now = this.#now();
    const last = this.#refreshedAt.get(tenantId);
    if (last !== undefined && now - last < this.#refreshCooldownMs) return undefined;
    // Claimed before the read, so concurrent callers in this process do not all read.
    this.#refreshedAt.delete(tenantId);
    if (this.#refreshedAt.size >= this.#maxEntries) {
      const oldest = this.#refreshedAt.keys().next();
      if (!oldest.done) this.#refreshedAt.delete(oldest.value);
    }
    this.#refreshedAt.set(tenantId, now);
    this.invalidate(tenantId);
    return { config: await this.get(tenantId) };
  }

  /** Forget a tenant (e.g. after this process learnt it now has an owner). */
  invalidate(tenantId: string): void {
    this.#entries.delete(tenantId);
  }
}
