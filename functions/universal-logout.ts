/**
 * Lambda entry for `POST /t/{tenant}/global-token-revocation` (Okta Universal
 * Logout). Composition root, built once per cold start. A function of its own:
 * its callers are Okta's servers, not browsers, and it alone may query the
 * user-sessions index.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { PowertoolsUniversalLogoutTelemetry } from '../shared/adapters/powertools-telemetry.ts';
import { createStores } from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { DiscoveryCache } from '../shared/oidc/discovery.ts';
import { createHttpFetch } from '../shared/oidc/http-fetch.ts';
import { SigningKeysCache } from '../shared/oidc/signing-keys.ts';
import { TenantDirectory } from '../shared/tenant-directory.ts';
import { createUniversalLogoutHandler } from '../shared/universal-logout/routes.ts';

const config = readConfig();
const stores = createStores(config);
// Discovery and JWKS of the tenants' Okta orgs, refusing private addresses outside local mode.
const fetchImpl = createHttpFetch({ blockPrivateAddresses: !config.allowLoopbackIssuers });

export const handler = createUniversalLogoutHandler({
  config,
  // No positive cache: a tenant turning the endpoint off (or changing its org URL) applies at once.
  tenants: new TenantDirectory(stores.tenants, { ttlMs: 0 }),
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
  replays: stores.replays,
  users: stores.users,
  sessions: stores.sessions,
  audit: stores.audit,
  telemetry: new PowertoolsUniversalLogoutTelemetry(),
  logger: new Logger(),
  now: () => new Date(),
});
