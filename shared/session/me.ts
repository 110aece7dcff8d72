import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type HttpResult, json } from '../http/responses.ts';
import { type ActiveSession, requireActiveSession } from './active-session.ts';
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
  return json(200, describeSession(await requireActiveSession(deps, event)));
}
