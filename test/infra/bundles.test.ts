/**
 * Synthesizes the real app (esbuild bundling, no Docker) and imports every
 * function bundle in a fresh Node process, as Lambda would at cold start.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginStack } from '../../infra/login-stack.ts';

const run = promisify(execFile);
let outdir: string;
let bundles: Array<{ logicalId: string; file: string }>;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'okta-login-synth-'));
  const app = new App({ outdir });
  const stack = new LoginStack(app, 'BundleTest');
  const template = Template.fromStack(stack);
  app.synth();
  const functions = template.findResources('AWS::Lambda::Function') as Record<
    string,
    { Properties: { Code: { S3Key: string } } }
  >;
  // Each function's code is the staged asset directory named after the zip's hash.
  bundles = Object.entries(functions).map(([logicalId, resource]) => {
    const hash = resource.Properties.Code.S3Key.replace(/\.zip$/, '');
    return { logicalId, file: join(outdir, `asset.${hash}`, 'index.mjs') };
  });
}, 240_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('Function bundles', () => {
  it('bundles every function as a minified ESM file with a source map', () => {
    expect(bundles).toHaveLength(5);
    for (const bundle of bundles) {
      expect(existsSync(bundle.file), bundle.logicalId).toBe(true);
      expect(existsSync(`${bundle.file}.map`), bundle.logicalId).toBe(true);
      // Tree-shaken: even the largest (SDK + jose + middy) stays well under a megabyte.
      expect(statSync(bundle.file).size, bundle.logicalId).toBeLessThan(1024 * 1024);
      expect(readdirSync(join(bundle.file, '..')).filter((f) => f.endsWith('.mjs'))).toEqual(['index.mjs']);
    }
  });

  it('imports every bundle cleanly in a fresh Node process and finds its handler', async () => {
    for (const bundle of bundles) {
      const { stdout } = await run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(bundle.file)}); console.log(typeof m.handler);`,
        ],
        {
          env: {
            PATH: process.env.PATH ?? '',
            TABLE_NAME: 'bundle-test',
            AWS_REGION: 'us-east-1',
            STATE_KEY_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
            CLIENT_SECRET_PREFIX: 'okta-login/client-secret/',
          },
        },
      );
      expect(stdout.trim(), bundle.logicalId).toBe('function');
    }
  }, 60_000);
});
