/**
 * The authorizer's app-credential check (shared/app-credentials.ts) refuses
 * our own session tokens: a deployment that points APP_CREDENTIAL_* at this
 * service's issuer and key set still cannot have a session token (meant for
 * the app's backend, living until `exp` whatever happens to the session)
 * accepted as an app credential.
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAppCredentialVerifier } from '../../shared/app-credentials.ts';

const ISSUER = 'https://login.example.com';
const AUDIENCE = 'https://app.example.com';
const TENANT = 'acme';

let privateKey: CryptoKey;
let verifier: ReturnType<typeof createAppCredentialVerifier>;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] });
  verifier = createAppCredentialVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: `${ISSUER}/jwks` }, jwks);
});

function token(typ: string | undefined) {
  return new SignJWT({ tenant: TENANT, sub: 'u_1' })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...(typ !== undefined ? { typ } : {}) })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
}

describe('app credentials', () => {
  it('accepts a valid credential of the app’s issuer (no typ, or JWT)', async () => {
    for (const typ of [undefined, 'JWT', 'at+jwt']) {
      await expect(verifier.verify(await token(typ), TENANT), String(typ)).resolves.toEqual({ sub: 'u_1' });
    }
  });

  it('refuses a session token, however its typ is spelled, although issuer, audience and key are right', async () => {
    for (const typ of ['session+jwt', 'SESSION+JWT', 'application/session+jwt', 'Application/Session+JWT']) {
      await expect(verifier.verify(await token(typ), TENANT), typ).resolves.toBeUndefined();
    }
  });

  it('refuses what is not a JWS at all without throwing', async () => {
    for (const bad of ['', 'x', 'a.b.c', '..', `${Buffer.from('[').toString('base64url')}.e30.`]) {
      await expect(verifier.verify(bad, TENANT), bad).resolves.toBeUndefined();
    }
  });
});
