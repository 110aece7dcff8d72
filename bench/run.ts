/**
 * `npm run bench`: what a platform team deciding on this service wants to
 * know, measured side by side in one run (medians and ratios, never absolute
 * thresholds: machines are shared and noisy). Writes bench/results.json.
 *
 *  1. Every function bundle `cdk synth` produces: size and cold init against
 *     a reference bundle of the same entry built with esbuild defaults
 *     (bench/cold-init.ts).
 *  2. DynamoDB requests per login, `/me`, `/session/token` and logout, counted
 *     on the wire, the read units of a token call, and discovery and JWKS
 *     fetches per warm login (bench/request-counts.ts).
 *  3. DynamoDB requests and read units per request through the session
 *     authorizer, which caches no decision (bench/request-counts.ts).
 *  4. Warm end-to-end login latency, the handlers' own CPU time, and the
 *     throughput of concurrent logins; the handler CPU per call of
 *     `/session/token` beside `/me`'s (bench/latency.ts).
 *  5. CPU per call of each outbound call of a login: the DynamoDB operations
 *     through the SDK's DynamoDBDocumentClient, the token request through our fetch
 *     and Node's; and a session token's RS256 signature (bench/calls.ts).
 *  6. Cost per million logins, per million authorized requests and per
 *     million session tokens at AWS list prices, from the measured counts
 *     (bench/cost.ts).
 * The service and what it talks to are in bench/service.ts, the report in
 * bench/report.ts.
 */

import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { measureCalls } from './calls.ts';
import { measureBundles } from './cold-init.ts';
import { authorizerReadCost, costPerMillion, sessionTokenCost } from './cost.ts';
import { measureLatency, measureSessionCalls, measureThroughput } from './latency.ts';
import { printColdInit, printResults, writeResults } from './report.ts';
import { measureAuthorizer, measureRequestCounts } from './request-counts.ts';
import { measureScimRequests, printScimCounts } from './scim.ts';
import { startBenchService } from './service.ts';
import { SERVICE_NODE, SKIP_BUNDLES } from './settings.ts';
import { round } from './stats.ts';

/** Assumed round trip to Okta's token endpoint, which the callback's Lambda time includes. */
const OKTA_TOKEN_RTT_MS = 150;

const startedAt = new Date();
const serviceNodeVersion = (await promisify(execFile)(SERVICE_NODE, ['--version'])).stdout.trim();
console.log(
  `bench: ${cpus().length} cores, ${round(totalmem() / 2 ** 30, 1)} GiB, bench on Node ${process.version}, service on Node ${serviceNodeVersion}`,
);
const measured = SKIP_BUNDLES ? undefined : await measureBundles();
const bundles = measured?.result ?? [];
printColdInit(bundles);

const service = await startBenchService(measured?.handlerModules);
console.log('bench: stack at', service.url);
// Warm the handlers once, on a tenant the scenarios do not use.
await service.login('bench', 'warmup');
await service.login('bench', 'warmup');
const counts = await measureRequestCounts(service);
const authorizer = await measureAuthorizer(service);
// After the login counts: SCIM turns bench_first's roles over to SCIM groups (bench/scim.ts).
const scim = await measureScimRequests(service, 'bench_first');
const latency = await measureLatency(service);
const throughput = await measureThroughput(service);
// After the logins, in the same warm service: each handler has long been compiled.
const sessionCalls = await measureSessionCalls(service);
await service.stop();
// With the service stopped: CPU per outbound call, in this process.
const calls = await measureCalls(service.dynamo.endpoint, service.tableName);
await service.dynamo.stop();

const results = {
  startedAt,
  machine: { cores: cpus().length, benchNode: process.version, serviceNode: serviceNodeVersion },
  serviceRan: measured ? ('bundles' as const) : ('sources' as const),
  bundles,
  counts,
  authorizer: { ...authorizer, cost: authorizerReadCost(authorizer.perAuthorizedRequest) },
  latency,
  throughput,
  sessionCalls,
  calls,
  cost: costPerMillion(counts.requests.returningUser, latency.handlerWallMsPerInvocation, OKTA_TOKEN_RTT_MS),
  sessionTokenCost: sessionTokenCost(counts.sessionTokenReads, sessionCalls.sessionToken.handlerWallMsMedian),
};
printResults(results);
printScimCounts(scim);
writeResults({ ...results, scim });
console.log('\nwrote bench/results.json');
process.exit(0);
