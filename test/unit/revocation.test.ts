/**
 * The revocation rule (`shared/session/revocation.ts`) and the session check
 * that applies it: millisecond epochs, epochs and sessions written by the
 * previous version in whole seconds, and clocks off by the stated bound.
 */
import { describe, expect, it } from 'vitest';
import {
  epochFromStored,
  forwardEpoch,
  isRevokedBy,
  laterEpoch,
  MAX_CLOCK_ERROR_MS,
  revocationEpoch,
  sessionStartMs,
} from '../../shared/session/revocation.ts';
import { isSessionLive } from '../../shared/session/session-rules.ts';
import type { Session } from '../../shared/sessions.ts';
import type { User } from '../../shared/users.ts';
import { testUser } from '../support/test-user.ts';

const T = Date.parse('2026-12-06T12:00:00.400Z');

const session = (createdAtMs: number, fromOldVersion = false): Session => ({
  tokenHash: 'h',
  tenantId: 'acme',
  userId: 'u_x',
  tenantGeneration: 'g1',
  createdAt: Math.floor(createdAtMs / 1000),
  // What the store reads: the previous version stored whole seconds only.
  createdAtMs: sessionStartMs(fromOldVersion ? undefined : createdAtMs, Math.floor(createdAtMs / 1000)),
  expiresAt: Math.floor(createdAtMs / 1000) + 3600,
  lastSeenAt: Math.floor(createdAtMs / 1000),
});

const user = (changes: Partial<User> = {}): User =>
  testUser({ tenantId: 'acme', userId: 'u_x', issuer: 'https://acme.okta.example', sub: '00u1', ...changes });

const tenant: { sessionsNotBeforeMs: number | undefined; generation: string } = {
  sessionsNotBeforeMs: undefined,
  generation: 'g1',
};
const live = (s: Session, u: User, t = tenant) => isSessionLive(s, u, t, s.createdAt + 1, 0);

describe('Revocation: a session that starts after a revocation works, one before does not', () => {
  it('lets a sign-in in the same second as the revocation work once the margin has passed', () => {
    const epoch = revocationEpoch(new Date(T));
    const revoked = user({ sessionsNotBeforeMs: epoch });
    // Same second as the revocation (the old whole-second rule ended this one too).
    expect(Math.floor((epoch + 1) / 1000)).toBe(Math.floor(T / 1000));
    expect(live(session(epoch + 1), revoked)).toBe(true);
    expect(live(session(T - 1), revoked)).toBe(false);
    expect(live(session(T), revoked)).toBe(false);
  });

  it('ends every session started before the revocation when the two clocks are off by the bound, either way', () => {
    for (const revokerError of [-MAX_CLOCK_ERROR_MS, 0, MAX_CLOCK_ERROR_MS]) {
      for (const loginHostError of [-MAX_CLOCK_ERROR_MS, 0, MAX_CLOCK_ERROR_MS]) {
        const epoch = revocationEpoch(new Date(T + revokerError));
        // Started one millisecond (true time) before the revocation, stamped by a clock off by loginHostError.
        expect(live(session(T - 1 + loginHostError), user({ sessionsNotBeforeMs: epoch }))).toBe(false);
        // Started after the margin (true time), stamped likewise: works.
        const after = T + 4 * MAX_CLOCK_ERROR_MS + 1 + loginHostError;
        expect(live(session(after), user({ sessionsNotBeforeMs: epoch }))).toBe(true);
      }
    }
  });

  it('honours epochs the previous version wrote in seconds, and sessions it stored with seconds only', () => {
    // Old code: `sessionsNotBefore` = the next whole second; sessions created before it are revoked.
    const legacyEpoch = Math.floor(T / 1000) + 1;
    const merged = epochFromStored(undefined, legacyEpoch);
    expect(merged).toBe(legacyEpoch * 1000);
    expect(live(session(T, true), user({ sessionsNotBeforeMs: merged }))).toBe(false);
    expect(live(session(legacyEpoch * 1000, true), user({ sessionsNotBeforeMs: merged }))).toBe(true);
    // Both attributes on one item: the later wins.
    expect(epochFromStored(T + 50, legacyEpoch)).toBe(Math.max(T + 50, legacyEpoch * 1000));
    expect(epochFromStored(undefined, undefined)).toBeUndefined();
    // A session of the old version is read as started at its second's first millisecond: never spared.
    expect(isRevokedBy(session(T, true).createdAtMs, T - 300)).toBe(true);
  });

  it('applies the tenant-wide epoch by the same rule', () => {
    const epoch = revocationEpoch(new Date(T));
    expect(live(session(T), user(), { sessionsNotBeforeMs: epoch, generation: 'g1' })).toBe(false);
    expect(live(session(epoch), user(), { sessionsNotBeforeMs: epoch, generation: 'g1' })).toBe(true);
  });

  it('moves epochs only forward', () => {
    expect(laterEpoch(5, 3)).toBe(5);
    expect(laterEpoch(undefined, 3)).toBe(3);
    expect(laterEpoch(4, undefined)).toBe(4);
  });

  it('writes a revocation’s epoch only over an earlier one', () => {
    const epoch = revocationEpoch(new Date(T));
    expect(forwardEpoch(new Date(T), undefined)).toBe(epoch);
    expect(forwardEpoch(new Date(T), epoch - 1)).toBe(epoch);
    expect(forwardEpoch(new Date(T), epoch)).toBeUndefined();
    expect(forwardEpoch(new Date(T), epoch + 1)).toBeUndefined();
  });

  it('reads a session stored with whole seconds as started at its first millisecond', () => {
    expect(sessionStartMs(T, Math.floor(T / 1000))).toBe(T);
    expect(sessionStartMs(undefined, Math.floor(T / 1000))).toBe(Math.floor(T / 1000) * 1000);
  });
});

describe('Disable flags: an administrator’s and Okta’s are separate, either refuses', () => {
  it('refuses a session while either is set', () => {
    const s = session(T);
    expect(live(s, user())).toBe(true);
    expect(live(s, user({ adminDisabled: true }))).toBe(false);
    expect(live(s, user({ deactivated: true }))).toBe(false);
    expect(live(s, user({ adminDisabled: true, deactivated: true }))).toBe(false);
  });
});
