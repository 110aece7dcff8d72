import type { Tracer } from '@aws-lambda-powertools/tracer';
import type middy from '@middy/core';

/**
 * X-Ray tracing of AWS SDK calls with Powertools Tracer, off by default. The
 * CDK construct's `tracing` switch turns on X-Ray for the function and sets
 * `POWERTOOLS_TRACE_ENABLED=true`; only then is the tracer (and the X-Ray SDK
 * under it) imported, so functions without tracing pay nothing for it at cold
 * start. Each SDK client created while tracing is on is captured, so every
 * DynamoDB and Secrets Manager call appears as a subsegment.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.POWERTOOLS_TRACE_ENABLED === 'true';
}

let tracer: Promise<Tracer> | undefined;
const pending: Promise<unknown>[] = [];

/** The tracer, imported on first use. */
function loadTracer(): Promise<Tracer> {
  tracer ??= import('@aws-lambda-powertools/tracer').then(({ Tracer }) => new Tracer());
  return tracer;
}

/** Has Powertools Tracer capture `client` when tracing is on (see `tracingReady`); returns the client. */
export function traceClient<Client extends object>(client: Client): Client {
  if (tracingEnabled()) pending.push(loadTracer().then((loaded) => loaded.captureAWSv3Client(client)));
  return client;
}

/** Resolves once every client created so far is captured; at once when tracing is off. */
export async function tracingReady(): Promise<void> {
  while (pending.length > 0) await Promise.all(pending.splice(0));
}

/**
 * Waits, before an invocation, until the clients created at init are captured:
 * the tracer is imported asynchronously, and a call made before the capture
 * would not be traced. Costs nothing once done, or when tracing is off.
 */
export function awaitTracing(): middy.MiddlewareObj {
  return {
    before: () => (pending.length > 0 ? tracingReady() : undefined),
  };
}
