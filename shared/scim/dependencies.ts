import type { Logger } from '@aws-lambda-powertools/logger';
import type { ServiceConfig } from '../config.ts';
import type { AuditLog, ScimDirectory } from '../ports.ts';

/** What the SCIM function needs; built once per cold start by its composition root. */
export interface ScimDependencies {
  readonly config: Pick<ServiceConfig, 'publicUrl'>;
  readonly scim: ScimDirectory;
  /** For events outside a write's own transaction (the start of SCIM groups). */
  readonly audit: AuditLog;
  readonly logger: Logger;
  readonly now: () => Date;
}
