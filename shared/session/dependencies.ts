import type { Logger } from '@aws-lambda-powertools/logger';
import type { ServiceConfig } from '../config.ts';
import type { DiscoveryCache } from '../oidc/discovery.ts';
import type { AuditLog, SessionStore } from '../ports.ts';
import type { TenantDirectory } from '../tenant-directory.ts';

/** What the session function (`/me`, `/logout`) needs; built once per cold start. */
export interface SessionDependencies {
  readonly config: ServiceConfig;
  readonly sessions: SessionStore;
  readonly audit: AuditLog;
  readonly tenants: TenantDirectory;
  /** Needed only for tenants whose logout target is their Okta's end-session endpoint. */
  readonly discovery?: DiscoveryCache;
  readonly logger?: Logger;
  readonly now: () => Date;
}
