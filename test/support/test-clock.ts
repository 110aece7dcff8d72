/**
 * Time in end-to-end tests without fixed sleeps.
 *
 * The local stack runs in the test's own process, and the caches with a
 * lifetime read that process's clock: the functions' tenant directory
 * (`TenantDirectory`, `Date.now` by default) and jose's JWKS refetch cooldown
 * (jose reads `Date.now()` itself and takes no clock). Moving the process's
 * `Date` moves them all, with no test seam in production code: a test
 * advances the clock past a TTL instead of sleeping through it.
 */
import { vi } from 'vitest';
import { REVOCATION_MARGIN_MS } from '../../shared/session/revocation.ts';

export interface TestClock {
  /** Moves `Date` forward by `ms` at once; it goes on running from there. */
  advance(ms: number): void;
  /** Puts the real `Date` back. */
  uninstall(): void;
}

/**
 * Replaces `Date` (only: timers, `performance` and the event loop stay real)
 * with a clock that runs with real time and can jump ahead. Install it before
 * the stack starts: a `TenantDirectory` keeps the `Date.now` it was built with.
 */
export function installTestClock(): TestClock {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, advanceTimeDelta: 5 });
  return {
    advance: (ms) => {
      vi.advanceTimersByTime(ms);
    },
    uninstall: () => {
      vi.useRealTimers();
    },
  };
}

/**
 * Waits until every revocation made before this call has taken effect, so a
 * sign-in from now on is a new session it does not end. A revocation's epoch
 * is at most `REVOCATION_MARGIN_MS` past the revoker's clock
 * (shared/session/revocation.ts), and the revoker (a handler or the tenant
 * CLI, in this process) read that clock before this call: a wait on the clock
 * of a few milliseconds, not a fixed sleep.
 */
export async function pastRevocations(): Promise<void> {
  const epoch = Date.now() + REVOCATION_MARGIN_MS;
  while (Date.now() <= epoch) await new Promise((resolve) => setTimeout(resolve, epoch - Date.now() + 1));
}
