/**
 * Runs a function bundle `cdk synth` built the way Lambda does: a fresh Node
 * process with only the function's environment, which requires the bundle and
 * invokes its handler with an event and a Lambda context.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { formatSessionCookie, newSessionToken } from '../../shared/sessions.ts';
import { userIdFor } from '../../shared/users.ts';

const run = promisify(execFile);

export interface BundleRun {
  /** What the handler returned for each event. */
  readonly results: Array<{ statusCode?: number }>;
  /** Log lines (Powertools writes JSON lines, warnings and errors to stderr). */
  readonly logs: Array<Record<string, unknown>>;
  /** With `interceptHttps`: the HTTPS requests the bundle tried to send (none left the process). */
  readonly intercepted: Array<{ host: string; path: string; headers: Record<string, string> }>;
  /** Whether the tracer (its own file beside the bundle) was loaded. */
  readonly tracerLoaded: boolean;
  readonly stderr: string;
}

/** Role credentials as Lambda puts them in the environment. */
export const LAMBDA_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'ASIALAMBDAROLE',
  AWS_SECRET_ACCESS_KEY: 'lambda-role-secret',
  AWS_SESSION_TOKEN: 'lambda-role-session-token',
} as const;

/** `GET /me` with a well-formed session cookie of tenant `acme`: one DynamoDB `BatchGetItem`. */
export function meEvent(): Record<string, unknown> {
  const cookie = formatSessionCookie({
    tenantId: 'acme',
    userId: userIdFor('https://acme.okta.example', 'ada'),
    token: newSessionToken(),
  });
  return {
    version: '2.0',
    routeKey: 'GET /me',
    rawPath: '/me',
    rawQueryString: '',
    cookies: [`__Host-session=${cookie}`],
    headers: { accept: 'application/json', host: 'login.example.com' },
    requestContext: {
      http: { method: 'GET', path: '/me', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: 'apigw-request-0001',
      domainName: 'login.example.com',
      routeKey: 'GET /me',
      stage: '$default',
    },
    isBase64Encoded: false,
  };
}

/**
 * Requires `file` in a fresh Node process with exactly `env` (plus PATH) and
 * invokes its handler once per event, as one warm container would.
 * `interceptHttps` replaces `https.request` so that the AWS calls the bundle
 * makes are recorded (host, path, signed headers) and fail at once, without
 * any network access (the handler then answers as for a failed database).
 */
export async function invokeBundle(
  file: string,
  options: { env: Record<string, string>; events: unknown[]; interceptHttps?: boolean },
): Promise<BundleRun> {
  const code = `
    const intercepted = [];
    if (${Boolean(options.interceptHttps)}) {
      require('node:https').request = (options) => {
        intercepted.push({ host: options.host, path: options.path, headers: options.headers });
        // A code the SDK does not retry: one attempt per invocation.
        throw Object.assign(new Error('intercepted by the test'), { code: 'EINTERCEPTED' });
      };
    }
    const { handler } = require(${JSON.stringify(file)});
    (async () => {
      const results = [];
      for (const [index, event] of ${JSON.stringify(options.events)}.entries()) {
        const context = {
          awsRequestId: 'lambda-request-' + index,
          functionName: 'test-function',
          functionVersion: '$LATEST',
          invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test-function',
          memoryLimitInMB: '512',
          getRemainingTimeInMillis: () => 10000,
        };
        results.push(await handler(event, context));
      }
      const tracerLoaded = Object.keys(require.cache).some((path) => path.includes('@aws-lambda-powertools/tracer'));
      process.stdout.write('\\n' + JSON.stringify({ __run: { results, intercepted, tracerLoaded } }) + '\\n');
    })();
  `;
  const { stdout, stderr } = await run(process.execPath, ['-e', code], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    maxBuffer: 16 * 1024 * 1024,
  });
  const jsonLines = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const out = jsonLines(stdout);
  const summary = out.find((line) => '__run' in line)?.__run as Omit<BundleRun, 'logs' | 'stderr'>;
  const logs = [...out.filter((line) => !('__run' in line)), ...jsonLines(stderr)].sort((a, b) =>
    String(a.timestamp).localeCompare(String(b.timestamp)),
  );
  return { ...summary, logs, stderr };
}
