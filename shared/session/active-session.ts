import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { requestCookies } from '../http/request.ts';
import type { Session } from '../sessions.ts';
import { hashSessionToken, parseSessionCookie, SESSION_COOKIE } from '../sessions.ts';
import type { User } from '../users.ts';
import type { SessionDependencies } from './dependencies.ts';
import { isSessionLive } from './session-rules.ts';

export interface ActiveSession {
  readonly session: Session;
  readonly user: User;
}

/**
 * Resolves the request's session cookie to a live session and its user with
 * one read, or undefined (the rules: `isSessionLive`).
 */
export async function findActiveSession(
  deps: Pick<SessionDependencies, 'config' | 'sessions' | 'now'>,
  event: APIGatewayProxyEventV2,
): Promise<ActiveSession | undefined> {
  const cookie = parseSessionCookie(requestCookies(event).get(SESSION_COOKIE));
  if (!cookie) return undefined;
  const tokenHash = hashSessionToken(cookie.token);
  const { session, user, tenant } = await deps.sessions.getSessionContext(tokenHash, cookie.tenantId, cookie.userId);
  if (!session || !user) return undefined;
  const now = Math.floor(deps.now().getTime() / 1000);
  if (session.tenantId !== cookie.tenantId || session.userId !== cookie.userId) return undefined;
  const idle = deps.config.sessionIdleSeconds;
  if (!isSessionLive(session, user, tenant, now, idle)) return undefined;
  // Record use for the idle timeout, but only once per tenth of it: most reads stay a single request.
  if (idle > 0 && now - session.lastSeenAt >= Math.max(60, Math.floor(idle / 10))) {
    await deps.sessions.touchSession(tokenHash, now);
  }
  return { session, user };
}
