import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
} from 'jose';
import { SETTINGS } from '../settings.ts';
import type { FetchLike } from './http-fetch.ts';

export interface SigningKeysOptions {
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  /**
   * Minimum time between refetches triggered by an unknown `kid`, so a flood
   * of forged tokens cannot make us hammer the tenant's Okta.
   * @default 30 s (`SETTINGS.jwksRefetchCooldownSeconds`)
   */
  readonly cooldownMs?: number;
  /**
   * Keys are refetched after this long even when every `kid` is known. Okta
   * publishes new keys weeks before use, so a long age is safe.
   * @default 6 hours
   */
  readonly maxAgeMs?: number;
}

const FETCH_FAILURE_CODES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JOSE_GENERIC']);

/** Whether a key lookup failed because the JWKS could not be fetched (not because a key is missing). */
export function isKeyFetchFailure(error: unknown): boolean {
  if (error instanceof TypeError) return true; // fetch() network failure
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && FETCH_FAILURE_CODES.has(code);
}

/**
 * One `jose` remote key set per JWKS URI, kept for the life of the process.
 * jose refetches on an unknown `kid` after the cooldown; on top of that, when
 * a refresh of stale keys fails (Okta unreachable) we keep verifying with the
 * last keys we fetched instead of failing every login.
 */
export class SigningKeysCache {
  readonly #sets = new Map<string, JWTVerifyGetKey>();
  readonly #options: SigningKeysOptions;

  constructor(options: SigningKeysOptions) {
    this.#options = options;
  }

  forJwksUri(jwksUri: string): JWTVerifyGetKey {
    let resolver = this.#sets.get(jwksUri);
    if (!resolver) {
      resolver = this.#createResolver(jwksUri);
      this.#sets.set(jwksUri, resolver);
    }
    return resolver;
  }

  #createResolver(jwksUri: string): JWTVerifyGetKey {
    const fetchImpl = this.#options.fetch;
    const remote: RemoteJWKSet = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: this.#options.timeoutMs,
      cooldownDuration: this.#options.cooldownMs ?? SETTINGS.jwksRefetchCooldownSeconds.default * 1000,
      cacheMaxAge: this.#options.maxAgeMs ?? 6 * 3_600_000,
      [customFetch]: (url, init) => fetchImpl(url, init),
    });
    return async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
      try {
        return await remote(header, token);
      } catch (error) {
        const lastKnown = remote.jwks();
        if (lastKnown && isKeyFetchFailure(error)) return createLocalJWKSet(lastKnown)(header, token);
        throw error;
      }
    };
  }
}
