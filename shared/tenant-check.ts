import { ServiceError } from './errors.ts';
import { describeError } from './http/error-catalogue.ts';
import { fetchProviderMetadata, type ProviderMetadata } from './oidc/discovery.ts';
import { describeFetchFailure, type FetchLike, fetchWithTimeout } from './oidc/http-fetch.ts';
import type { TenantConfig } from './tenants.ts';

export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  /** Plain words for the operator or the tenant's Okta admin. */
  readonly message: string;
}

/**
 * Checks a tenant's Okta the way a login will use it, with the service's own
 * discovery (the same fetch, issuer check and endpoint rules), and says what
 * is wrong in plain words: issuer unreachable or TLS failure, discovery issuer
 * mismatch, missing endpoints, JWKS unreachable or without a key for the
 * pinned algorithm.
 */
export async function checkTenant(
  tenant: Pick<TenantConfig, 'issuer' | 'idTokenAlgorithms'>,
  options: { fetch: FetchLike; timeoutMs?: number; allowLoopback?: boolean },
): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const discovered = await checkDiscovery(tenant.issuer, {
    fetch: options.fetch,
    timeoutMs,
    allowLoopback: options.allowLoopback ?? true,
  });
  if ('failure' in discovered) return [discovered.failure];
  return [
    ...discovered.results,
    await checkSigningKeys(discovered.metadata.jwksUri, tenant.idTokenAlgorithms, options.fetch, timeoutMs),
  ];
}

/**
 * Discovery as a login runs it (reachable, JSON, `issuer` exact, endpoints
 * present and acceptable): the passed checks and the metadata, or the one
 * check that failed in the catalogue's words.
 */
export async function checkDiscovery(
  issuer: string,
  options: { fetch: FetchLike; timeoutMs: number; allowLoopback: boolean },
): Promise<{ metadata: ProviderMetadata; results: CheckResult[] } | { failure: CheckResult }> {
  let metadata: ProviderMetadata;
  try {
    metadata = await fetchProviderMetadata(issuer, options);
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    const { adminHint, message } = describeError(error);
    return { failure: { check: checkFor(error.reason), ok: false, message: adminHint ?? message } };
  }
  return {
    metadata,
    results: [
      { check: 'discovery', ok: true, message: `${issuer}/.well-known/openid-configuration answers.` },
      { check: 'issuer', ok: true, message: 'The discovery document names the configured issuer.' },
      { check: 'endpoints', ok: true, message: 'Authorization, token and JWKS endpoints are published.' },
    ],
  };
}

/** Which check a discovery failure belongs to. */
function checkFor(reason: string): string {
  if (reason === 'discovery_issuer_mismatch') return 'issuer';
  if (/^discovery_(missing|insecure)_/.test(reason)) return 'endpoints';
  return 'discovery';
}

export async function checkSigningKeys(
  jwksUri: string,
  algorithms: readonly string[],
  fetchImpl: FetchLike,
  timeoutMs: number,
): Promise<CheckResult> {
  let status: number;
  let keys: Array<{ kty?: string; alg?: string; use?: string }> | undefined;
  try {
    const response = await fetchWithTimeout(fetchImpl, jwksUri, { headers: { accept: 'application/json' } }, timeoutMs);
    status = response.status;
    keys = ((await response.json().catch(() => undefined)) as { keys?: typeof keys } | undefined)?.keys;
  } catch (error) {
    return { check: 'jwks', ok: false, message: describeFetchFailure(jwksUri, error).message };
  }
  if (status !== 200 || !Array.isArray(keys)) {
    return { check: 'jwks', ok: false, message: `${jwksUri} answered HTTP ${status} without a key set.` };
  }
  const usable = keys.filter(
    (key) =>
      (key.use === undefined || key.use === 'sig') &&
      (key.alg
        ? algorithms.includes(key.alg)
        : algorithms.some((alg) => alg.startsWith(key.kty === 'EC' ? 'ES' : 'RS') || alg.startsWith('PS'))),
  );
  return usable.length
    ? {
        check: 'jwks',
        ok: true,
        message: `${jwksUri} has ${usable.length} signing key(s) for ${algorithms.join(', ')}.`,
      }
    : {
        check: 'jwks',
        ok: false,
        message: `${jwksUri} has no signing key for ${algorithms.join(', ')} (Okta signs ID tokens with RS256): check --id-token-alg.`,
      };
}
