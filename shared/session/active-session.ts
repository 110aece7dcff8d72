import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { requestCookies } from '../http/request.ts';
import type { Session } from '../sessions.ts';
import { hashSessionToken, parseSessionCookie, SESSION_COOKIE } from '../sessions.ts';
import type { User } from '../users.ts';
import type { SessionDependencies } from './dependencies.ts';

export interface ActiveSession {
  readonly session: Session;
  readonly user: User;
}

/**
 * Resolves the request's session cookie to a live session and its user with
 * one read, or undefined. Checks the stored expiry itself, since DynamoDB's
 * TTL deletes items only eventually.
 */
export async function findActiveSession(
  deps: Pick<SessionDependencies, 'config' | 'sessions' | 'now'>,
  event: APIGatewayProxyEventV2,
): Promise<ActiveSession | undefined> {
  const cookie = parseSessionCookie(requestCookies(event).get(SESSION_COOKIE));
  if (!cookie) return undefined;
  const tokenHash = hashSessionToken(cookie.token);
  const { session, user, tenant } = await deps.sessions.getSessionContext(tokenHash, cookie.tenantId, cookie.userId);
  if (!session || !user || !tenant) return undefined;
  const now = Math.floor(deps.now().getTime() / 1000);
  if (session.tenantId !== cookie.tenantId || session.userId !== cookie.userId) return undefined;
  if (session.expiresAt <= now) return undefined;
  const idle = deps.config.sessionIdleSeconds;
  if (idle > 0 && now - session.lastSeenAt >= idle) return undefined;
  if (user.disabled) return undefined;
  if (user.sessionsNotBefore !== undefined && session.createdAt < user.sessionsNotBefore) return undefined;
  if (tenant.sessionsNotBefore !== undefined && session.createdAt < tenant.sessionsNotBefore) return undefined;
  // A session of a deleted tenant, or of an earlier tenant with the same id, is over.
  if (session.tenantGeneration !== tenant.generation) return undefined;
  // Record use for the idle timeout, but only once per tenth of it: most reads stay a single request.
  if (idle > 0 && now - session.lastSeenAt >= Math.max(60, Math.floor(idle / 10))) {
    await deps.sessions.touchSession(tokenHash, now);
  }
  return { session, user };
}
