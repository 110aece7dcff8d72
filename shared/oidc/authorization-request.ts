import { createHash, randomBytes } from 'node:crypto';

/** 128 bits of randomness, base64url: unguessable and URL-safe. */
export function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** RFC 7636 §4.2: S256 challenge of a verifier. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export interface AuthorizationRequest {
  readonly authorizationEndpoint: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly loginHint?: string | undefined;
}

/** Builds the URL the browser is sent to at the tenant's Okta (authorization code + PKCE). */
export function buildAuthorizationUrl(request: AuthorizationRequest): string {
  const url = new URL(request.authorizationEndpoint);
  const params = url.searchParams;
  params.set('response_type', 'code');
  params.set('client_id', request.clientId);
  params.set('redirect_uri', request.redirectUri);
  params.set('scope', request.scopes.join(' '));
  params.set('state', request.state);
  params.set('nonce', request.nonce);
  params.set('code_challenge', pkceChallenge(request.codeVerifier));
  params.set('code_challenge_method', 'S256');
  if (request.loginHint) params.set('login_hint', request.loginHint);
  return url.toString();
}
