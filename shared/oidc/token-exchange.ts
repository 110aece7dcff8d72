import { ServiceError } from '../errors.ts';
import { type FetchLike, fetchWithTimeout } from './http-fetch.ts';

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface CodeExchange {
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: TokenEndpointAuthMethod;
  readonly code: string;
  readonly redirectUri: string;
  readonly codeVerifier: string;
}

/** What a well-formed token response hands back that we use. */
export interface TokenResponse {
  readonly idToken: string;
}

const MAX_RESPONSE_BYTES = 256 * 1024;

/** Okta unreachable, slow or failing (5xx): the only case that is Okta's outage, not the caller's or the tenant's problem. */
function failure(reason: string, details: Record<string, string> = {}, cause?: unknown): ServiceError {
  return new ServiceError('TOKEN_ENDPOINT_FAILED', { reason, details, cause });
}

/**
 * Exchanges an authorization code at the token endpoint (RFC 6749 §4.1.3)
 * with the PKCE verifier. Client authentication is client_secret_basic by
 * default: id and secret are form-urlencoded before base64 (RFC 6749 §2.3.1).
 */
export async function exchangeCode(
  fetchImpl: FetchLike,
  request: CodeExchange,
  timeoutMs: number,
): Promise<TokenResponse> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: request.code,
    redirect_uri: request.redirectUri,
    code_verifier: request.codeVerifier,
  });
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  };
  if (request.authMethod === 'client_secret_post') {
    body.set('client_id', request.clientId);
    body.set('client_secret', request.clientSecret);
  } else {
    const user = encodeURIComponent(request.clientId);
    const password = encodeURIComponent(request.clientSecret);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  let response: Response;
  try {
    response = await fetchWithTimeout(fetchImpl, request.tokenEndpoint, { method: 'POST', headers, body }, timeoutMs);
  } catch (cause) {
    const timedOut = (cause as { name?: string } | null)?.name === 'TimeoutError';
    throw failure(
      timedOut ? 'token_endpoint_timeout' : 'token_endpoint_unreachable',
      { timeoutSeconds: String(Math.round(timeoutMs / 1000)) },
      cause,
    );
  }

  const text = await response.text();
  if (text.length > MAX_RESPONSE_BYTES) {
    throw failure('token_endpoint_oversized');
  }
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    json = undefined;
  }

  if (response.status !== 200) throw rejection(response.status, json);
  if (!json || typeof json.id_token !== 'string' || json.id_token.length === 0) {
    throw new ServiceError('TOKEN_REQUEST_REJECTED', { reason: 'token_endpoint_no_id_token' });
  }
  return { idToken: json.id_token };
}

/**
 * Why the token endpoint said no, by whose problem it is (RFC 6749 §5.2):
 * - `invalid_grant`: the code is bogus, expired, used or for another redirect
 *   URI — the caller's problem; they can start again. No dependency alarm.
 * - `invalid_client` / `unauthorized_client`: the tenant's client id, secret or
 *   auth method is wrong (often a secret rotated in Okta) — configuration.
 * - 5xx: Okta is failing.
 * - other answers: Okta refused the request as configured.
 */
function rejection(status: number, json: Record<string, unknown> | undefined): ServiceError {
  // Only the OAuth error code is safe and useful to surface; descriptions may echo input.
  // Okta answers a client id it does not know in its API error shape (`errorCode`, no `error`).
  const code = json?.error ?? (json?.errorCode === 'invalid_client' ? json.errorCode : undefined);
  const oauthError = typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? code : undefined;
  const reason = oauthError ? `token_endpoint_${oauthError}` : `token_endpoint_http_${status}`;
  const details = { status: String(status), ...(oauthError ? { oauthError } : {}) };
  if (status >= 500) return failure(reason, details);
  if (oauthError === 'invalid_grant') return new ServiceError('AUTHORIZATION_CODE_REJECTED', { reason, details });
  if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client') {
    return new ServiceError('CLIENT_AUTH_FAILED', { reason, details: { ...details, ...rejectedCredential(json) } });
  }
  return new ServiceError('TOKEN_REQUEST_REJECTED', { reason, details });
}

/**
 * Which credential an `invalid_client` refused, where the answer says so in
 * words we know (Okta: an unknown client id comes in its API error shape, a
 * wrong secret as "The client secret supplied for a confidential client is
 * invalid."), as a fixed word, never the answer's text. Other answers
 * (oidc-provider's, Okta's "Either the client or the client credentials are
 * invalid") do not say which.
 */
function rejectedCredential(json: Record<string, unknown> | undefined): { rejected?: 'client_id' | 'client_secret' } {
  if (json?.errorCode === 'invalid_client' && json.error === undefined) return { rejected: 'client_id' };
  const description = typeof json?.error_description === 'string' ? json.error_description : '';
  return /\bclient secret\b/i.test(description) ? { rejected: 'client_secret' } : {};
}
