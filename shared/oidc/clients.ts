import type { ServiceConfig } from '../config.ts';
import { DiscoveryCache } from './discovery.ts';
import { createHttpFetch, type FetchLike } from './http-fetch.ts';
import { SigningKeysCache } from './signing-keys.ts';

export interface OktaClients {
  /** One keep-alive client for discovery, JWKS and token calls; private addresses refused outside local mode. */
  readonly fetch: FetchLike;
  /** Discovery documents, cached per issuer for the life of the container. */
  readonly discovery: DiscoveryCache;
  /** Key sets, cached per `jwks_uri`, refetched on an unknown `kid` with a cooldown. */
  readonly signingKeys: SigningKeysCache;
}

/** What a function needs to talk to tenants' Okta, built once per cold start from the deployment's settings. */
export function createOktaClients(
  config: ServiceConfig,
  options: { readonly discoveryMaxAgeMs?: number } = {},
): OktaClients {
  const fetch = createHttpFetch({ blockPrivateAddresses: !config.allowLoopbackIssuers });
  return {
    fetch,
    discovery: new DiscoveryCache({
      fetch,
      timeoutMs: config.idpTimeoutMs,
      allowLoopback: config.allowLoopbackIssuers,
      ...(options.discoveryMaxAgeMs !== undefined ? { maxAgeMs: options.discoveryMaxAgeMs } : {}),
    }),
    signingKeys: new SigningKeysCache({
      fetch,
      timeoutMs: config.idpTimeoutMs,
      cooldownMs: config.jwksRefetchCooldownSeconds * 1000,
    }),
  };
}
