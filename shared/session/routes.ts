import type { Logger } from '@aws-lambda-powertools/logger';
import { createHttpHandler, type RouteHandler } from '../http/middleware.ts';
import type { SessionDependencies } from './dependencies.ts';
import { logout } from './logout.ts';
import { getMe } from './me.ts';

export type { SessionDependencies } from './dependencies.ts';

export function sessionRoutes(deps: SessionDependencies): Record<string, RouteHandler> {
  return {
    'GET /me': (event) => getMe(deps, event),
    'POST /logout': (event) => logout(deps, event),
  };
}

export function createSessionHandler(deps: SessionDependencies & { readonly logger: Logger }) {
  return createHttpHandler(sessionRoutes(deps), { logger: deps.logger });
}
