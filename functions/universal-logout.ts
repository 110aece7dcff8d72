/**
 * Lambda entry for `POST /t/{tenant}/global-token-revocation` (Okta Universal
 * Logout). Composition root, built once per cold start. A function of its own:
 * its callers are Okta's servers, not browsers, and it alone may query the
 * user-sessions index.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { PowertoolsUniversalLogoutTelemetry } from '../shared/adapters/powertools-telemetry.ts';
import {
  auditLogOn,
  openTable,
  replayGuardOn,
  sessionStoreOn,
  tenantReaderOn,
  userDirectoryOn,
} from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { createOktaClients } from '../shared/oidc/clients.ts';
import { TenantDirectory } from '../shared/tenant-directory.ts';
import { createUniversalLogoutHandler } from '../shared/universal-logout/routes.ts';

const config = readConfig();
const table = openTable(config);
// Discovery, JWKS and token calls: one keep-alive client, caches kept across invocations.
const okta = createOktaClients(config);

export const handler = createUniversalLogoutHandler({
  config,
  // No positive cache: a tenant turning the endpoint off (or changing its org URL) applies at once.
  tenants: new TenantDirectory(tenantReaderOn(table), { ttlMs: 0 }),
  discovery: okta.discovery,
  signingKeys: okta.signingKeys,
  replays: replayGuardOn(table),
  users: userDirectoryOn(table),
  sessions: sessionStoreOn(table),
  audit: auditLogOn(table),
  telemetry: new PowertoolsUniversalLogoutTelemetry(),
  logger: new Logger(),
  now: () => new Date(),
});
