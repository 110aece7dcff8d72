/**
 * The one reading of an `Authorization: Bearer` header, for every caller that
 * presents a token (Universal Logout, SCIM, the authorizer's app credentials).
 *
 * RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`, where
 * `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
 * - The scheme is matched in any case: auth schemes are case-insensitive
 *   (RFC 9110 §11.1), and clients send `bearer` as well as `Bearer`.
 * - One or more spaces separate it from the token, as `1*SP` says; tabs and
 *   other whitespace do not.
 * - Whitespace around the whole value is ignored: it is not part of a field
 *   value (RFC 9110 §5.5), and some proxies leave it in.
 * Anything else — another scheme, no token, two tokens, a list, characters
 * outside b64token — is no bearer token.
 */
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The b64token of a Bearer `Authorization` header value, or undefined when it is not one. */
export function parseBearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  return BEARER_CREDENTIALS.exec(authorization.trim())?.[1];
}
