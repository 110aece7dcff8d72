import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ServiceError } from '../errors.ts';
import { requestCookies } from '../http/request.ts';
import { type HttpResult, json } from '../http/responses.ts';
import { parseSessionCookie, SESSION_COOKIE } from '../sessions.ts';
import { type ActiveSession, findActiveSession } from './active-session.ts';
import type { SessionDependencies } from './dependencies.ts';

/** The body of `GET /me` (README "Routes"). */
export function describeSession({ user }: ActiveSession) {
  return {
    tenant: user.tenantId,
    user: {
      id: user.userId,
      sub: user.sub,
      email: user.email ?? null,
      name: user.name ?? null,
      role: user.role,
      groups: [...user.groups],
      roles: [...user.roles],
    },
  };
}

export async function getMe(deps: SessionDependencies, event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const active = await findActiveSession(deps, event);
  if (!active) {
    // An ended session still says which tenant it was: the page can offer that tenant's sign-in.
    const ended = parseSessionCookie(requestCookies(event).get(SESSION_COOKIE));
    throw new ServiceError('NOT_AUTHENTICATED', {
      reason: 'no_session',
      details: ended ? { tenantId: ended.tenantId } : {},
    });
  }
  return json(200, describeSession(active));
}
