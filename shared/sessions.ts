import { createHash, randomBytes } from 'node:crypto';
import { isValidTenantId } from './tenants.ts';

/** `__Host-`: Secure, Path=/, no Domain — the cookie cannot be set or shadowed by a sibling subdomain. */
export const SESSION_COOKIE = '__Host-session';

/** A server-side session; the browser holds only the random token. */
export interface Session {
  readonly tokenHash: string;
  readonly tenantId: string;
  readonly userId: string;
  /** The tenant's generation at login: a session outlives neither its tenant's deletion nor a re-creation. */
  readonly tenantGeneration?: string | undefined;
  /** Epoch seconds. */
  readonly createdAt: number;
  /** Epoch milliseconds, what revocation epochs are compared with (sessions of older code: `createdAt` × 1000). */
  readonly createdAtMs: number;
  /** Epoch seconds; also the DynamoDB TTL. */
  readonly expiresAt: number;
  /** Epoch seconds of the last use, refreshed at most every few minutes (idle timeout). */
  readonly lastSeenAt: number;
}

/** The parts of the session cookie value: `<tenant>.<userId>.<token>`. */
export interface SessionCookie {
  readonly tenantId: string;
  readonly userId: string;
  readonly token: string;
}

/** Only a hash of the token is stored, so a leaked table does not leak sessions. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/** 256 random bits. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The cookie carries tenant and user id in the clear next to the secret token:
 * they locate the user record so `/me` can read session and user in one
 * request. They grant nothing without the token.
 */
export function formatSessionCookie(value: SessionCookie): string {
  return `${value.tenantId}.${value.userId}.${value.token}`;
}

const USER_ID = /^u_[A-Za-z0-9_-]{32}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function parseSessionCookie(value: string | undefined): SessionCookie | undefined {
  if (!value || value.length > 200) return undefined;
  const [tenantId, userId, token, extra] = value.split('.');
  if (extra !== undefined || !tenantId || !userId || !token) return undefined;
  if (!isValidTenantId(tenantId) || !USER_ID.test(userId) || !TOKEN.test(token)) return undefined;
  return { tenantId, userId, token };
}
