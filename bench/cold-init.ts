/**
 * Cold init of every function bundle `cdk synth` produces: size and the time
 * a fresh Node process takes to `require()` it (which builds its clients),
 * against a reference bundle of the same entry built with esbuild defaults,
 * and the floor both pay (the Node built-ins the bundle loads). Returns the
 * bundles too: the service under benchmark runs them.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { LoginStack } from '../infra/login-stack.ts';
import { repositoryPath } from '../infra/paths.ts';
import { entryOfFunction, functionNameOf, isServiceFunction } from './function-entries.ts';
import { COLD_RUNS, SERVICE_NODE } from './settings.ts';
import { median, round } from './stats.ts';

const run = promisify(execFile);

interface Bundle {
  /** Short function name, e.g. `login`. */
  readonly name: string;
  /** Our bundle, as `cdk synth` staged it. */
  readonly file: string;
  /** The same entry bundled with esbuild's defaults. */
  readonly reference: string;
  /** The environment the function gets in Lambda. */
  readonly env: Record<string, string>;
}

interface Sample {
  readonly ms: number;
  readonly rssMb: number;
}

type FunctionResource = {
  Properties: { Code: { S3Key: string }; Environment?: { Variables?: Record<string, unknown> } };
};

/** Synthesizes the stack into `outdir` (bundling every function) and builds each one's reference bundle. */
async function synthBundles(outdir: string): Promise<Bundle[]> {
  const app = new App({ outdir });
  const template = Template.fromStack(new LoginStack(app, 'Bench'));
  app.synth();
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>;
  // Ours only: the CDK custom resource framework's function is aws-cdk-lib's code, run once per deploy.
  const ours = Object.entries(functions).filter(([logicalId]) => isServiceFunction(logicalId));
  return Promise.all(
    ours.map(async ([logicalId, resource]) => {
      const name = functionNameOf(logicalId);
      const file = join(outdir, `asset.${resource.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.js');
      const reference = join(outdir, 'reference', name, 'index.js');
      // The same imports bundled with esbuild's defaults for Node: CommonJS, default main fields, no minify.
      await build({
        entryPoints: [repositoryPath(entryOfFunction(name))],
        bundle: true,
        platform: 'node',
        outfile: reference,
        logLevel: 'silent',
      });
      return { name, file, reference, env: lambdaEnvironment(resource) };
    }),
  );
}

/**
 * The environment the function gets in Lambda (from the template), with the role
 * credentials Lambda puts there; values resolved at deploy time get a placeholder,
 * a URL for a `…_URL` (the token functions' `PUBLIC_URL` is the API's endpoint,
 * which the config parses at init).
 */
function lambdaEnvironment(resource: FunctionResource): Record<string, string> {
  const variables = resource.Properties.Environment?.Variables ?? {};
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'ASIABENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_SESSION_TOKEN: 'bench-token',
    ...Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : deployTimeValue(key)]),
    ),
  };
}

/** A stand-in for a value CloudFormation resolves at deploy time, of the shape the function parses. */
function deployTimeValue(key: string): string {
  return key.endsWith('_URL') ? 'https://deploy-time.example' : `deploy-time-${key}`;
}

/**
 * A cold init in a fresh Node process (BENCH_NODE): the time to `require()` the
 * file and how much the process's memory grew, which is what the function's
 * memory size must hold. Both bundles are CommonJS (ours by design, the
 * reference by esbuild's default), loaded with require() as Lambda's runtime
 * loads a .js handler.
 */
function coldInitIn(dir: string): (file: string, env: Record<string, string>) => Promise<Sample> {
  // Lambda's runtime is itself an ES module that has loaded Node's module loaders
  // before it imports the handler; warm both here so neither side pays for them.
  mkdirSync(dir, { recursive: true });
  const esm = join(dir, 'esm.mjs');
  const cjs = join(dir, 'cjs.cjs');
  writeFileSync(esm, 'export default 1;\n');
  writeFileSync(cjs, 'module.exports = 1;\n');
  return async (file, env) => {
    const code = [
      `await import(${JSON.stringify(esm)});`,
      `const { createRequire } = await import('node:module');`,
      `const require = createRequire(${JSON.stringify(cjs)});`,
      `require(${JSON.stringify(cjs)});`,
      'const rss = process.memoryUsage.rss();',
      'const t = performance.now();',
      `require(${JSON.stringify(file)});`,
      'const ms = performance.now() - t;',
      'process.stdout.write(JSON.stringify({ ms, rssMb: (process.memoryUsage.rss() - rss) / 2 ** 20 }));',
    ].join('\n');
    const { stdout } = await run(SERVICE_NODE, ['--input-type=module', '-e', code], { env });
    return JSON.parse(stdout) as Sample;
  };
}

/**
 * The floor: a module that only imports the Node built-ins the bundle imports
 * (console, crypto, streams, ...). Both bundles pay it; what is above it is
 * the bundle's own parse and evaluation.
 */
function writeFloor(bundle: Bundle, dir: string): string {
  const code = readFileSync(bundle.file, 'utf8');
  const builtins = new Set([...code.matchAll(/require\(\s*"(node:[\w/]+)"\s*\)/g)].map((match) => match[1]));
  const file = join(dir, `floor-${bundle.name}.cjs`);
  writeFileSync(file, [...builtins].map((builtin) => `require(${JSON.stringify(builtin)});`).join('\n'));
  return file;
}

/** One row of the cold-init table: medians of the bundle's samples. */
function summarize(bundle: Bundle, samples: { ours: Sample[]; reference: Sample[]; floor: Sample[] }) {
  const ms = (list: Sample[]) => median(list.map((sample) => sample.ms));
  const rssMb = (list: Sample[]) => round(median(list.map((sample) => sample.rssMb)), 1);
  const ours = ms(samples.ours);
  const reference = ms(samples.reference);
  const floor = ms(samples.floor);
  return {
    function: bundle.name,
    bundleKb: round(statSync(bundle.file).size / 1024, 1),
    referenceKb: round(statSync(bundle.reference).size / 1024, 1),
    coldInitMs: round(ours),
    referenceColdInitMs: round(reference),
    ratio: round(ours / reference),
    builtinsFloorMs: round(floor),
    ratioAboveFloor: round((ours - floor) / (reference - floor)),
    rssGrowthMb: rssMb(samples.ours),
    referenceRssGrowthMb: rssMb(samples.reference),
  };
}

export type BundleResult = ReturnType<typeof summarize>;

/** The cold-init table (median of COLD_RUNS), and the bundles' files for the service to run. */
export async function measureBundles(): Promise<{ result: BundleResult[]; handlerModules: Record<string, string> }> {
  const outdir = mkdtempSync(join(tmpdir(), 'okta-login-bench-'));
  const bundles = await synthBundles(outdir);
  const warmup = join(outdir, 'warmup');
  const coldInit = coldInitIn(warmup);
  const floors = new Map(bundles.map((bundle) => [bundle.name, writeFloor(bundle, warmup)]));
  const samples = new Map(
    bundles.map((bundle) => [bundle.name, { ours: [] as Sample[], reference: [] as Sample[], floor: [] as Sample[] }]),
  );
  for (let runIndex = 0; runIndex < COLD_RUNS; runIndex++) {
    for (const bundle of bundles) {
      const entry = samples.get(bundle.name) ?? { ours: [], reference: [], floor: [] };
      // Alternate the order so drift on a shared machine hits both sides alike.
      if (runIndex % 2 === 0) {
        entry.ours.push(await coldInit(bundle.file, bundle.env));
        entry.reference.push(await coldInit(bundle.reference, bundle.env));
      } else {
        entry.reference.push(await coldInit(bundle.reference, bundle.env));
        entry.ours.push(await coldInit(bundle.file, bundle.env));
      }
      entry.floor.push(await coldInit(floors.get(bundle.name) ?? '', bundle.env));
    }
  }
  const result = bundles
    .map((bundle) => summarize(bundle, samples.get(bundle.name) ?? { ours: [], reference: [], floor: [] }))
    .sort((a, b) => a.function.localeCompare(b.function));
  // The bundles stay until the end of the run: the login benchmarks run them.
  process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
  const handlerModules = Object.fromEntries(bundles.map((bundle) => [bundle.name, bundle.file]));
  return { result, handlerModules };
}
