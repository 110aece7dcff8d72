/**
 * A DynamoDB Local of its own for one project (infra): its table test adds an
 * index to an existing table and waits for DynamoDB Local's backfill, which
 * queues behind whatever the shared instance is doing for the end-to-end
 * tests running beside it (minutes on two busy cores). A second JVM costs a
 * few seconds of start-up and keeps that wait independent of the other projects.
 */
import type { TestProject } from 'vitest/node';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local.ts';

let started: Promise<DynamoDbLocal> | undefined;

export async function setup(project: TestProject): Promise<void> {
  started ??= startDynamoDbLocal({ inMemory: true });
  project.provide('dynamoDbEndpoint', (await started).endpoint);
}

export async function teardown(): Promise<void> {
  const instance = started;
  started = undefined;
  if (instance) await (await instance).stop();
}
