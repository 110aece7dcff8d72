import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ServiceError } from '../errors.ts';
import { type JwtRejection, jwtRejection } from '../oidc/jwt-rejection.ts';

/** The JOSE `typ` of Okta's Universal Logout tokens (draft-parecki-oauth-global-token-revocation). */
export const REVOCATION_TOKEN_TYPE = 'global-token-revocation+jwt';
/** Okta's org authorization server signs with RS256; nothing else is accepted. */
export const REVOCATION_TOKEN_ALGORITHMS = ['RS256'] as const;
/** Okta issues these tokens for 5 minutes; a token meant to live longer is not one of them. */
export const MAX_TOKEN_LIFETIME_SECONDS = 300;
/** Allowed difference between Okta's clock and ours, for exp, nbf, iat and the lifetime. */
export const CLOCK_SKEW_SECONDS = 60;
const MAX_JTI_LENGTH = 256;

export interface RevocationTokenExpectations {
  /** The tenant's Okta org URL: the exact `iss`. */
  readonly orgUrl: string;
  /** The tenant's client id: Okta names the app the call is for in `sub`. */
  readonly clientId: string;
  /** This endpoint's exact URL: the one `aud`. */
  readonly endpoint: string;
  readonly now: Date;
}

/** What the rest of the call needs from a verified token. */
export interface VerifiedRevocationToken {
  readonly jti: string;
  /** Epoch seconds. */
  readonly exp: number;
}

/**
 * One reason per rule (SECURITY.md, "Universal Logout"): the ones jose reports
 * (`oidc/jwt-rejection.ts`; keys that cannot be fetched are a 503, not a 401) and ours.
 */
export type RevocationTokenRejection = Exclude<JwtRejection, 'keys_unavailable'> | 'lifetime';

function unauthenticated(rejection: RevocationTokenRejection, cause?: unknown): ServiceError {
  return new ServiceError('REVOCATION_TOKEN_INVALID', {
    reason: `revocation_token_${rejection}`,
    cause,
    ...(rejection === 'lifetime' ? { details: { maxMinutes: String(MAX_TOKEN_LIFETIME_SECONDS / 60) } } : {}),
  });
}

/**
 * Verifies the bearer token of a Global Token Revocation call, in two tiers:
 *
 * - 401 `REVOCATION_TOKEN_INVALID`: not a token this tenant's Okta org minted
 *   for this purpose and still fresh — signature (RS256 only, a key of the
 *   org's JWKS), `typ`, `iss` exactly the org URL, `exp` and `nbf` (60 s
 *   skew), `iat` not in the future and at most 5 minutes old, a lifetime
 *   (`exp - iat`) of at most 5 minutes, `sub`, `aud` and `jti` present.
 * - 403 `REVOCATION_NOT_PERMITTED`: a genuine, fresh token of the org, but
 *   minted for someone else — another app of the org (`sub` is not the
 *   tenant's client id) or another endpoint (`aud` is not exactly this URL,
 *   e.g. another tenant's on this service).
 *
 * The caller records the `jti` only after both tiers pass.
 */
export async function verifyRevocationToken(
  token: string,
  getKey: JWTVerifyGetKey,
  expected: RevocationTokenExpectations,
): Promise<VerifiedRevocationToken> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, getKey, {
      algorithms: [...REVOCATION_TOKEN_ALGORITHMS],
      typ: REVOCATION_TOKEN_TYPE,
      issuer: expected.orgUrl,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
      // Also refuses an `iat` in the future (beyond the skew).
      maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS,
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: expected.now,
    }));
  } catch (error) {
    const rejection = jwtRejection(error);
    if (rejection === 'keys_unavailable') {
      throw new ServiceError('JWKS_FAILED', { reason: 'jwks_unreachable', cause: error });
    }
    throw unauthenticated(rejection, error);
  }
  const { exp, iat, jti, sub, aud } = payload;
  if (typeof exp !== 'number' || typeof iat !== 'number') throw unauthenticated('missing_claim');
  if (exp - iat > MAX_TOKEN_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) throw unauthenticated('lifetime');
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
    throw unauthenticated('missing_claim');
  if (typeof sub !== 'string' || sub.length === 0) throw unauthenticated('missing_claim');

  if (sub !== expected.clientId) {
    throw new ServiceError('REVOCATION_NOT_PERMITTED', { reason: 'revocation_other_client' });
  }
  // One audience, exactly this URL: a token that also names other endpoints could be spent at each of them.
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (audiences.length !== 1 || audiences[0] !== expected.endpoint) {
    throw new ServiceError('REVOCATION_NOT_PERMITTED', {
      reason: 'revocation_other_endpoint',
      details: { endpoint: expected.endpoint },
    });
  }
  return { jti, exp };
}
