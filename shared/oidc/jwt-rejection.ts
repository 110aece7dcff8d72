import { errors } from 'jose';
import { isKeyFetchFailure } from './signing-keys.ts';

/**
 * Why jose refused a JWT, one reason per rule: the reasons of ID tokens
 * (`verify-id-token.ts`) and of Universal Logout tokens
 * (`universal-logout/verify-token.ts`) come from here, each prefixed by its
 * verifier. jose reports only what it was asked to check: an ID token is never
 * refused for its `typ`, a revocation token never for its `aud` (checked after
 * jose, for a 403).
 */
export type JwtRejection =
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'unknown_key'
  | 'type'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_claim'
  /** The key set could not be fetched: the issuer's problem (or ours), not the caller's. */
  | 'keys_unavailable';

/** The rule a `jwtVerify` error broke; anything unrecognised is `malformed`. */
export function jwtRejection(error: unknown): JwtRejection {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return 'missing_claim';
    if (error.claim === 'typ') return 'type';
    if (error.claim === 'iss') return 'issuer';
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'nbf' || error.claim === 'iat') return 'not_yet_valid';
    return 'malformed';
  }
  // Only an algorithm outside the pinned list. jose's "not supported" (JOSENotSupported) with a
  // pinned, allowed algorithm means a `crit` extension it does not know: a token we cannot read.
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'unknown_key';
  }
  if (isKeyFetchFailure(error)) return 'keys_unavailable';
  return 'malformed';
}
