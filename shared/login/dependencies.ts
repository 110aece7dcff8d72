import type { Logger } from '@aws-lambda-powertools/logger';
import type { ServiceConfig } from '../config.ts';
import type { DiscoveryCache } from '../oidc/discovery.ts';
import type { FetchLike } from '../oidc/http-fetch.ts';
import type { SigningKeysCache } from '../oidc/signing-keys.ts';
import type {
  AuditLog,
  ClientSecretStore,
  LoginStore,
  LoginTelemetry,
  SetupStore,
  StateKeyProvider,
} from '../ports.ts';
import type { TenantDirectory } from '../tenant-directory.ts';

/** What the login function needs; built once per cold start by its composition root. */
export interface LoginDependencies {
  readonly config: ServiceConfig;
  readonly tenants: TenantDirectory;
  readonly clientSecrets: ClientSecretStore;
  readonly stateKeys: StateKeyProvider;
  readonly logins: LoginStore;
  readonly audit: AuditLog;
  /** Where a setup link's test sign-in leaves what it received, for the setup page. */
  readonly setup: SetupStore;
  readonly discovery: DiscoveryCache;
  readonly signingKeys: SigningKeysCache;
  readonly fetch: FetchLike;
  readonly telemetry: LoginTelemetry;
  readonly logger: Logger;
  readonly now: () => Date;
}
