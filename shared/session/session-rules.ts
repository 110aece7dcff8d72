import type { SessionContext } from '../ports.ts';
import type { Session } from '../sessions.ts';
import type { User } from '../users.ts';

/**
 * Whether a stored session still lets its holder in: the one rule `/me` and
 * the authorizer apply, and by which Universal Logout counts the sessions it
 * ends. The stored expiry is checked here, since
 * DynamoDB's TTL deletes items only eventually.
 */
export function isSessionLive(
  session: Session,
  user: User | undefined,
  tenant: SessionContext['tenant'],
  now: number,
  idleSeconds: number,
): boolean {
  if (!user || !tenant) return false;
  if (session.expiresAt <= now) return false;
  if (idleSeconds > 0 && now - session.lastSeenAt >= idleSeconds) return false;
  if (user.disabled) return false;
  if (user.sessionsNotBefore !== undefined && session.createdAt < user.sessionsNotBefore) return false;
  if (tenant.sessionsNotBefore !== undefined && session.createdAt < tenant.sessionsNotBefore) return false;
  // A session of a deleted tenant, or of an earlier tenant with the same id, is over.
  return session.tenantGeneration === tenant.generation;
}
