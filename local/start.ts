/**
 * `npm start`: the whole service locally, no AWS account. See README.
 * Environment: PORT, PUBLIC_URL, APP_URL, APP_ORIGINS, DEFAULT_REDIRECT_PATH, DYNAMODB_ENDPOINT, TABLE_NAME,
 * DEMO_IDP, DEMO_IDP_PORT, DEMO_APP_PORT, LOG_LEVEL (local/npm-start.ts reads them).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quietOldNodeWarnings } from './node-runtime.ts';
import { npmStartOptions, StartUsageError } from './npm-start.ts';
import type { LocalStackOptions } from './stack.ts';

// Before the AWS SDK and oidc-provider load: on Node 20, one line instead of their warnings.
const oldNode = quietOldNodeWarnings();
if (oldNode) console.log(oldNode);
const { startLocalStack } = await import('./stack.ts');

const LOCAL_DATA = join(import.meta.dirname, '..', '.local-data');
export const STACK_FILE = join(LOCAL_DATA, 'stack.json');

let options: LocalStackOptions;
try {
  options = npmStartOptions(process.env, LOCAL_DATA);
} catch (error) {
  if (!(error instanceof StartUsageError)) throw error;
  console.error(error.message);
  process.exit(2);
}
mkdirSync(LOCAL_DATA, { recursive: true });

const stack = await startLocalStack(options);

// The tenant CLI finds the running local stack through this file.
writeFileSync(
  STACK_FILE,
  `${JSON.stringify({ dynamoDbEndpoint: stack.dynamoDbEndpoint, tableName: stack.tableName, url: stack.url }, null, 2)}\n`,
);

const lines = [
  '',
  `  Okta tile login service running at ${stack.url}`,
  `  DynamoDB: ${stack.dynamoDbEndpoint} (table ${stack.tableName})`,
];
if (stack.demoIdp) {
  lines.push(
    '',
    `  1. Open the demo Okta dashboard:  ${stack.demoIdp.dashboardUrl}`,
    '  2. Click the "Acme App (demo)" tile and pick a user.',
    `  3. You land on ${stack.appUrl ?? `${stack.url}/signed-in`} signed in; the first user becomes the owner.`,
    ...(stack.demoAppUrl
      ? [`     (The demo app runs on its own origin, ${stack.demoAppUrl}, and reads ${stack.url}/me through CORS.)`]
      : []),
    '',
    `  Demo tenant "demo" uses the demo identity provider at ${stack.demoIdp.issuer}`,
    '',
    '  Self-serve setup: `npm run -s tenant -- invite acme_two` prints a setup link; create the',
    `  Okta app it asks for on the demo Okta's admin page: ${stack.demoIdp.adminUrl}`,
  );
} else {
  lines.push('', '  DEMO_IDP=off: register your tenant with `npm run -s tenant -- put ...`');
  lines.push(`  After sign-in users land on ${stack.appUrl ?? `${stack.url}/signed-in (set APP_URL for your app)`}`);
}
lines.push(
  `  Logs: ${options.logLevel} and above${options.logLevel === 'WARN' ? ' (LOG_LEVEL=INFO npm start: a line per request)' : ''}`,
  `  Health: ${stack.url}/health    Stop: Ctrl+C`,
  '',
);
console.log(lines.join('\n'));

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  rmSync(STACK_FILE, { force: true });
  await stack.stop();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
