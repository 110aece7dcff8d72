/** Lambda entry for `GET /me` and `POST /logout`. Composition root, built once per cold start. */
import { Logger } from '@aws-lambda-powertools/logger';
import { createStores } from '../shared/adapters/runtime.ts';
import { readConfig } from '../shared/config.ts';
import { createSessionHandler } from '../shared/session-flow.ts';

const config = readConfig();

export const handler = createSessionHandler({
  config,
  identities: createStores(config).identities,
  logger: new Logger(),
  now: () => new Date(),
});
