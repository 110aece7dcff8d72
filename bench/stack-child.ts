/**
 * The service under benchmark, in its own process so that the handlers' CPU
 * time is not mixed with the identity provider's or the load generator's.
 * Started by bench/run.ts with `node --import tsx`; talks over IPC.
 */

import type { LambdaHandler } from '../local/server.ts';
import { startLocalStack } from '../local/stack.ts';

interface RouteStats {
  invocations: number;
  cpuMicros: number;
  wallMs: number;
}

const stats = new Map<string, RouteStats>();

const stack = await startLocalStack({
  port: 0,
  demoIdp: false,
  dynamoDbEndpoint: process.env.BENCH_DYNAMODB_ENDPOINT ?? '',
  tableName: process.env.BENCH_TABLE ?? 'bench',
  env: { LOG_LEVEL: 'SILENT', POWERTOOLS_LOG_LEVEL: 'SILENT' },
  wrapHandler: (_name, handler): LambdaHandler => {
    return async (event, context) => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      try {
        return await handler(event, context);
      } finally {
        const used = process.cpuUsage(cpu);
        const entry = stats.get(event.routeKey) ?? { invocations: 0, cpuMicros: 0, wallMs: 0 };
        entry.invocations++;
        entry.cpuMicros += used.user + used.system;
        entry.wallMs += performance.now() - started;
        stats.set(event.routeKey, entry);
      }
    };
  },
});

// Message types are namespaced: the tsx loader shares this IPC channel.
process.on('message', (message: { type?: string }) => {
  if (message.type === 'bench:stats') {
    process.send?.({ type: 'bench:stats', stats: Object.fromEntries(stats) });
    stats.clear();
  }
  if (message.type === 'bench:stop') {
    void stack.stop().then(() => process.exit(0));
  }
});
process.send?.({ type: 'bench:ready', url: stack.url });
