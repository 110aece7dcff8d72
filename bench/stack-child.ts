/**
 * The service under benchmark, in its own process so that the handlers' CPU
 * time is not mixed with the identity provider's or the load generator's.
 * Started by bench/run.ts with `node --import tsx`; talks over IPC.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { LambdaHandler } from '../local/server.ts';
import { startLocalStack } from '../local/stack.ts';

interface RouteStats {
  invocations: number;
  cpuMicros: number;
  wallMs: number;
  /** Each invocation's CPU (µs) and wall time (ms), for per-call medians (bench/latency.ts). */
  cpuMicrosPerCall: number[];
  wallMsPerCall: number[];
}

const stats = new Map<string, RouteStats>();

const stack = await startLocalStack({
  port: 0,
  demoIdp: false,
  dynamoDbEndpoint: process.env.BENCH_DYNAMODB_ENDPOINT ?? '',
  tableName: process.env.BENCH_TABLE ?? 'bench',
  env: {
    LOG_LEVEL: 'SILENT',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    // The session tokens' `aud` (no demo app here): set as an audience, not as APP_URL, so the
    // logins measured land where they always did and cost what they always did.
    APP_AUDIENCE: 'https://app.bench.example',
  },
  // The bundles `cdk synth` built, when the bench has them: what runs is what deploys.
  ...(process.env.BENCH_HANDLER_MODULES ? { handlerModules: JSON.parse(process.env.BENCH_HANDLER_MODULES) } : {}),
  wrapHandler: (_name, handler): LambdaHandler => {
    return async (event, context) => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      try {
        return await handler(event, context);
      } finally {
        const used = process.cpuUsage(cpu);
        const cpuMicros = used.user + used.system;
        const wallMs = performance.now() - started;
        const entry = stats.get(event.routeKey) ?? {
          invocations: 0,
          cpuMicros: 0,
          wallMs: 0,
          cpuMicrosPerCall: [],
          wallMsPerCall: [],
        };
        entry.invocations++;
        entry.cpuMicros += cpuMicros;
        entry.wallMs += wallMs;
        entry.cpuMicrosPerCall.push(cpuMicros);
        entry.wallMsPerCall.push(wallMs);
        stats.set(event.routeKey, entry);
      }
    };
  },
});

// BENCH_PROFILE=<dir>: a CPU profile of the latency window only, so startup
// and compilation do not blur the picture.
const profileDir = process.env.BENCH_PROFILE;
let profiler: Session | undefined;
async function startProfile(): Promise<void> {
  if (!profileDir) return;
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
  await profiler.post('Profiler.start');
}
async function stopProfile(): Promise<void> {
  if (!profileDir || !profiler) return;
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = undefined;
  mkdirSync(profileDir, { recursive: true });
  const file = join(profileDir, `logins-${Date.now()}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log('bench: wrote', file);
}

// Message types are namespaced: the tsx loader shares this IPC channel.
process.on('message', (message: { type?: string }) => {
  if (message.type === 'bench:stats') {
    process.send?.({ type: 'bench:stats', stats: Object.fromEntries(stats) });
    stats.clear();
  }
  if (message.type === 'bench:profile-start') void startProfile().then(() => process.send?.(message));
  if (message.type === 'bench:profile-stop') void stopProfile().then(() => process.send?.(message));
  if (message.type === 'bench:stop') {
    void stack.stop().then(() => process.exit(0));
  }
});
process.send?.({ type: 'bench:ready', url: stack.url });
