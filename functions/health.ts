/**
 * Lambda entry for `GET /health`. Answers 200 when this deployment's
 * configuration loads; it deliberately touches no dependency, so a load
 * balancer or uptime check cannot turn into database load.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { readConfig } from '../shared/config.ts';
import { createHttpHandler } from '../shared/http/middleware.ts';
import { json } from '../shared/http/responses.ts';

readConfig();

export const handler = createHttpHandler(
  { 'GET /health': async () => json(200, { status: 'ok' }) },
  { logger: new Logger() },
);
