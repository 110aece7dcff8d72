/**
 * `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`:
 * the public keys that sign session tokens, and the minimal discovery
 * document JWT verifiers start from. Both are public, read only the public
 * key set, and carry no credentials (no cookies read or set).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ServiceConfig } from '../config.ts';
import { ServiceError } from '../errors.ts';
import { createHttpHandler } from '../http/middleware.ts';
import { type HttpResult, json } from '../http/responses.ts';
import type { PublicKeyStore } from '../ports.ts';
import { publishedJwks, SIGNING_ALGORITHM } from './keys.ts';

export const JWKS_PATH = '/.well-known/jwks.json';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/**
 * Verifiers may cache the key set this long. Short, because a key removed in
 * an emergency stops verifying only once verifiers refetch; new keys are
 * published long before they sign, so caching never hides a signing key.
 */
export const PUBLIC_KEYS_MAX_AGE_SECONDS = 300;

export interface PublicKeyRouteDependencies {
  readonly config: Pick<ServiceConfig, 'publicUrl'>;
  /** Only the public store: this function cannot read a private key. */
  readonly publicKeys: PublicKeyStore;
  readonly logger: Logger;
  readonly now: () => Date;
}

/**
 * The issuer every session token names (`iss`) and the discovery document
 * states: `PUBLIC_URL`'s origin, never the request's host (a verifier
 * compares it as a string, and a Host header is the caller's to choose).
 */
export function tokenIssuer(config: Pick<ServiceConfig, 'publicUrl'>): string {
  if (!config.publicUrl) throw new ServiceError('CONFIGURATION_ERROR', { reason: 'no_public_url' });
  return new URL(config.publicUrl).origin;
}

/** Public, cacheable, readable from any origin (no credentials are involved). */
function publicJson(value: unknown): HttpResult {
  const response = json(200, value);
  response.headers['cache-control'] = `public, max-age=${PUBLIC_KEYS_MAX_AGE_SECONDS}`;
  delete response.headers.pragma;
  response.headers['access-control-allow-origin'] = '*';
  return response;
}

/** The JWKS: each published key cut to `kty`, `n`, `e`, `kid`, `alg`, `use` (`publishedJwks`). */
export async function jwks(deps: PublicKeyRouteDependencies): Promise<HttpResult> {
  const set = await deps.publicKeys.getPublicKeys();
  const body = set ? publishedJwks(set, deps.now().getTime()) : { keys: [] };
  return publicJson(body);
}

/**
 * A minimal discovery document. It exists for JWT verifiers that start from
 * an issuer URL (API Gateway's JWT authorizer, jose's and other libraries'
 * discovery): this service is not an OpenID Provider (no authorization or
 * token endpoint) and must not be registered as an identity provider.
 */
export async function discovery(deps: PublicKeyRouteDependencies): Promise<HttpResult> {
  const issuer = tokenIssuer(deps.config);
  return publicJson({
    issuer,
    jwks_uri: `${issuer}${JWKS_PATH}`,
    id_token_signing_alg_values_supported: [SIGNING_ALGORITHM],
  });
}

/** The public keys function's handler: both routes, through the shared middleware. */
export function createPublicKeysHandler(deps: PublicKeyRouteDependencies) {
  return createHttpHandler(
    {
      [`GET ${JWKS_PATH}`]: () => jwks(deps),
      [`GET ${DISCOVERY_PATH}`]: () => discovery(deps),
    },
    { logger: deps.logger },
  );
}
