import type { Logger } from '@aws-lambda-powertools/logger';
import { createHttpHandler, type Route, type RouteHandler } from '../http/middleware.ts';
import { corsRoute, preflightRoute } from './app-cors.ts';
import type { SessionDependencies } from './dependencies.ts';
import { logout } from './logout.ts';
import { getMe } from './me.ts';
import { signedInPage } from './signed-in.ts';

export type { SessionDependencies } from './dependencies.ts';

/**
 * The session function's routes. `/me` and `/logout` are called by the app
 * from its own origin too: CORS for the origins this session allows
 * (shared/session/app-cors.ts), and their `OPTIONS` preflights.
 */
export function sessionRoutes(deps: SessionDependencies): Record<string, RouteHandler | Route> {
  return {
    'GET /me': corsRoute(deps, (event) => getMe(deps, event)),
    'OPTIONS /me': preflightRoute(deps, ['GET']),
    'POST /logout': corsRoute(deps, (event, _context, corsOrigin) => logout(deps, event, corsOrigin)),
    'OPTIONS /logout': preflightRoute(deps, ['POST']),
    'GET /signed-in': (event) => signedInPage(deps, event),
  };
}

export function createSessionHandler(deps: SessionDependencies & { readonly logger: Logger }) {
  return createHttpHandler(sessionRoutes(deps), { logger: deps.logger });
}
