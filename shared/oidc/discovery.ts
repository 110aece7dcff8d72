import { ServiceError } from '../errors.ts';
import { describeFetchFailure, type FetchLike, fetchWithTimeout } from './http-fetch.ts';
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
    const promise = fetchProviderMetadata(issuer, this.#options)
      .then((metadata) => {
        this.#entries.set(issuer, { metadata, fetchedAt: now });
        return metadata;
      })
      .finally(() => this.#inFlight.delete(issuer));
    this.#inFlight.set(issuer, promise);
    return promise;
  }
}

/**
 * Fetches an issuer's OpenID configuration and checks it the way every login
 * relies on it: reachable, JSON, `issuer` exactly the one asked for (OIDC
 * Discovery §4.3), and the endpoints we use present and acceptable. Failures
 * are `DISCOVERY_FAILED` with a reason and the facts for the admin hint; the
 * login page and `tenant check` both say it in the catalogue's words.
 */
export async function fetchProviderMetadata(
  issuer: string,
  options: Pick<DiscoveryOptions, 'fetch' | 'timeoutMs' | 'allowLoopback'>,
): Promise<ProviderMetadata> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const document = await fetchDocument(url, options);
  // OIDC Discovery §4.3: the issuer in the document must be exactly the one we asked.
  if (document.issuer !== issuer) {
    throw discoveryFailure('discovery_issuer_mismatch', { documentIssuer: String(document.issuer), issuer });
  }
  const endpoint = (name: string) => assertAcceptableEndpoint(name, document[name], options.allowLoopback);
  return {
    issuer,
    authorizationEndpoint: endpoint('authorization_endpoint'),
    tokenEndpoint: endpoint('token_endpoint'),
    jwksUri: endpoint('jwks_uri'),
    endSessionEndpoint:
      typeof document.end_session_endpoint === 'string' ? endpoint('end_session_endpoint') : undefined,
  };
}

async function fetchDocument(
  url: string,
  options: Pick<DiscoveryOptions, 'fetch' | 'timeoutMs'>,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetchWithTimeout(
      options.fetch,
      url,
      { headers: { accept: 'application/json' } },
      options.timeoutMs,
    );
  } catch (cause) {
    const failure = describeFetchFailure(url, cause);
    throw discoveryFailure(`discovery_${failure.kind}`, { url, problem: failure.message }, cause);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw discoveryFailure(`discovery_http_${response.status}`, { url, status: String(response.status) });
  }
  const document: unknown = await response.json().catch(() => undefined);
  if (!document || typeof document !== 'object' || Array.isArray(document)) {
    throw discoveryFailure('discovery_not_json', { url });
  }
  return document as Record<string, unknown>;
}

function discoveryFailure(reason: string, details: Record<string, string>, cause?: unknown): ServiceError {
  return new ServiceError('DISCOVERY_FAILED', { reason, details, cause });
}
