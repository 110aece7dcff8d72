/**
 * How `npm start` (local/start.ts) turns its environment into the local
 * stack's options. Kept apart from the entry point so tests start the stack
 * exactly as `npm start` does.
 */
import { join } from 'node:path';
import type { LocalStackOptions } from './stack.ts';

/** Powertools Logger's levels. */
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;

/**
 * `npm start` shows warnings and errors only: a JSON line per request
 * (`INFO`) would scroll the "what to open" lines away. `LOG_LEVEL=INFO`
 * brings the request lines back, `DEBUG` shows everything.
 */
export const NPM_START_LOG_LEVEL = 'WARN';

/** A setting `npm start` cannot use; the message says which and why. */
export class StartUsageError extends Error {}

/** The local stack's options from `npm start`'s environment (README: "npm start"); `localData` is `.local-data/`. */
export function npmStartOptions(env: NodeJS.ProcessEnv, localData: string): LocalStackOptions {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new StartUsageError(`PORT must be a TCP port number, got "${env.PORT}"`);
  }
  return {
    port,
    ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
    ...(env.DYNAMODB_ENDPOINT ? { dynamoDbEndpoint: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.TABLE_NAME ? { tableName: env.TABLE_NAME } : {}),
    ...(env.DEMO_IDP_PORT ? { demoIdpPort: Number(env.DEMO_IDP_PORT) } : {}),
    ...(env.DEMO_APP_PORT ? { demoAppPort: Number(env.DEMO_APP_PORT) } : {}),
    // The demo app by default; the handlers read the rest of the environment (APP_ORIGINS, ...) themselves.
    ...(env.APP_URL ? { appUrl: env.APP_URL } : {}),
    dataDir: join(localData, 'dynamodb'),
    demoIdp: (env.DEMO_IDP ?? 'on').toLowerCase() !== 'off',
    logLevel: logLevelOf(env),
  };
}

/** `LOG_LEVEL` (or Powertools' own `POWERTOOLS_LOG_LEVEL`, which it reads first), else `WARN`. */
function logLevelOf(env: NodeJS.ProcessEnv): string {
  const asked = env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL;
  if (!asked) return NPM_START_LOG_LEVEL;
  const level = LOG_LEVELS.find((known) => known === asked.toUpperCase());
  // Powertools would quietly fall back to INFO on a typo; say so instead.
  if (!level) throw new StartUsageError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${asked}"`);
  return level;
}
