/**
 * A tenant's Okta org authorization server, as far as Universal Logout sees
 * it: discovery at the org URL (`/.well-known/openid-configuration`, issuer
 * exactly the org URL) naming a `jwks_uri` that serves a real RSA key set,
 * and a signer for Okta's Global Token Revocation JWTs with that key — or, to
 * play an attacker, with a key the org does not publish, with `alg: none`,
 * with HS256, or over a tampered payload. The tenant's ID tokens come from
 * another server (a custom authorization server), as with Okta.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export type Signing = 'org-key' | 'unknown-key' | 'none' | 'hs256' | 'tamper-payload';

export interface SignOptions {
  /** Header fields to set; `undefined` removes one (e.g. `typ`). */
  readonly header?: Record<string, unknown>;
  /** @default 'org-key' */
  readonly signing?: Signing;
}

export interface TestOktaOrg {
  /** The org URL: the issuer of the org authorization server, and the tenant's `--org-url`. */
  readonly url: string;
  /** Requests to discovery and to the key set, to show when nothing was fetched. */
  readonly counters: { discovery: number; jwks: number };
  /**
   * A Global Token Revocation JWT as Okta sends it (typ
   * global-token-revocation+jwt, RS256, iss the org URL, sub the app's client
   * id, aud the endpoint, iat and nbf now, exp in 5 minutes, a fresh jti);
   * `claims` set or, when undefined, remove claims.
   */
  revocationToken(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  stop(): Promise<void>;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startTestOktaOrg(): Promise<TestOktaOrg> {
  const orgKey = await generateKeyPair('RS256');
  const strangerKey = await generateKeyPair('RS256');
  const kid = `org-${randomUUID().slice(0, 8)}`;
  const jwks: { keys: JWK[] } = {
    keys: [{ ...(await exportJWK(orgKey.publicKey)), kid, alg: 'RS256', use: 'sig' }],
  };
  const counters = { discovery: 0, jwks: 0 };
  let url = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path === '/.well-known/openid-configuration') {
      counters.discovery++;
      send({
        issuer: url,
        authorization_endpoint: `${url}/oauth2/v1/authorize`,
        token_endpoint: `${url}/oauth2/v1/token`,
        jwks_uri: `${url}/oauth2/v1/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
      return;
    }
    if (path === '/oauth2/v1/keys') {
      counters.jwks++;
      send(jwks);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function sign(claims: Record<string, unknown>, options: SignOptions = {}): Promise<string> {
    const header: Record<string, unknown> = { alg: 'RS256', kid, typ: 'global-token-revocation+jwt' };
    for (const [name, value] of Object.entries(options.header ?? {})) {
      if (value === undefined) delete header[name];
      else header[name] = value;
    }
    switch (options.signing ?? 'org-key') {
      case 'none':
        return `${encode({ ...header, alg: 'none' })}.${encode(claims)}.`;
      case 'hs256':
        // The classic confusion: the org's public key, or any shared secret, as an HMAC key.
        return new SignJWT(claims)
          .setProtectedHeader({ ...header, alg: 'HS256' } as { alg: string })
          .sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
      case 'unknown-key':
        return new SignJWT(claims)
          .setProtectedHeader({ ...header, kid: 'not-published' } as unknown as { alg: string })
          .sign(strangerKey.privateKey);
      case 'tamper-payload': {
        const [h, , s] = (
          await new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(orgKey.privateKey)
        ).split('.');
        return `${h}.${encode({ ...claims, sub_tampered: true })}.${s}`;
      }
      default:
        return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(orgKey.privateKey);
    }
  }

  return {
    url,
    counters,
    revocationToken(overrides, options) {
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        iss: url,
        iat: now,
        nbf: now,
        exp: now + 300,
        jti: `ID.${randomUUID()}`,
        ...overrides,
      };
      for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
      return sign(claims, options);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
