import type { Logger } from '@aws-lambda-powertools/logger';
import type { ServiceConfig } from '../config.ts';
import type { DiscoveryCache } from '../oidc/discovery.ts';
import type { FetchLike } from '../oidc/http-fetch.ts';
import type { SetupStore, StateKeyProvider, TenantStore } from '../ports.ts';
import type { TenantAdmin } from '../tenant-admin.ts';
import type { SetupExtension } from './extensions.ts';

/** What the setup function needs; built once per cold start by its composition root. */
export interface SetupDependencies {
  readonly config: ServiceConfig;
  /** Read fresh on every request: the setup pages change the tenant, and must see their own changes. */
  readonly tenants: TenantStore;
  readonly setup: SetupStore;
  /** Tenant administration acting as `setup-link`: the secret, then the config, then the audit event. */
  readonly admin: TenantAdmin;
  /** For the test sign-in; short-lived, so a fix in the admin's Okta is seen at the next try. */
  readonly discovery: DiscoveryCache;
  readonly stateKeys: StateKeyProvider;
  /** The service's capped, timed Okta client (private addresses refused outside local mode). */
  readonly fetch: FetchLike;
  /** What other features add to the Okta app's setup (Universal Logout, SCIM, ...). */
  readonly extensions: readonly SetupExtension[];
  readonly logger: Logger;
  readonly now: () => Date;
}
