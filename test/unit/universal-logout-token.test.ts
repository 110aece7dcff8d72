import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../../shared/errors.ts';
import { describeError } from '../../shared/http/error-catalogue.ts';
import { verifyRevocationToken } from '../../shared/universal-logout/verify-token.ts';

const ORG = 'https://acme.okta.example';
const CLIENT_ID = '0oa-acme';
const ENDPOINT = 'https://login.example.com/t/acme/global-token-revocation';
const NOW = new Date('2026-11-25T12:00:00Z');
const now = Math.floor(NOW.getTime() / 1000);

let privateKey: CryptoKey;
let strangerKey: CryptoKey;
let jwks: { keys: JWK[] };

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'org-1', alg: 'RS256', use: 'sig' }] };
});

/** Okta's claims (iat now, exp 5 minutes on, nbf now), with `overrides` set or, when undefined, removed. */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    iss: ORG,
    sub: CLIENT_ID,
    aud: ENDPOINT,
    iat: now,
    nbf: now,
    exp: now + 300,
    jti: 'ID.f3ZzJ8pMbX0Vn2T9',
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[key];
    else base[key] = value;
  }
  return base;
}

type Header = Record<string, unknown>;
const HEADER: Header = { alg: 'RS256', kid: 'org-1', typ: 'global-token-revocation+jwt' };
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function sign(payload: Record<string, unknown>, header: Header = {}, key: CryptoKey = privateKey) {
  const merged = { ...HEADER, ...header };
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete merged[name];
  return new SignJWT(payload).setProtectedHeader(merged as { alg: string }).sign(key);
}

/** `CODE/reason` of the refusal, or `accepted`. */
async function outcome(token: string | Promise<string>): Promise<string> {
  try {
    await verifyRevocationToken(await token, createLocalJWKSet(jwks), {
      orgUrl: ORG,
      clientId: CLIENT_ID,
      endpoint: ENDPOINT,
      now: NOW,
    });
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    const { code, reason } = error as ServiceError;
    return `${code}/${reason}`;
  }
}

const unauthorized = (rejection: string) => `REVOCATION_TOKEN_INVALID/revocation_token_${rejection}`;

describe('Universal Logout: the bearer token’s rules', () => {
  it('accepts the token Okta sends, and the same without nbf, a typ with the media type prefix, or aud as a one-element list', async () => {
    expect(await outcome(sign(claims()))).toBe('accepted');
    expect(await outcome(sign(claims({ nbf: undefined })))).toBe('accepted');
    expect(await outcome(sign(claims(), { typ: 'application/global-token-revocation+jwt' }))).toBe('accepted');
    expect(await outcome(sign(claims({ aud: [ENDPOINT] })))).toBe('accepted');
    // Within the 60 s skew on every clock rule.
    expect(await outcome(sign(claims({ iat: now + 30, nbf: now + 30, exp: now + 330 })))).toBe('accepted');
    expect(await outcome(sign(claims({ iat: now - 330, nbf: now - 330, exp: now - 30 })))).toBe('accepted');
  });

  it.each([
    ['signed by a key the org does not publish', () => sign(claims(), { kid: 'org-1' }, strangerKey), 'signature'],
    ['signed by an unknown kid', () => sign(claims(), { kid: 'elsewhere' }, strangerKey), 'unknown_key'],
    [
      'a valid signature over another payload',
      async () => {
        const [header, , signature] = (await sign(claims())).split('.');
        return `${header}.${encode(claims({ sub: 'tampered' }))}.${signature}`;
      },
      'signature',
    ],
    ['alg none', async () => `${encode({ ...HEADER, alg: 'none' })}.${encode(claims())}.`, 'algorithm'],
    [
      'HS256',
      () =>
        new SignJWT(claims())
          .setProtectedHeader({ ...HEADER, alg: 'HS256' } as { alg: string })
          .sign(new TextEncoder().encode('x'.repeat(32))),
      'algorithm',
    ],
    ['RS512', async () => sign(claims(), { alg: 'RS512' }, (await generateKeyPair('RS512')).privateKey), 'algorithm'],
    ['typ JWT', () => sign(claims(), { typ: 'JWT' }), 'type'],
    ['typ logout+jwt (a back-channel logout token)', () => sign(claims(), { typ: 'logout+jwt' }), 'type'],
    ['no typ', () => sign(claims(), { typ: undefined }), 'type'],
    ['another issuer', () => sign(claims({ iss: 'https://evil.okta.example' })), 'issuer'],
    ['the issuer with a trailing slash', () => sign(claims({ iss: `${ORG}/` })), 'issuer'],
    ['a custom authorization server of the org', () => sign(claims({ iss: `${ORG}/oauth2/default` })), 'issuer'],
    ['expired', () => sign(claims({ iat: now - 400, nbf: now - 400, exp: now - 100 })), 'expired'],
    ['issued more than 5 minutes ago', () => sign(claims({ iat: now - 400, exp: now + 10 })), 'expired'],
    ['not valid yet (nbf)', () => sign(claims({ nbf: now + 120 })), 'not_yet_valid'],
    ['issued in the future', () => sign(claims({ iat: now + 120, exp: now + 400 })), 'not_yet_valid'],
    ['valid for an hour', () => sign(claims({ exp: now + 3600 })), 'lifetime'],
    ['valid for 7 minutes', () => sign(claims({ exp: now + 420 })), 'lifetime'],
    ['without iss', () => sign(claims({ iss: undefined })), 'missing_claim'],
    ['without sub', () => sign(claims({ sub: undefined })), 'missing_claim'],
    ['without aud', () => sign(claims({ aud: undefined })), 'missing_claim'],
    ['without exp', () => sign(claims({ exp: undefined })), 'missing_claim'],
    ['without iat', () => sign(claims({ iat: undefined })), 'missing_claim'],
    ['without jti', () => sign(claims({ jti: undefined })), 'missing_claim'],
    ['with an empty jti', () => sign(claims({ jti: '' })), 'missing_claim'],
    ['with a numeric jti', () => sign(claims({ jti: 42 })), 'missing_claim'],
    ['with an empty sub', () => sign(claims({ sub: '' })), 'missing_claim'],
    ['not a JWT', async () => 'not-a-jwt', 'malformed'],
    ['a JWT with a string exp', () => sign(claims({ exp: String(now + 300) })), 'malformed'],
  ])('refuses a token %s with a 401', async (_name, token, rejection) => {
    expect(await outcome(token())).toBe(unauthorized(rejection));
  });

  it.each([
    ['for another app of the org', claims({ sub: '0oa-other-app' }), 'revocation_other_client'],
    [
      'for another tenant’s endpoint',
      claims({ aud: ENDPOINT.replace('/t/acme/', '/t/globex/') }),
      'revocation_other_endpoint',
    ],
    [
      'for this path on another host',
      claims({ aud: ENDPOINT.replace('login.example.com', 'evil.example') }),
      'revocation_other_endpoint',
    ],
    [
      'for this endpoint and another one',
      claims({ aud: [ENDPOINT, 'https://other.example/gtr'] }),
      'revocation_other_endpoint',
    ],
    ['for the endpoint with a trailing slash', claims({ aud: `${ENDPOINT}/` }), 'revocation_other_endpoint'],
  ])('refuses a genuine token minted %s with a 403', async (_name, payload, reason) => {
    expect(await outcome(sign(payload))).toBe(`REVOCATION_NOT_PERMITTED/${reason}`);
  });

  it('tells the caller which rule failed in the catalogue’s words, as OAuth-style codes', async () => {
    const described = (code: string, reason: string, details: Record<string, string> = {}) =>
      describeError(new ServiceError(code as ServiceError['code'], { reason, details }));
    expect(described('REVOCATION_TOKEN_INVALID', 'revocation_token_lifetime', { maxMinutes: '5' })).toMatchObject({
      status: 401,
      oauthError: 'invalid_token',
      message: 'The bearer token is valid for longer than 5 minutes.',
    });
    expect(described('REVOCATION_NOT_PERMITTED', 'revocation_other_endpoint', { endpoint: ENDPOINT })).toMatchObject({
      status: 403,
      oauthError: 'access_denied',
      message: `This token was issued for another endpoint. This endpoint is ${ENDPOINT}.`,
    });
    expect(described('SUBJECT_FORMAT_UNSUPPORTED', 'x')).toMatchObject({
      status: 422,
      oauthError: 'unsupported_subject_format',
    });
    expect(described('STORE_UNAVAILABLE', 'x')).toMatchObject({ status: 503, oauthError: 'temporarily_unavailable' });
  });
});
