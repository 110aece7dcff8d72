/**
 * Runs the real `cdk synth` (the pinned CLI, cdk.json, infra/app.ts, esbuild
 * bundling without Docker) offline and without AWS credentials, then imports
 * every function bundle in a fresh Node process, as Lambda does at cold start.
 * Bundling is slow, so the file synthesizes once and every test reads the result.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repositoryPath } from '../../infra/paths.ts';
import { startLocalStack } from '../../local/stack.ts';

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
  // Each function's code is the staged asset directory named after the zip's hash.
  bundles = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
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
    expect(bundles).toHaveLength(5);
    for (const bundle of bundles) {
      expect(existsSync(bundle.file), bundle.logicalId).toBe(true);
      // Source maps are opt-in (`sourceMaps`): Node loads them at cold start.
      expect(existsSync(`${bundle.file}.map`), bundle.logicalId).toBe(false);
      // Tree-shaken, and no SDK service clients: even the largest (jose, middy, signing) stays small.
      expect(statSync(bundle.file).size, bundle.logicalId).toBeLessThan(300 * 1024);
      expect(readdirSync(join(bundle.file, '..'))).toEqual(['index.js']);
    }
  });

  it('bundles every dependency: only Node built-ins are required', () => {
    for (const bundle of bundles) {
      const code = readFileSync(bundle.file, 'utf8');
      const specifiers = [...code.matchAll(/\brequire\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1]);
      expect(specifiers.length, bundle.logicalId).toBeGreaterThan(0);
      expect(
        specifiers.filter((specifier) => !specifier?.startsWith('node:')),
        bundle.logicalId,
      ).toEqual([]);
      // The SDK's credential chain stays out, reachable only by a dynamic import that Lambda
      // never takes (its credentials are in the environment).
      const dynamic = [...code.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((match) => match[1]);
      expect(
        dynamic.filter((specifier) => !specifier?.startsWith('node:')),
        bundle.logicalId,
      ).toEqual(code.includes('@aws-sdk/credential-provider-node') ? ['@aws-sdk/credential-provider-node'] : []);
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
