/**
 * Lambda entry for `/t/{tenant}/login` and `/t/{tenant}/callback` (GET and POST).
 * Composition root: config, clients and caches are built once per cold start
 * and reused by every invocation of this container.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createLoginSecrets } from '../shared/adapters/login-secrets.ts';
import { PowertoolsLoginTelemetry } from '../shared/adapters/powertools-telemetry.ts';
import { createStores } from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { createLoginHandler } from '../shared/login/routes.ts';
import { DiscoveryCache } from '../shared/oidc/discovery.ts';
import { createHttpFetch } from '../shared/oidc/http-fetch.ts';
import { SigningKeysCache } from '../shared/oidc/signing-keys.ts';
import { TenantDirectory } from '../shared/tenant-directory.ts';

const config = readConfig();
const stores = createStores(config);
const secrets = createLoginSecrets(config, stores.client);
// One keep-alive client for discovery, JWKS and the token endpoint.
const fetchImpl = createHttpFetch({ blockPrivateAddresses: !config.allowLoopbackIssuers });

export const handler = createLoginHandler({
  config,
  tenants: new TenantDirectory(stores.tenants, { ttlMs: config.tenantCacheSeconds * 1000 }),
  clientSecrets: secrets.clientSecrets,
  stateKeys: secrets.stateKeys,
  logins: stores.logins,
  audit: stores.audit,
  setup: stores.setup,
  discovery: new DiscoveryCache({
    fetch: fetchImpl,
    timeoutMs: config.idpTimeoutMs,
    allowLoopback: config.allowLoopbackIssuers,
  }),
  signingKeys: new SigningKeysCache({
    fetch: fetchImpl,
    timeoutMs: config.idpTimeoutMs,
    cooldownMs: config.jwksRefetchCooldownSeconds * 1000,
  }),
  fetch: fetchImpl,
  telemetry: new PowertoolsLoginTelemetry(),
  logger: new Logger(),
  now: () => new Date(),
});
