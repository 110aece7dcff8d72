/**
 * Runs the real `cdk synth` (the pinned CLI, cdk.json, infra/app.ts, esbuild
 * bundling without Docker) offline and without AWS credentials, then imports
 * every function bundle in a fresh Node process, as Lambda does at cold start.
 * Bundling is slow, so the file synthesizes once and every test reads the result.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repositoryPath } from '../../infra/paths.ts';
import { TRACER } from '../../infra/service-function.ts';
import { startLocalStack } from '../../local/stack.ts';
import { fakeAws } from '../support/fake-aws.ts';
import { invokeBundle, LAMBDA_CREDENTIALS, meEvent } from '../support/lambda-bundle.ts';

const run = promisify(execFile);

interface Bundle {
  readonly logicalId: string;
  readonly file: string;
}

let outdir: string;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
let bundles: Bundle[];

/** The environment minus anything that could reach an AWS account. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(AWS_(?!CA_BUNDLE)|CDK_DEFAULT_)/.test(key)),
  );
  return { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...extra };
}

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'okta-login-synth-'));
  await run(
    repositoryPath('node_modules/.bin/cdk'),
    ['synth', '--quiet', '--no-notices', '--no-version-reporting', '--output', outdir],
    { cwd: repositoryPath('.'), env: offlineEnv(), maxBuffer: 64 * 1024 * 1024 },
  );
  template = JSON.parse(readFileSync(join(outdir, 'OktaLogin.template.json'), 'utf8'));
  // Each function's code is the staged asset directory named after the zip's hash. Ours only: the
  // CDK custom resource framework's function (`framework.onEvent`) is aws-cdk-lib's code.
  bundles = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .filter(([, resource]) => resource.Properties.Handler === 'index.handler')
    .map(([logicalId, resource]) => {
      const { S3Key } = resource.Properties.Code as { S3Key: string };
      return { logicalId, file: join(outdir, `asset.${S3Key.replace(/\.zip$/, '')}`, 'index.js') };
    });
}, 300_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('cdk synth', () => {
  it('synthesizes the OktaLogin stack offline, without credentials, with cdk-nag passing', () => {
    expect(Object.keys(template.Resources).length).toBeGreaterThan(0);
    // The app registers cdk-nag as a validation plugin: a finding would have failed the synth,
    // and the report lists none.
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; conclusion: string }>;
    };
    expect(report.pluginReports.filter((plugin) => plugin.conclusion !== 'success')).toEqual([]);
  });
});

describe('Function bundles', () => {
  it('bundles every function as one minified CommonJS file, without a source map by default', () => {
    // 8 + the key set, the session token and the key rotation.
    expect(bundles).toHaveLength(11);
    for (const bundle of bundles) {
      expect(existsSync(bundle.file), bundle.logicalId).toBe(true);
      // Source maps are opt-in (`sourceMaps`): Node loads them at cold start.
      expect(existsSync(`${bundle.file}.map`), bundle.logicalId).toBe(false);
      // Tree-shaken: the largest (the SDK's DynamoDB and Secrets Manager clients, jose, Powertools) stays small.
      expect(statSync(bundle.file).size, bundle.logicalId).toBeLessThan(450 * 1024);
      // Beside it, only the tracer, in its own file (read only when tracing is on).
      expect(readdirSync(join(bundle.file, '..'), { recursive: true }).sort()).toEqual([
        'index.js',
        'node_modules',
        'node_modules/@aws-lambda-powertools',
        `node_modules/${TRACER}`,
        `node_modules/${TRACER}/index.js`,
      ]);
    }
  });

  it('bundles every dependency: only Node built-ins are required, the tracer beside it imported only on demand', () => {
    for (const bundle of bundles) {
      const code = readFileSync(bundle.file, 'utf8');
      const specifiers = [...code.matchAll(/\brequire\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1]);
      expect(specifiers.length, bundle.logicalId).toBeGreaterThan(0);
      expect(
        specifiers.filter((specifier) => !specifier?.startsWith('node:')),
        bundle.logicalId,
      ).toEqual([]);
      const dynamic = [...code.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1]);
      expect(
        dynamic.filter((specifier) => !specifier?.startsWith('node:')),
        bundle.logicalId,
      ).toEqual(code.includes(TRACER) ? [TRACER] : []);
      // The SDK's credential chain is replaced by its environment provider: none of the other
      // providers (web identity, container, SSO, shared files) is in a Lambda bundle.
      for (const marker of ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'sso_start_url']) {
        expect(code.includes(marker), `${bundle.logicalId}: ${marker}`).toBe(false);
      }
      // A CommonJS bundle: no ES module syntax Node would refuse in a .js file.
      expect(code, bundle.logicalId).not.toMatch(/^\s*(import|export)\s[^(]/m);
    }
  });

  it('imports every bundle cleanly in a fresh Node process and finds its handler', async () => {
    for (const bundle of bundles) {
      const { stdout } = await run(
        process.execPath,
        ['-e', `const m = require(${JSON.stringify(bundle.file)}); console.log(typeof m.handler);`],
        {
          env: {
            PATH: process.env.PATH ?? '',
            AWS_REGION: 'us-east-1',
            TABLE_NAME: 'bundle-test',
            STATE_KEY_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:state-key',
            CLIENT_SECRET_PREFIX: 'okta-login/client-secret/',
            POWERTOOLS_SERVICE_NAME: 'okta-login',
            POWERTOOLS_METRICS_NAMESPACE: 'OktaLogin',
          },
        },
      );
      expect(stdout.trim(), bundle.logicalId).toBe('function');
    }
  }, 60_000);

  it('serves requests from the bundles in the local stack, as the benchmark runs them', async () => {
    const bundleOf = (name: string) => bundles.find((bundle) => bundle.logicalId.includes(name))?.file ?? '';
    const stack = await startLocalStack({
      port: 0,
      demoIdp: false,
      dynamoDbEndpoint: inject('dynamoDbEndpoint'),
      tableName: 'bundle-serve-test',
      handlerModules: { health: bundleOf('HealthFunction'), session: bundleOf('SessionFunction') },
    });
    try {
      const health = await fetch(`${stack.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const me = await fetch(`${stack.url}/me`, { headers: { accept: 'application/json' } });
      expect(me.status).toBe(401);
      expect(me.headers.get('x-correlation-id')).toBeTruthy();
    } finally {
      await stack.stop();
    }
    // The option is honoured: a module that is not there fails the start.
    await expect(
      startLocalStack({
        port: 0,
        demoIdp: false,
        dynamoDbEndpoint: inject('dynamoDbEndpoint'),
        tableName: 'bundle-serve-test',
        handlerModules: { whoami: join(outdir, 'missing', 'index.js') },
      }),
    ).rejects.toThrow(/Cannot find module|ERR_MODULE_NOT_FOUND/);
  });
});

describe('The session bundle in a Lambda-like environment', () => {
  const sessionBundle = () => bundles.find((bundle) => bundle.logicalId.includes('SessionFunction'))?.file ?? '';
  const lambdaEnv = {
    AWS_REGION: 'eu-west-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: 'session',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: '/var/task',
    TABLE_NAME: 'sessions-table',
    POWERTOOLS_SERVICE_NAME: 'okta-login',
    // Keeps the shared files out of reach, as in Lambda.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  /** A scripted DynamoDB that answers BatchGetItem with nothing found. */
  const emptyDynamoDb = () =>
    fakeAws(() => ({
      status: 200,
      body: { Responses: { 'sessions-table': [] }, UnprocessedKeys: {} },
      headers: { 'content-type': 'application/x-amz-json-1.0' },
    }));

  it('signs with the role credentials Lambda puts in the environment, and with nothing else', async () => {
    const dynamo = await emptyDynamoDb();
    // A credentials file the SDK's full chain would use; the bundle's environment provider must not.
    const dir = mkdtempSync(join(tmpdir(), 'okta-login-credentials-'));
    writeFileSync(join(dir, 'credentials'), '[default]\naws_access_key_id = AKIAFROMFILE\naws_secret_access_key = x\n');
    try {
      const env = { ...lambdaEnv, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint };
      const signed = await invokeBundle(sessionBundle(), {
        env: { ...env, ...LAMBDA_CREDENTIALS },
        events: [meEvent()],
      });
      expect(signed.results.map((result) => result.statusCode)).toEqual([401]);
      expect(dynamo.received).toHaveLength(1);
      const [request] = dynamo.received;
      expect(request?.headers['x-amz-target']).toBe('DynamoDB_20120810.BatchGetItem');
      expect(String(request?.headers.authorization)).toMatch(
        /^AWS4-HMAC-SHA256 Credential=ASIALAMBDAROLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, /,
      );
      expect(request?.headers['x-amz-security-token']).toBe(LAMBDA_CREDENTIALS.AWS_SESSION_TOKEN);

      const unsigned = await invokeBundle(sessionBundle(), {
        env: { ...env, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') },
        events: [meEvent()],
      });
      // A function without credentials is misconfigured, not briefly unavailable.
      expect(unsigned.results.map((result) => result.statusCode)).toEqual([500]);
      expect(dynamo.received).toHaveLength(1);
      expect(unsigned.logs.find((line) => line.message === 'request failed')).toMatchObject({
        code: 'INTERNAL',
        causeName: 'CredentialsProviderError',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await dynamo.close();
    }
  });

  it.each([
    ['us-east-1', 'dynamodb.us-east-1.amazonaws.com'],
    ['cn-north-1', 'dynamodb.cn-north-1.amazonaws.com.cn'],
    ['eusc-de-east-1', 'dynamodb.eusc-de-east-1.amazonaws.eu'],
    ['eu-isoe-west-1', 'dynamodb.eu-isoe-west-1.cloud.adc-e.uk'],
  ])('resolves the DynamoDB endpoint of %s from the SDK rules (%s)', async (region, host) => {
    const { results, intercepted } = await invokeBundle(sessionBundle(), {
      env: { ...lambdaEnv, ...LAMBDA_CREDENTIALS, AWS_REGION: region },
      events: [meEvent()],
      interceptHttps: true,
    });
    // The intercepted request fails as a database would: a 503 page.
    expect(results.map((result) => result.statusCode)).toEqual([503]);
    expect(intercepted).toHaveLength(1);
    expect(intercepted[0]?.host).toBe(host);
    expect(intercepted[0]?.headers.authorization).toContain(`/${region}/dynamodb/aws4_request`);
  });

  it('logs each invocation with the Lambda request id and cold_start', async () => {
    const dynamo = await emptyDynamoDb();
    try {
      const { logs } = await invokeBundle(sessionBundle(), {
        env: { ...lambdaEnv, ...LAMBDA_CREDENTIALS, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint },
        events: [meEvent(), meEvent()],
      });
      expect(logs.map((line) => [line.function_request_id, line.cold_start, line.correlation_id])).toEqual([
        ['lambda-request-0', true, 'apigw-request-0001'],
        ['lambda-request-1', false, 'apigw-request-0001'],
      ]);
    } finally {
      await dynamo.close();
    }
  });

  it('with tracing on, sends every SDK call as an X-Ray subsegment; off, does not even load the tracer', async () => {
    const dynamo = await emptyDynamoDb();
    const daemon = createSocket('udp4');
    const segments: Array<Record<string, unknown>> = [];
    daemon.on('message', (message) => {
      // Each datagram is a header line, then one segment document.
      const [, document] = message.toString('utf8').split('\n');
      if (document) segments.push(JSON.parse(document));
    });
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    const traceRoot = '1-5759e988-bd862e3fe1be46a994272793';
    const env = {
      ...lambdaEnv,
      ...LAMBDA_CREDENTIALS,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
      _X_AMZN_TRACE_ID: `Root=${traceRoot};Parent=53995c3f42cd8ad8;Sampled=1`,
    };
    try {
      const off = await invokeBundle(sessionBundle(), {
        env: { ...env, POWERTOOLS_TRACE_ENABLED: 'false' },
        events: [meEvent()],
      });
      expect(off.tracerLoaded).toBe(false);
      const on = await invokeBundle(sessionBundle(), {
        env: { ...env, POWERTOOLS_TRACE_ENABLED: 'true' },
        events: [meEvent()],
      });
      expect(on.tracerLoaded).toBe(true);
      expect(on.results.map((result) => result.statusCode)).toEqual([401]);
      await expect.poll(() => segments.length).toBeGreaterThan(0);
      expect(segments).toEqual([
        expect.objectContaining({
          type: 'subsegment',
          name: 'DynamoDB',
          namespace: 'aws',
          trace_id: traceRoot,
          aws: expect.objectContaining({ operation: 'BatchGetItem', table_names: ['sessions-table'] }),
        }),
      ]);
      // The subsegment is the parent the request carried on to DynamoDB.
      expect(dynamo.received.at(-1)?.headers['x-amzn-trace-id']).toContain(`Parent=${segments[0]?.id}`);
    } finally {
      daemon.close();
      await dynamo.close();
    }
  });
});
