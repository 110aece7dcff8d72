/**
 * The JOSE header `typ` of session tokens (`GET /session/token`). Verifiers
 * pin it (the app's `jwtVerify(..., { typ })`) and the authorizer's
 * app-credential check refuses it, so a session token is never taken for
 * another kind of token, nor another token for a session token (RFC 8725 §3.11).
 */
export const SESSION_TOKEN_TYPE = 'session+jwt';

/**
 * Whether a header `typ` names a session token. RFC 7515 §4.1.9: media types
 * compare case-insensitively and the `application/` prefix may be left out.
 */
export function isSessionTokenType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const type = typ.toLowerCase();
  return type === SESSION_TOKEN_TYPE || type === `application/${SESSION_TOKEN_TYPE}`;
}
