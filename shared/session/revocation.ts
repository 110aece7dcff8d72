/**
 * The one rule for revocation epochs: when a revocation takes effect and
 * which sessions it ends. Every writer of an epoch (`revoke-sessions`,
 * `disable-user`, Universal Logout, SCIM deactivation and DELETE) and every
 * reader (`isSessionLive`) goes through here.
 *
 * Times are compared in milliseconds. Epochs written by earlier versions in
 * whole seconds (`sessionsNotBefore`, "sessions created before this second
 * are revoked") are read as that second's first millisecond, which keeps
 * their meaning exactly; sessions stored with only a creation second are
 * read as created at that second's first millisecond, the earliest they can
 * have been, so an epoch never spares them.
 *
 * Clock assumption: the functions that write sessions and the ones that
 * write epochs run on different Lambda hosts. Lambda hosts keep time with
 * Amazon Time Sync, whose error is well under a millisecond; we allow each
 * clock `MAX_CLOCK_ERROR_MS` either way. An epoch is set that far (twice: the
 * revoker's error plus the login host's) past the revoker's clock, so a
 * session that started before the revocation is always ended, whichever way
 * the two clocks are off, and a sign-in that starts after it works as soon
 * as that margin has passed — a few milliseconds, far shorter than any
 * sign-in through Okta.
 */

/** How far any host's clock may be from true time, either way (Amazon Time Sync keeps it well inside this). */
export const MAX_CLOCK_ERROR_MS = 5;

/** The margin an epoch is set past the revoker's clock: its own error plus a session writer's. */
export const REVOCATION_MARGIN_MS = 2 * MAX_CLOCK_ERROR_MS;

/** The epoch a revocation made at `now` writes (milliseconds): sessions created before it are ended. */
export function revocationEpoch(now: Date): number {
  return now.getTime() + REVOCATION_MARGIN_MS;
}

/**
 * A stored epoch in milliseconds from what an item holds: the millisecond
 * attribute new code writes and the seconds one older code wrote, whichever
 * ends more.
 */
export function epochFromStored(milliseconds: unknown, legacySeconds: unknown): number | undefined {
  const fromMs = typeof milliseconds === 'number' ? milliseconds : undefined;
  const fromSeconds = typeof legacySeconds === 'number' ? legacySeconds * 1000 : undefined;
  if (fromMs === undefined) return fromSeconds;
  if (fromSeconds === undefined) return fromMs;
  return Math.max(fromMs, fromSeconds);
}

/**
 * When a stored session started, in milliseconds: the attribute new code
 * writes, else (sessions of older code, whole seconds only) the first
 * millisecond of its second, the earliest it can have started, so no epoch
 * spares it.
 */
export function sessionStartMs(createdAtMs: unknown, createdAtSeconds: number): number {
  return typeof createdAtMs === 'number' ? createdAtMs : createdAtSeconds * 1000;
}

/** Whether a session created at `createdAtMs` is ended by the epoch `notBeforeMs`. */
export function isRevokedBy(createdAtMs: number, notBeforeMs: number | undefined): boolean {
  return notBeforeMs !== undefined && createdAtMs < notBeforeMs;
}

/**
 * What a revocation at `now` writes over the stored epoch `current`: its
 * epoch, or nothing (undefined) when `current` already ends at least as many
 * sessions — another revocation's later epoch stays as it is.
 */
export function forwardEpoch(now: Date, current: number | undefined): number | undefined {
  const epoch = revocationEpoch(now);
  return current === undefined || epoch > current ? epoch : undefined;
}

/** The later of two epochs: epochs only ever move forward. */
export function laterEpoch(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
