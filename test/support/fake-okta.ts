/**
 * A scripted OpenID Provider behind a fetch function, for unit tests of the
 * login flow with in-memory ports (no sockets). End-to-end tests use a real
 * oidc-provider instead.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export const FAKE_ISSUER = 'https://acme.okta.example/oauth2/default';

export interface FakeOkta {
  fetch: (input: string, init?: RequestInit) => Promise<Response>;
  calls: Array<{ url: string; init: RequestInit | undefined }>;
  /** Claims for the next token response; `nonce` is filled from the last authorize URL by the test. */
  nextIdToken: (claims: Record<string, unknown>) => Promise<void>;
  tokenResponse: { status: number; body: unknown } | undefined;
}

export async function createFakeOkta(): Promise<FakeOkta> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const okta: FakeOkta = {
    calls: [],
    tokenResponse: undefined,
    nextIdToken: async (claims) => {
      const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
      okta.tokenResponse = { status: 200, body: { id_token: idToken, token_type: 'Bearer', access_token: 'at' } };
    },
    fetch: async (input, init) => {
      okta.calls.push({ url: input, init });
      const url = new URL(input);
      const json = (status: number, body: unknown) =>
        new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      if (url.pathname.endsWith('/.well-known/openid-configuration')) {
        return json(200, {
          issuer: FAKE_ISSUER,
          authorization_endpoint: `${FAKE_ISSUER}/v1/authorize`,
          token_endpoint: `${FAKE_ISSUER}/v1/token`,
          jwks_uri: `${FAKE_ISSUER}/v1/keys`,
        });
      }
      if (url.pathname.endsWith('/v1/keys')) return json(200, { keys: [jwk] });
      if (url.pathname.endsWith('/v1/token')) {
        const response = okta.tokenResponse ?? { status: 400, body: { error: 'invalid_grant' } };
        return json(response.status, response.body);
      }
      return json(404, {});
    },
  };
  return okta;
}
