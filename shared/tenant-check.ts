import { ServiceError } from './errors.ts';
import { describeError, SETUP_CHECK_WORDS as WORDS } from './http/error-catalogue.ts';
import { randomToken } from './oidc/authorization-request.ts';
import { fetchProviderMetadata, type ProviderMetadata } from './oidc/discovery.ts';
import { describeFetchFailure, type FetchLike, fetchWithTimeout } from './oidc/http-fetch.ts';
import { exchangeCode, type TokenEndpointAuthMethod } from './oidc/token-exchange.ts';
import { SETTINGS } from './settings.ts';
import type { TenantConfig } from './tenants.ts';

export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  /** Plain words for the operator or the tenant's Okta admin. */
  readonly message: string;
}

/** What the token endpoint is asked to authenticate, as a login's code exchange sends it. */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: TokenEndpointAuthMethod;
  /** The tenant's sign-in redirect URI, sent with the test request as a real code exchange would. */
  readonly redirectUri: string;
}

/**
 * Checks a tenant's Okta the way a login will use it, with the service's own
 * discovery (the same fetch, issuer check and endpoint rules), and says what
 * is wrong in plain words: issuer unreachable or TLS failure, discovery issuer
 * mismatch, missing endpoints, JWKS unreachable or without a key for the
 * pinned algorithm, and, given the `client`'s credentials, whether the token
 * endpoint accepts them (`checkClientCredentials`).
 */
export async function checkTenant(
  tenant: Pick<TenantConfig, 'issuer' | 'idTokenAlgorithms'>,
  options: { fetch: FetchLike; timeoutMs?: number; allowLoopback?: boolean; client?: ClientCredentials },
): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? SETTINGS.idpTimeoutMs.default;
  const discovered = await checkDiscovery(tenant.issuer, {
    fetch: options.fetch,
    timeoutMs,
    allowLoopback: options.allowLoopback ?? true,
  });
  const { client } = options;
  if ('failure' in discovered) {
    return [
      discovered.failure,
      ...(client ? [{ check: 'client_credentials', ok: false, message: WORDS.client_check_skipped }] : []),
    ];
  }
  const { metadata } = discovered;
  return [
    ...discovered.results,
    await checkSigningKeys(metadata.jwksUri, tenant.idTokenAlgorithms, options.fetch, timeoutMs),
    ...(client ? [await checkClientCredentials(client, metadata.tokenEndpoint, { ...options, timeoutMs })] : []),
  ];
}

/**
 * Redeems a made-up authorization code with the client's credentials: an
 * authorization server checks the client before the code (RFC 6749 §3.2.1,
 * §5.2), so `invalid_grant` means the client authenticated and
 * `invalid_client` that it did not — the same classification a login uses
 * (`oidc/token-exchange.ts`), which also says which credential was refused
 * where the answer tells (Okta does for an unknown client id and for a wrong
 * secret). The one test of the credentials, for the setup page and `tenant check`.
 */
export async function checkClientCredentials(
  client: ClientCredentials,
  tokenEndpoint: string,
  options: { fetch: FetchLike; timeoutMs: number },
): Promise<CheckResult> {
  const result = (ok: boolean, message: string): CheckResult => ({ check: 'client_credentials', ok, message });
  try {
    await exchangeCode(
      options.fetch,
      { tokenEndpoint, ...client, code: `setup-check-${randomToken(24)}`, codeVerifier: randomToken(32) },
      options.timeoutMs,
    );
    // A code nobody issued was redeemed: whatever answers there is not a real authorization server.
    return result(false, WORDS.client_check_failed({ status: '200' }));
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    if (error.code === 'AUTHORIZATION_CODE_REJECTED') return result(true, WORDS.client_accepted);
    if (error.code === 'CLIENT_AUTH_FAILED') return result(false, clientRejection(error));
    if (error.code === 'TOKEN_ENDPOINT_FAILED' && error.details.status === undefined) {
      return result(false, WORDS.client_check_unreachable({ url: tokenEndpoint }));
    }
    return result(false, WORDS.client_check_failed(error.details));
  }
}

/** Which of the client's values the token endpoint refused, as far as its answer says. */
function clientRejection(error: ServiceError): string {
  if (error.reason === 'token_endpoint_unauthorized_client') return WORDS.client_grant_not_allowed;
  if (error.details.rejected === 'client_id') return WORDS.client_id_unknown;
  if (error.details.rejected === 'client_secret') return WORDS.client_secret_rejected;
  return WORDS.client_rejected;
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
