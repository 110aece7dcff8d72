import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import { requestCookies } from '../http/request.ts';
import type { SessionContext } from '../ports.ts';
import type { Session } from '../sessions.ts';
import { hashSessionToken, parseSessionCookie, SESSION_COOKIE, type SessionCookie } from '../sessions.ts';
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
  const context = await deps.sessions.getSessionContext(tokenHash, cookie.tenantId, cookie.userId);
  return activeSessionOf(deps, cookie, tokenHash, context);
}

/**
 * The rules of `findActiveSession` applied to a context already read for
 * `cookie` (a caller that reads more in the same request, e.g. the token
 * function with the public keys); touches the session for the idle timeout.
 */
export async function activeSessionOf(
  deps: Pick<SessionDependencies, 'config' | 'sessions' | 'now'>,
  cookie: SessionCookie,
  tokenHash: string,
  { session, user, tenant }: SessionContext,
): Promise<ActiveSession | undefined> {
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

/**
 * The request's live session, or the not-signed-in error (401). An ended
 * session still says which tenant it was, so the page can offer that
 * tenant's sign-in.
 */
export async function requireActiveSession(
  deps: Pick<SessionDependencies, 'config' | 'sessions' | 'now'>,
  event: APIGatewayProxyEventV2,
): Promise<ActiveSession> {
  const active = await findActiveSession(deps, event);
  if (active) return active;
  const ended = parseSessionCookie(requestCookies(event).get(SESSION_COOKIE));
  throw new ServiceError('NOT_AUTHENTICATED', {
    reason: 'no_session',
    details: ended ? { tenantId: ended.tenantId } : {},
  });
}
