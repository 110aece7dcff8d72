import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { ServiceError } from '../errors.ts';
import { type JwtRejection, jwtRejection } from './jwt-rejection.ts';

export interface IdTokenExpectations {
  /** Exact issuer (no normalisation: a trailing slash difference is a mismatch). */
  readonly issuer: string;
  readonly clientId: string;
  /** The nonce sent in the authorization request. */
  readonly nonce: string;
  /** Pinned signing algorithms. @default ['RS256'] */
  readonly algorithms?: readonly string[];
  /** Audiences besides our client id that may appear in `aud`. @default [] */
  readonly trustedAudiences?: readonly string[];
  /** Allowed clock skew in seconds for exp/nbf/iat. @default 60 */
  readonly clockToleranceSeconds?: number;
  /** Current time, for tests. */
  readonly currentDate?: Date;
}

export interface IdTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nonce: string;
}

/**
 * Reason codes for metrics and logs; one per rule in ARCHITECTURE.md "ID token
 * rules": the ones jose reports (`jwt-rejection.ts`) and ours.
 */
export type IdTokenRejection = JwtRejection | 'untrusted_audience' | 'azp' | 'nonce';

function reject(rejection: IdTokenRejection, cause?: unknown): ServiceError {
  if (rejection === 'keys_unavailable') return new ServiceError('JWKS_FAILED', { reason: 'jwks_unreachable', cause });
  return new ServiceError('ID_TOKEN_INVALID', { reason: `id_token_${rejection}`, cause });
}

/**
 * Validates an ID token per OIDC Core §3.1.3.7. jose checks signature, pinned
 * algorithm, `iss`, `aud`, `exp`, `nbf` and presence of the claims we list;
 * the extra-audience, `azp` and `nonce` rules are ours.
 */
export async function verifyIdToken(
  idToken: string,
  getKey: JWTVerifyGetKey,
  expected: IdTokenExpectations,
): Promise<IdTokenClaims> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, getKey, {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: [...(expected.algorithms ?? ['RS256'])],
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
      clockTolerance: expected.clockToleranceSeconds ?? 60,
      ...(expected.currentDate ? { currentDate: expected.currentDate } : {}),
    }));
  } catch (error) {
    throw reject(jwtRejection(error), error);
  }

  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
    throw reject('missing_claim');
  }
  if (typeof payload.iat !== 'number') throw reject('missing_claim');

  // §3.1.3.7 (3): the ID token MUST be rejected if it lists audiences not trusted by the client.
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const trusted = new Set([expected.clientId, ...(expected.trustedAudiences ?? [])]);
  if (audiences.some((audience) => typeof audience !== 'string' || !trusted.has(audience))) {
    throw reject('untrusted_audience');
  }
  // §3.1.3.7 (4, 5): with several audiences azp should be present; when present it MUST be our client id.
  if (payload.azp !== undefined && payload.azp !== expected.clientId) throw reject('azp');
  if (audiences.length > 1 && payload.azp === undefined) throw reject('azp');

  // §3.1.3.7 (11): nonce must equal the value we sent.
  if (typeof payload.nonce !== 'string' || payload.nonce !== expected.nonce) throw reject('nonce');

  return payload as IdTokenClaims;
}
