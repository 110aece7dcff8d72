import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../../shared/errors.ts';
import { verifyIdToken } from '../../shared/oidc/verify-id-token.ts';

const ISSUER = 'https://acme.okta.example/oauth2/default';
const CLIENT_ID = '0oa-client';
const NONCE = 'n-0S6_WzA2Mj';
const NOW = new Date('2026-11-22T12:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);

let privateKey: CryptoKey;
let otherPrivateKey: CryptoKey;
let jwks: { keys: JWK[] };

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherPrivateKey = (await generateKeyPair('RS256')).privateKey;
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
});

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    iss: ISSUER,
    sub: '00u1abcd',
    aud: CLIENT_ID,
    iat: nowSeconds - 10,
    exp: nowSeconds + 300,
    nonce: NONCE,
    email: 'ada@acme.example',
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete base[key];
    else base[key] = value;
  }
  return base;
}

async function sign(payload: Record<string, unknown>, options: { key?: CryptoKey; kid?: string | null } = {}) {
  const header = options.kid === null ? { alg: 'RS256' } : { alg: 'RS256', kid: options.kid ?? 'k1' };
  return new SignJWT(payload).setProtectedHeader(header).sign(options.key ?? privateKey);
}

async function verify(token: string) {
  return verifyIdToken(token, createLocalJWKSet(jwks), {
    issuer: ISSUER,
    clientId: CLIENT_ID,
    nonce: NONCE,
    currentDate: NOW,
  });
}

async function rejection(token: string): Promise<string | undefined> {
  try {
    await verify(token);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return (error as ServiceError).reason;
  }
}

describe('Function: verifyIdToken', () => {
  it('accepts a valid RS256 token and returns its claims', async () => {
    const result = await verify(await sign(claims()));
    expect(result.sub).toBe('00u1abcd');
    expect(result.email).toBe('ada@acme.example');
  });

  it('accepts a token without kid when the JWKS has a single key', async () => {
    const result = await verify(await sign(claims(), { kid: null }));
    expect(result.sub).toBe('00u1abcd');
  });

  it.each([
    ['a wrong issuer', { iss: 'https://evil.example' }, 'id_token_issuer'],
    ['an issuer with a trailing slash', { iss: `${ISSUER}/` }, 'id_token_issuer'],
    ['a missing issuer', { iss: undefined }, 'id_token_missing_claim'],
    ['a wrong audience', { aud: 'other-client' }, 'id_token_audience'],
    ['a missing audience', { aud: undefined }, 'id_token_missing_claim'],
    [
      'an extra untrusted audience',
      { aud: [CLIENT_ID, 'someone-else'], azp: CLIENT_ID },
      'id_token_untrusted_audience',
    ],
    ['azp naming another client', { azp: 'other-client' }, 'id_token_azp'],
    ['several audiences and no azp', { aud: [CLIENT_ID, CLIENT_ID] }, 'id_token_azp'],
    ['an expired token', { exp: nowSeconds - 120 }, 'id_token_expired'],
    ['nbf in the future', { nbf: nowSeconds + 600 }, 'id_token_not_yet_valid'],
    ['a missing iat', { iat: undefined }, 'id_token_missing_claim'],
    ['a missing sub', { sub: undefined }, 'id_token_missing_claim'],
    ['an empty sub', { sub: '' }, 'id_token_missing_claim'],
    ['a wrong nonce', { nonce: 'other' }, 'id_token_nonce'],
    ['a missing nonce', { nonce: undefined }, 'id_token_nonce'],
  ])('rejects %s', async (_name, overrides, reason) => {
    expect(await rejection(await sign(claims(overrides)))).toBe(reason);
  });

  it('tolerates small clock skew on exp', async () => {
    const result = await verify(await sign(claims({ exp: nowSeconds - 30 })));
    expect(result.sub).toBe('00u1abcd');
  });

  it('rejects a token signed by a key that is not in the JWKS', async () => {
    expect(await rejection(await sign(claims(), { key: otherPrivateKey }))).toBe('id_token_signature');
  });

  it('rejects a token whose kid is unknown', async () => {
    expect(await rejection(await sign(claims(), { kid: 'unknown' }))).toBe('id_token_unknown_key');
  });

  it('rejects a valid signature over a different payload', async () => {
    const good = await sign(claims());
    const forged = await sign(claims({ sub: '00uattacker' }));
    const [header, , signature] = good.split('.');
    const [, forgedPayload] = forged.split('.');
    expect(await rejection(`${header}.${forgedPayload}.${signature}`)).toBe('id_token_signature');
  });

  it('rejects alg none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims())).toString('base64url');
    expect(await rejection(`${header}.${payload}.`)).toBe('id_token_algorithm');
  });

  it('rejects HS256 signed with a shared secret', async () => {
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('the-client-secret-the-client-secret'));
    expect(await rejection(token)).toBe('id_token_algorithm');
  });

  it('rejects garbage', async () => {
    expect(await rejection('not-a-jwt')).toBe('id_token_malformed');
  });
});
