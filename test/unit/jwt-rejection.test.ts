/**
 * The one mapping from jose's errors to refusal reasons, used by both JWT
 * verifiers (ID tokens and Universal Logout tokens), which had a copy each.
 */
import { createLocalJWKSet, errors, exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServiceError } from '../../shared/errors.ts';
import { jwtRejection } from '../../shared/oidc/jwt-rejection.ts';
import { verifyIdToken } from '../../shared/oidc/verify-id-token.ts';
import { verifyRevocationToken } from '../../shared/universal-logout/verify-token.ts';

describe('jwtRejection', () => {
  const claimFailed = (claim: string, reason = 'check_failed') =>
    new errors.JWTClaimValidationFailed('refused', {}, claim, reason);
  it.each([
    [new errors.JWTExpired('expired', {}, 'exp', 'check_failed'), 'expired'],
    [claimFailed('sub', 'missing'), 'missing_claim'],
    [claimFailed('typ'), 'type'],
    [claimFailed('iss'), 'issuer'],
    [claimFailed('aud'), 'audience'],
    [claimFailed('nbf'), 'not_yet_valid'],
    [claimFailed('iat'), 'not_yet_valid'],
    [claimFailed('exp'), 'malformed'],
    [new errors.JOSEAlgNotAllowed('alg'), 'algorithm'],
    [new errors.JWSSignatureVerificationFailed(), 'signature'],
    [new errors.JWKSNoMatchingKey(), 'unknown_key'],
    [new errors.JWKSMultipleMatchingKeys(), 'unknown_key'],
    [new errors.JWKSTimeout(), 'keys_unavailable'],
    [new TypeError('fetch failed'), 'keys_unavailable'],
    [new errors.JOSENotSupported('crit'), 'malformed'],
    [new errors.JWSInvalid('bad'), 'malformed'],
    [new Error('anything else'), 'malformed'],
  ])('%s → %s', (error, reason) => {
    expect(jwtRejection(error)).toBe(reason);
  });
});

/**
 * Where the copies disagreed: jose's "not supported" (with a pinned algorithm:
 * a `crit` extension it does not know) was `algorithm` for Universal Logout
 * and `malformed` for ID tokens. Both now say `malformed`: the algorithm was
 * allowed, the token is one we cannot read.
 */
describe('a token with an unknown critical header extension', () => {
  const NOW = new Date('2026-11-25T12:00:00Z');
  const now = Math.floor(NOW.getTime() / 1000);
  let privateKey: CryptoKey;
  let jwks: { keys: JWK[] };

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
  });

  /** Signed by hand: jose refuses to sign a `crit` it does not know either. */
  async function signWithCrit(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ ...header, alg: 'RS256', kid: 'k1', crit: ['x-ext'], 'x-ext': 1 })}.${encode(claims)}`;
    const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', privateKey, new TextEncoder().encode(input));
    return `${input}.${Buffer.from(signature).toString('base64url')}`;
  }

  const reasonOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: ServiceError) => error.reason,
    );

  it('is malformed as an ID token', async () => {
    const issuer = 'https://acme.okta.example';
    const claims = { iss: issuer, sub: '00u1', aud: '0oa1', iat: now, exp: now + 300, nonce: 'n' };
    const token = await signWithCrit({}, claims);
    const verifying = verifyIdToken(token, createLocalJWKSet(jwks), {
      issuer,
      clientId: '0oa1',
      nonce: 'n',
      currentDate: NOW,
    });
    expect(await reasonOf(verifying)).toBe('id_token_malformed');
  });

  it('is malformed as a Universal Logout token', async () => {
    const orgUrl = 'https://acme.okta.example';
    const endpoint = 'https://login.example.com/t/acme/global-token-revocation';
    const claims = { iss: orgUrl, sub: '0oa1', aud: endpoint, iat: now, exp: now + 300, jti: 'j1' };
    const token = await signWithCrit({ typ: 'global-token-revocation+jwt' }, claims);
    const verifying = verifyRevocationToken(token, createLocalJWKSet(jwks), {
      orgUrl,
      clientId: '0oa1',
      endpoint,
      now: NOW,
    });
    expect(await reasonOf(verifying)).toBe('revocation_token_malformed');
  });
});
