/**
 * Per test file: on Node older than 22, drop the AWS SDK's and oidc-provider's
 * Node version warnings (one line in vitest.config.ts says it for the run).
 */
import { quietOldNodeWarnings } from '../../local/node-runtime.ts';

quietOldNodeWarnings();
