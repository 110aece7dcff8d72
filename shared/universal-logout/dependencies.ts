import type { Logger } from '@aws-lambda-powertools/logger';
import type { ServiceConfig } from '../config.ts';
import type { DiscoveryCache } from '../oidc/discovery.ts';
import type { SigningKeysCache } from '../oidc/signing-keys.ts';
import type { AuditLog, ReplayGuard, SessionStore, UniversalLogoutTelemetry, UserDirectory } from '../ports.ts';
import type { TenantDirectory } from '../tenant-directory.ts';

/** What the Universal Logout function needs; built once per cold start by its composition root. */
export interface UniversalLogoutDependencies {
  readonly config: ServiceConfig;
  /**
   * Built without a positive cache (`ttlMs: 0`): turning the endpoint off, or
   * a new org URL or client id, applies from the next call. Unknown ids are
   * still remembered briefly, so probes of made-up tenants do not reach the table.
   */
  readonly tenants: TenantDirectory;
  /** Discovery of the tenant's Okta org URL (its org authorization server). */
  readonly discovery: DiscoveryCache;
  readonly signingKeys: SigningKeysCache;
  readonly replays: ReplayGuard;
  readonly users: UserDirectory;
  readonly sessions: SessionStore;
  readonly audit: AuditLog;
  readonly telemetry: UniversalLogoutTelemetry;
  readonly logger: Logger;
  readonly now: () => Date;
}
