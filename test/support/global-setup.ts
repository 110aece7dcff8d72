/**
 * Starts one DynamoDB Local for the whole test run (a few seconds of JVM
 * start-up paid once); test files create their own uniquely named tables in it.
 *
 * Each project that needs a table lists this file as its global setup, and
 * vitest loads it once per project. The projects still share one JVM (kept on
 * the main process's globalThis, which all those module instances see), so a
 * full run starts one DynamoDB Local, not one per project; the last teardown
 * stops it.
 */
import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.ts';

interface Shared {
  dynamo: Promise<DynamoDbLocal> | undefined;
  users: number;
}

const KEY = Symbol.for('okta-tile-login.test.dynamodb-local');
const shared: Shared = ((globalThis as Record<symbol, unknown>)[KEY] as Shared | undefined) ?? {
  dynamo: undefined,
  users: 0,
};
(globalThis as Record<symbol, unknown>)[KEY] = shared;

export async function setup(project: TestProject): Promise<void> {
  shared.users += 1;
  shared.dynamo ??= startDynamoDbLocal({ inMemory: true });
  project.provide('dynamoDbEndpoint', (await shared.dynamo).endpoint);
}

export async function teardown(): Promise<void> {
  shared.users -= 1;
  const started = shared.dynamo;
  if (shared.users > 0 || !started) return;
  shared.dynamo = undefined;
  await (await started).stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}
