/**
 * Warm logins: end-to-end latency of sequential logins with the handlers'
 * own CPU and wall time (from the service process), then throughput with
 * logins in flight at once.
 */
import type { BenchService, ChildStats } from './service.ts';
import { CONCURRENCY, LATENCY_LOGINS, THROUGHPUT_LOGINS, WARMUP_LOGINS } from './settings.ts';
import { percentile, round } from './stats.ts';

const LOGIN_ROUTES = ['GET /t/{tenant}/login', 'GET /t/{tenant}/callback'];

/** Per route, `total(route) / invocations(route)`, rounded. */
function perInvocation(stats: ChildStats, total: (route: string) => number, digits: number) {
  return Object.fromEntries(
    LOGIN_ROUTES.map((route) => [route, round(total(route) / Math.max(1, stats[route]?.invocations ?? 1), digits)]),
  );
}

/**
 * Sequential full logins (initiate + IdP sign-in + callback) of returning
 * users, after enough logins that the JIT has compiled the hot paths, as in
 * a busy container.
 */
export async function measureLatency(service: BenchService) {
  for (let index = 0; index < WARMUP_LOGINS; index++) await service.login('bench', `user${index % 25}`);
  await service.ask<{ stats: ChildStats }>('bench:stats');
  await service.ask('bench:profile-start');
  const latencies: number[] = [];
  for (let index = 0; index < LATENCY_LOGINS; index++) {
    const started = performance.now();
    await service.login('bench', `user${index % 25}`);
    latencies.push(performance.now() - started);
  }
  await service.ask('bench:profile-stop');
  const { stats } = await service.ask<{ stats: ChildStats }>('bench:stats');
  const cpuMicros = LOGIN_ROUTES.reduce((sum, route) => sum + (stats[route]?.cpuMicros ?? 0), 0);
  return {
    logins: LATENCY_LOGINS,
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
    p99Ms: round(percentile(latencies, 99)),
    handlerCpuMsPerLogin: round(cpuMicros / 1000 / LATENCY_LOGINS, 3),
    handlerCpuMsPerInvocation: perInvocation(stats, (route) => (stats[route]?.cpuMicros ?? 0) / 1000, 3),
    handlerWallMsPerInvocation: perInvocation(stats, (route) => stats[route]?.wallMs ?? 0, 2),
  };
}

/** Logins per second with CONCURRENCY logins in flight at once. */
export async function measureThroughput(service: BenchService) {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < THROUGHPUT_LOGINS) {
        const index = next++;
        await service.login('bench', `user${index % 25}`);
      }
    }),
  );
  const throughput = THROUGHPUT_LOGINS / ((performance.now() - started) / 1000);
  return { logins: THROUGHPUT_LOGINS, concurrency: CONCURRENCY, loginsPerSecond: round(throughput, 1) };
}
