/**
 * The setup link (README "Self-serve setup"): a 256-bit random token that is
 * the Okta admin's only credential, stored only as its SHA-256 in the
 * tenant's partition, compared in constant time, bound to one tenant, with
 * an expiry, revocable, and spent by activation unless re-issued after it.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ErrorCode, ErrorDetails } from '../errors.ts';
import type { TenantConfig } from '../tenants.ts';

export interface SetupLink {
  readonly tenantId: string;
  /** SHA-256 of the token, base64url: the token itself is never stored. */
  readonly tokenHash: string;
  /** Epoch milliseconds: compared with the tenant's `activatedAt`, which may fall in the same second. */
  readonly issuedAt: number;
  /** Epoch seconds; also the DynamoDB TTL. */
  readonly expiresAt: number;
}

/** What the last test sign-in received, for the setup page: claims and warnings, never a token. */
export interface SetupTestResult {
  readonly tenantId: string;
  /** ISO time. */
  readonly at: string;
  readonly outcome: 'signed_in' | 'failed';
  readonly claims?: {
    readonly sub: string;
    readonly email: string | undefined;
    readonly emailVerified: boolean | undefined;
    /** Undefined when the ID token has no `groups` claim (not the same as an empty list). */
    readonly groups: readonly string[] | undefined;
  };
  /** Whether the test asked Okta for the `groups` scope (absent in results stored before it was kept). */
  readonly groupsRequested?: boolean;
  /** Warning codes; their words are in the error catalogue (`SETUP_WARNINGS`). */
  readonly warnings: readonly string[];
  /** Why it failed, as the error's code, reason and safe details. */
  readonly error?: { readonly code: ErrorCode; readonly reason: string; readonly details: ErrorDetails };
  /** Epoch seconds; also the DynamoDB TTL. */
  readonly expiresAt: number;
}

/** 256 random bits, base64url (43 characters). */
export function newSetupToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSetupToken(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function isWellFormedSetupToken(value: string | undefined): value is string {
  return value !== undefined && TOKEN.test(value);
}

/**
 * Why a presented token does not open the setup pages. Only a request that
 * holds the right token learns more than `unknown` (expired, or spent by
 * activation): anyone else cannot tell a wrong token from a missing link.
 */
export type SetupLinkRefusal = 'unknown' | 'expired' | 'finished';

export function checkSetupLink(
  link: SetupLink | undefined,
  tenant: Pick<TenantConfig, 'activatedAt'> | undefined,
  token: string | undefined,
  now: Date,
): { readonly ok: true } | { readonly ok: false; readonly refusal: SetupLinkRefusal } {
  if (!link || !tenant || !isWellFormedSetupToken(token)) return { ok: false, refusal: 'unknown' };
  const presented = Buffer.from(hashSetupToken(token));
  const stored = Buffer.from(link.tokenHash);
  // Constant time: the comparison must not tell how much of a guessed hash was right.
  if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) {
    return { ok: false, refusal: 'unknown' };
  }
  if (link.expiresAt <= Math.floor(now.getTime() / 1000)) return { ok: false, refusal: 'expired' };
  // Activation spends every link issued before it, even if deleting the link did not happen.
  if (tenant.activatedAt && Date.parse(tenant.activatedAt) >= link.issuedAt) return { ok: false, refusal: 'finished' };
  return { ok: true };
}

/**
 * The synchronizer token of the setup forms: an HMAC of the form's purpose
 * keyed with the link token, so it is bound to the browser's setup cookie,
 * needs no storage, and cannot be computed without the token.
 */
export function setupCsrfToken(token: string, tenantId: string): string {
  return createHmac('sha256', token).update(`setup-form:${tenantId}`).digest('base64url');
}

export function isValidSetupCsrfToken(token: string, tenantId: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(setupCsrfToken(token, tenantId));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** One cookie per tenant (a platform engineer may set up two in one browser); `__Host-`: this host, Path=/. */
export function setupCookieName(tenantId: string): string {
  return `__Host-setup-${tenantId}`;
}

/** Parses `--expires 7d` / `12h` / `90m`: minutes, hours or days, from 10 minutes to 30 days. */
export function parseSetupLinkLifetime(value: string): number | undefined {
  const match = /^(\d{1,4})([mhd])$/.exec(value);
  if (!match) return undefined;
  const seconds = Number(match[1]) * { m: 60, h: 3600, d: 86_400 }[match[2] as 'm' | 'h' | 'd'];
  return seconds >= 600 && seconds <= 30 * 86_400 ? seconds : undefined;
}

export const DEFAULT_SETUP_LINK_LIFETIME_SECONDS = 7 * 86_400;

/** A time as the setup pages say it, to the minute: `2025-06-01 14:05 UTC`. */
export function formatSetupTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
