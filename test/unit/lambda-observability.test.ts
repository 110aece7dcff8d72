/**
 * What every function does around its handler: log lines carry the Lambda
 * request id and `cold_start` (Powertools Logger), and with tracing on, the
 * SDK clients are captured by Powertools Tracer before the first call.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeDocumentClient } from '../../shared/adapters/dynamodb/client.ts';
import { createAuthorizer } from '../../shared/authorizer.ts';
import { readConfig } from '../../shared/config.ts';
import { createHttpHandler } from '../../shared/http/middleware.ts';
import { json } from '../../shared/http/responses.ts';
import type { SessionStore } from '../../shared/ports.ts';
import { InMemoryTenantStore } from '../support/in-memory-stores.ts';

const contextFor = (awsRequestId: string) =>
  ({
    awsRequestId,
    functionName: 'okta-login-session',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:okta-login-session',
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => 10_000,
  }) as Context;

const event = (routeKey: string) =>
  ({
    version: '2.0',
    routeKey,
    rawPath: routeKey.split(' ')[1],
    rawQueryString: '',
    headers: { accept: 'application/json' },
    requestContext: { requestId: 'apigw-request-0001', http: { method: 'GET', path: '/' } },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

/** The JSON log lines written while `fn` runs (Powertools writes info to stdout, warnings and errors to stderr). */
async function logLines(fn: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await fn();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('Lambda context in the logs', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('puts the request id and cold_start on the HTTP functions’ log lines', async () => {
    // Lambda sets this in on-demand containers; Powertools reports cold starts only there.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    vi.stubEnv('POWERTOOLS_DEV', 'false');
    const handler = createHttpHandler(
      { 'GET /health': async () => json(200, { status: 'ok' }) },
      { logger: new Logger({ serviceName: 'okta-login' }) },
    );
    const lines = await logLines(async () => {
      await handler(event('GET /health'), contextFor('lambda-request-1'));
      await handler(event('GET /health'), contextFor('lambda-request-2'));
    });
    expect(lines.map((line) => [line.message, line.function_request_id, line.cold_start])).toEqual([
      ['request', 'lambda-request-1', true],
      ['request', 'lambda-request-2', false],
    ]);
    expect(lines[0]).toMatchObject({ function_name: 'okta-login-session', correlation_id: 'apigw-request-0001' });
  });

  it('does the same for the authorizer', async () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    vi.stubEnv('POWERTOOLS_DEV', 'false');
    const unreachable = {
      getSessionContext: async () => {
        throw new Error('store down');
      },
    } as unknown as SessionStore;
    const authorize = createAuthorizer({
      config: readConfig({ TABLE_NAME: 't' }),
      sessions: unreachable,
      tenantStore: new InMemoryTenantStore(),
      logger: new Logger({ serviceName: 'okta-login' }),
      now: () => new Date(),
    });
    const request = {
      type: 'REQUEST',
      routeKey: 'GET /app/whoami',
      cookies: [`__Host-session=acme.u_${'a'.repeat(32)}.${'b'.repeat(43)}`],
      headers: {},
    } as unknown as APIGatewayRequestAuthorizerEventV2;
    const lines = await logLines(() => authorize(request, contextFor('lambda-request-9')));
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'authorizer could not check the request',
        function_request_id: 'lambda-request-9',
        cold_start: true,
      }),
    ]);
  });
});

describe('Tracing of SDK clients', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  /** Fresh modules, so the tracing switch is read under this test's environment. */
  async function clientWith(env: Record<string, string>) {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const tracing = await import('../../shared/adapters/tracing.ts');
    const { createDocumentClient } = await import('../../shared/adapters/dynamodb/client.ts');
    const client = createDocumentClient({ endpoint: 'http://127.0.0.1:9' });
    await tracing.tracingReady();
    const middleware = client.middlewareStack.identify();
    closeDocumentClient(client);
    return middleware;
  }

  it('is off by default: the clients are left as they are', async () => {
    const middleware = await clientWith({ AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x' });
    expect(middleware.join(' ')).not.toContain('XRaySDKInstrumentation');
  });

  it('with POWERTOOLS_TRACE_ENABLED=true in Lambda, captures each SDK client with Powertools Tracer', async () => {
    const middleware = await clientWith({
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      POWERTOOLS_TRACE_ENABLED: 'true',
    });
    expect(middleware.join(' ')).toContain('XRaySDKInstrumentation');
  });
});
