import type { Logger } from '@aws-lambda-powertools/logger';
import { createHttpHandler, type ErrorRenderer, errorResponse, type Route } from '../http/middleware.ts';
import { corsRoute, preflightRoute } from '../session/app-cors.ts';
import { issueSessionToken, type SessionTokenDependencies } from './issue.ts';

export type { SessionTokenDependencies } from './issue.ts';

/**
 * The token function's routes: `GET /session/token` with CORS for the
 * origins the session allows (shared/session/app-cors.ts: `Vary: Origin` on
 * every answer, errors included), and its `OPTIONS` preflight.
 */
export function sessionTokenRoutes(deps: SessionTokenDependencies): Record<string, Route> {
  return {
    'GET /session/token': corsRoute(deps, (event) => issueSessionToken(deps, event)),
    'OPTIONS /session/token': preflightRoute(deps, ['GET']),
  };
}

/**
 * Its callers are programs (the app's script): every error is JSON with a
 * correlation id, whatever `Accept` says. A deployment that cannot issue
 * tokens (no PUBLIC_URL, no audience, no signing key yet) answers 503: the
 * app shows "try again later" rather than "signed out".
 */
export const renderTokenError: ErrorRenderer = (error, event, correlationId, cookies) => {
  const asProgram = { ...event, headers: { ...event.headers, accept: 'application/json' } };
  const response = errorResponse(error, asProgram, correlationId, cookies);
  return error.code === 'CONFIGURATION_ERROR' ? { ...response, statusCode: 503 } : response;
};

export function createSessionTokenHandler(deps: SessionTokenDependencies & { readonly logger: Logger }) {
  return createHttpHandler(sessionTokenRoutes(deps), { logger: deps.logger, renderError: renderTokenError });
}
