import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { quietOldNodeWarnings } from './local/node-runtime.ts';

// On Node 20: one line for the run instead of the SDK's and oidc-provider's
// warnings in every test file (the environment switch reaches the workers).
const oldNode = quietOldNodeWarnings();
if (oldNode) console.log(oldNode);

// DynamoDB Local (a JVM, a few seconds to start) only for the projects whose
// tests talk to a table: unit tests use in-memory ports and start nothing.
const withDynamoDbLocal = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    // DynamoDB Local and identity providers run as real processes and servers.
    setupFiles: ['test/support/quiet-old-node.ts'],
    // Vitest's default is one worker per core but one; the e2e and browser files spend most of
    // their time waiting on DynamoDB Local, the IdP and HTTP, so two cores run two files at once
    // (the whole run: about 5 minutes instead of 6 to 7 on two cores).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/support/**/*.test.ts'],
          globalSetup: withDynamoDbLocal,
        },
      },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], globalSetup: withDynamoDbLocal } },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: [...withDynamoDbLocal, 'test/support/chromium-setup.ts'],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // Its own instance: the index backfill it waits for must not queue behind the e2e tests' load.
          globalSetup: ['test/support/own-dynamodb-local.ts'],
          testTimeout: 300_000,
        },
      },
    ],
  },
});
