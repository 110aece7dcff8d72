/**
 * `npm start` keeps its "what to open" lines on screen: by default the
 * handlers print warnings and errors, not a JSON line per request; with
 * `LOG_LEVEL` set the request lines come back. The stack is started from
 * `npm start`'s own reading of its environment (local/npm-start.ts).
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import type { LocalStack } from '../../local/stack.ts';
import { test } from '../support/fixtures.ts';

let localData: string;
let stack: LocalStack | undefined;
let written: string[];

test.beforeAll(async ({ logs }) => {
  localData = await mkdtemp(join(tmpdir(), 'npm-start-logs-'));
  written = logs;
});

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  written.length = 0;
});

afterAll(async () => {
  await rm(localData, { recursive: true, force: true });
});

/**
 * Starts the stack as `npm start` does with this environment. Each function's
 * Powertools Logger reads its level once, when its module loads, so every run
 * gets fresh modules, as a new `npm start` process would.
 */
async function npmStart(env: Record<string, string>): Promise<LocalStack> {
  vi.resetModules();
  const { npmStartOptions } = await import('../../local/npm-start.ts');
  const { startLocalStack } = await import('../../local/stack.ts');
  const options = npmStartOptions(
    {
      PORT: '0',
      DEMO_IDP: 'off',
      DYNAMODB_ENDPOINT: inject('dynamoDbEndpoint'),
      TABLE_NAME: `e2e-npm-start-${randomUUID()}`,
      ...env,
    },
    localData,
  );
  return startLocalStack(options);
}

/** The handlers' JSON log lines printed so far. */
function logLines(): Array<{ level: string; message: string; status?: number }> {
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** A normal request and a refused one (an unknown tenant: a warning). */
async function browse(running: LocalStack): Promise<void> {
  expect((await fetch(`${running.url}/health`)).status).toBe(200);
  expect((await fetch(`${running.url}/t/no_such_tenant/login`)).status).toBe(404);
}

describe('npm start logging', () => {
  it('prints no line per request by default, but still the warnings', async () => {
    stack = await npmStart({});
    await browse(stack);
    const lines = logLines();
    expect(lines.filter((line) => line.message === 'request')).toEqual([]);
    expect(lines.filter((line) => line.level === 'INFO')).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'WARN', message: 'request refused', status: 404 }));
  });

  it.each(['DEBUG', 'info'])('prints a line per request with LOG_LEVEL=%s', async (level) => {
    stack = await npmStart({ LOG_LEVEL: level });
    await browse(stack);
    expect(logLines()).toContainEqual(expect.objectContaining({ level: 'INFO', message: 'request', status: 200 }));
  });

  it('refuses a LOG_LEVEL Powertools does not know instead of quietly logging at INFO', async () => {
    const { npmStartOptions, StartUsageError } = await import('../../local/npm-start.ts');
    expect(() => npmStartOptions({ LOG_LEVEL: 'verbose' }, localData)).toThrow(StartUsageError);
    expect(() => npmStartOptions({ LOG_LEVEL: 'verbose' }, localData)).toThrow(/LOG_LEVEL must be one of/);
  });
});
