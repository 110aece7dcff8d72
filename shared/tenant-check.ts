import { type FetchLike, fetchWithTimeout, PRIVATE_ADDRESS_REFUSED } from './oidc/http-fetch.ts';
import type { TenantConfig } from './tenants.ts';

export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  /** Plain words for the operator or the tenant's Okta admin. */
  readonly message: string;
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/i;

function describeFetchFailure(url: string, error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code ?? '';
  if (TLS_CODES.test(code)) {
    return `TLS failure talking to ${url} (${code}): the certificate is not trusted or does not match the host. Check the issuer's host name and certificate.`;
  }
  if ((error as { name?: string }).name === 'TimeoutError') return `${url} did not answer within the timeout.`;
  if (code === PRIVATE_ADDRESS_REFUSED) {
    return `${url} resolves to a loopback, private or link-local address, which the service refuses outside local mode: use the Okta org's public URL.`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `The host of ${url} does not resolve (${code}): check the issuer URL for typos.`;
  if (code === 'ECONNREFUSED') return `${url} refused the connection.`;
  return `${url} could not be reached${code ? ` (${code})` : ''}.`;
}

async function getJson(
  fetchImpl: FetchLike,
  url: string,
  timeoutMs: number,
): Promise<{ status: number; json: unknown }> {
  const response = await fetchWithTimeout(fetchImpl, url, { headers: { accept: 'application/json' } }, timeoutMs);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

/**
 * Checks a tenant's Okta the way a login will use it, and says what is wrong
 * in plain words: issuer unreachable or TLS failure, discovery issuer
 * mismatch, missing endpoints, JWKS unreachable or without a key for the
 * pinned algorithm.
 */
export async function checkTenant(
  tenant: Pick<TenantConfig, 'issuer' | 'idTokenAlgorithms'>,
  options: { fetch: FetchLike; timeoutMs?: number },
): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const results: CheckResult[] = [];
  const discoveryUrl = `${tenant.issuer}/.well-known/openid-configuration`;
  let discovery: Record<string, unknown> | undefined;
  try {
    const { status, json } = await getJson(options.fetch, discoveryUrl, timeoutMs);
    if (status !== 200 || !json || typeof json !== 'object') {
      results.push({
        check: 'discovery',
        ok: false,
        message: `${discoveryUrl} answered HTTP ${status}${json ? '' : ' without JSON'}: the issuer URL is probably wrong (Okta issuers look like https://<org>.okta.com or https://<org>.okta.com/oauth2/default).`,
      });
      return results;
    }
    discovery = json as Record<string, unknown>;
    results.push({ check: 'discovery', ok: true, message: `${discoveryUrl} answers.` });
  } catch (error) {
    results.push({ check: 'discovery', ok: false, message: describeFetchFailure(discoveryUrl, error) });
    return results;
  }

  if (discovery.issuer !== tenant.issuer) {
    results.push({
      check: 'issuer',
      ok: false,
      message: `The discovery document names the issuer "${String(discovery.issuer)}" but the tenant is configured with "${tenant.issuer}". Configure the exact issuer.`,
    });
  } else {
    results.push({ check: 'issuer', ok: true, message: 'The discovery document names the configured issuer.' });
  }
  const missing = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'].filter(
    (name) => typeof discovery?.[name] !== 'string',
  );
  results.push(
    missing.length
      ? { check: 'endpoints', ok: false, message: `The discovery document lacks ${missing.join(', ')}.` }
      : { check: 'endpoints', ok: true, message: 'Authorization, token and JWKS endpoints are published.' },
  );
  if (typeof discovery.jwks_uri !== 'string') return results;

  const jwksUri = discovery.jwks_uri;
  try {
    const { status, json } = await getJson(options.fetch, jwksUri, timeoutMs);
    const keys = (json as { keys?: Array<{ kty?: string; alg?: string; use?: string }> } | undefined)?.keys;
    if (status !== 200 || !Array.isArray(keys)) {
      results.push({ check: 'jwks', ok: false, message: `${jwksUri} answered HTTP ${status} without a key set.` });
      return results;
    }
    const algorithms = tenant.idTokenAlgorithms;
    const usable = keys.filter(
      (key) =>
        (key.use === undefined || key.use === 'sig') &&
        (key.alg
          ? algorithms.includes(key.alg)
          : algorithms.some((alg) => alg.startsWith(key.kty === 'EC' ? 'ES' : 'RS') || alg.startsWith('PS'))),
    );
    results.push(
      usable.length
        ? {
            check: 'jwks',
            ok: true,
            message: `${jwksUri} has ${usable.length} signing key(s) for ${algorithms.join(', ')}.`,
          }
        : {
            check: 'jwks',
            ok: false,
            message: `${jwksUri} has no signing key for ${algorithms.join(', ')} (Okta signs ID tokens with RS256): check --id-token-alg.`,
          },
    );
  } catch (error) {
    results.push({ check: 'jwks', ok: false, message: describeFetchFailure(jwksUri, error) });
  }
  return results;
}
