/**
 * Warm logins: end-to-end latency of sequential logins with the handlers'
 * own CPU and wall time (from the service process), then throughput with
 * logins in flight at once; and the handlers' CPU per call of
 * `GET /session/token` beside `GET /me`.
 */
import type { BenchService, ChildStats } from './service.ts';
import {
  CONCURRENCY,
  LATENCY_LOGINS,
  SESSION_CALLS,
  SESSION_WARMUP_CALLS,
  THROUGHPUT_LOGINS,
  WARMUP_LOGINS,
} from './settings.ts';
import { median, percentile, round } from './stats.ts';

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

/** The session reads an app makes: `/me`, and `/session/token` (the same read, one RS256 signature more). */
const SESSION_ROUTES = { me: 'GET /me', sessionToken: 'GET /session/token' } as const;
type SessionRoute = keyof typeof SESSION_ROUTES;

/**
 * Handler CPU and wall time per call of `GET /session/token` beside
 * `GET /me`, on one signed-in session in the same warm service: SESSION_CALLS
 * of each, alternating which goes first so drift on a shared machine hits
 * both alike, after SESSION_WARMUP_CALLS of each for the JIT. Medians of the
 * single calls (the service process's CPU while the handler runs, as for
 * the logins). The session was just created, so no call touches it for the
 * idle timeout (once per tenth of it): every call is the one-read path.
 */
export async function measureSessionCalls(service: BenchService) {
  // An existing user of the latency tenant: no new user, no new tenant.
  const browser = await service.login('bench', 'user0');
  const call = async (route: SessionRoute) => {
    const path = SESSION_ROUTES[route].replace(/^GET /, '');
    const answer = await browser.request(`${service.url}${path}`, { headers: { accept: 'application/json' } });
    if (answer.status !== 200) throw new Error(`bench: ${path} answered ${answer.status}: ${answer.body}`);
  };
  const pair = async (index: number) => {
    const order: SessionRoute[] = index % 2 === 0 ? ['me', 'sessionToken'] : ['sessionToken', 'me'];
    for (const route of order) await call(route);
  };
  for (let index = 0; index < SESSION_WARMUP_CALLS; index++) await pair(index);
  await service.ask<{ stats: ChildStats }>('bench:stats');
  for (let index = 0; index < SESSION_CALLS; index++) await pair(index);
  const { stats } = await service.ask<{ stats: ChildStats }>('bench:stats');
  const perCall = (route: SessionRoute) => {
    const entry = stats[SESSION_ROUTES[route]];
    if (entry?.invocations !== SESSION_CALLS) {
      throw new Error(
        `bench: ${SESSION_ROUTES[route]} ran ${entry?.invocations ?? 0} times, expected ${SESSION_CALLS}`,
      );
    }
    const cpuMs = entry.cpuMicrosPerCall.map((micros) => micros / 1000);
    return {
      handlerCpuMsMedian: round(median(cpuMs), 3),
      handlerCpuMsP95: round(percentile(cpuMs, 95), 3),
      handlerWallMsMedian: round(median(entry.wallMsPerCall), 3),
    };
  };
  const me = perCall('me');
  const sessionToken = perCall('sessionToken');
  return {
    calls: SESSION_CALLS,
    me,
    sessionToken,
    /** Median token call's CPU over median `/me` call's. */
    cpuRatio: round(sessionToken.handlerCpuMsMedian / me.handlerCpuMsMedian, 2),
  };
}
