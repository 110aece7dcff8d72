import { LoginError } from '../errors.ts';
import { type FetchLike, fetchWithTimeout, PRIVATE_ADDRESS_REFUSED } from './http-fetch.ts';
import { assertAcceptableEndpoint } from './issuer-policy.ts';

/** The parts of an OpenID Provider's metadata this service uses. */
export interface ProviderMetadata {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
  readonly endSessionEndpoint: string | undefined;
}

export interface DiscoveryOptions {
  readonly fetch: FetchLike;
  readonly timeoutMs: number;
  readonly allowLoopback: boolean;
  /** How long metadata is trusted before it is fetched again. */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

interface CacheEntry {
  metadata: ProviderMetadata;
  fetchedAt: number;
}

/**
 * Fetches and caches `/.well-known/openid-configuration` per issuer for the
 * life of the process (a warm Lambda makes no discovery call). When a refresh
 * fails, the last good metadata keeps serving: Okta's endpoints rarely move, a
 * login outage because a refresh failed would be worse.
 */
export class DiscoveryCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<ProviderMetadata>>();
  readonly #options: DiscoveryOptions;

  constructor(options: DiscoveryOptions) {
    this.#options = options;
  }

  async get(issuer: string): Promise<ProviderMetadata> {
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#entries.get(issuer);
    if (cached && now - cached.fetchedAt < (this.#options.maxAgeMs ?? 3_600_000)) return cached.metadata;
    try {
      return await this.#refresh(issuer, now);
    } catch (error) {
      if (cached) return cached.metadata;
      throw error;
    }
  }

  #refresh(issuer: string, now: number): Promise<ProviderMetadata> {
    const running = this.#inFlight.get(issuer);
    if (running) return running;
    const promise = fetchMetadata(issuer, this.#options)
      .then((metadata) => {
        this.#entries.set(issuer, { metadata, fetchedAt: now });
        return metadata;
      })
      .finally(() => this.#inFlight.delete(issuer));
    this.#inFlight.set(issuer, promise);
    return promise;
  }
}

async function fetchMetadata(issuer: string, options: DiscoveryOptions): Promise<ProviderMetadata> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let document: Record<string, unknown>;
  try {
    const response = await fetchWithTimeout(
      options.fetch,
      url,
      { headers: { accept: 'application/json' } },
      options.timeoutMs,
    );
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    document = (await response.json()) as Record<string, unknown>;
    if (typeof document !== 'object' || document === null) throw new Error('not a JSON object');
  } catch (cause) {
    const refused = (cause as { cause?: { code?: string } }).cause?.code === PRIVATE_ADDRESS_REFUSED;
    throw new LoginError('DISCOVERY_FAILED', 'The service could not reach your organization’s Okta.', {
      cause,
      reason: refused ? 'discovery_private_address' : 'discovery_unreachable',
      restartable: true,
      adminHint: refused
        ? `The tenant's issuer host resolves to a loopback, private or link-local address, which the service refuses: configure the Okta org's public URL.`
        : `Check that ${url} answers with the OpenID configuration and that the tenant's issuer is right.`,
    });
  }
  // OIDC Discovery §4.3: the issuer in the document must be exactly the one we asked.
  if (document.issuer !== issuer) {
    throw new LoginError('DISCOVERY_FAILED', 'Your Okta’s configuration does not match this organization.', {
      reason: 'discovery_issuer_mismatch',
      adminHint:
        'The issuer in the discovery document differs from the tenant’s configured issuer. Configure the exact issuer (no trailing slash differences).',
    });
  }
  return {
    issuer,
    authorizationEndpoint: assertAcceptableEndpoint(
      'authorization_endpoint',
      document.authorization_endpoint,
      options.allowLoopback,
    ),
    tokenEndpoint: assertAcceptableEndpoint('token_endpoint', document.token_endpoint, options.allowLoopback),
    jwksUri: assertAcceptableEndpoint('jwks_uri', document.jwks_uri, options.allowLoopback),
    endSessionEndpoint:
      typeof document.end_session_endpoint === 'string'
        ? assertAcceptableEndpoint('end_session_endpoint', document.end_session_endpoint, options.allowLoopback)
        : undefined,
  };
}
