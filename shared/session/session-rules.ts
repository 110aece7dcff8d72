import type { SessionContext } from '../ports.ts';
import type { Session } from '../sessions.ts';
import { isUserDisabled, type User } from '../users.ts';
import { isRevokedBy } from './revocation.ts';

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
  if (isUserDisabled(user)) return false;
  if (isRevokedBy(session.createdAtMs, user.sessionsNotBeforeMs)) return false;
  if (isRevokedBy(session.createdAtMs, tenant.sessionsNotBeforeMs)) return false;
  // A session of a deleted tenant, or of an earlier tenant with the same id, is over.
  return session.tenantGeneration === tenant.generation;
}
