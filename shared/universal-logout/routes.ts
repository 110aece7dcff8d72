import { createHttpHandler, type RouteHandler } from '../http/middleware.ts';
import { oauthErrorResponse } from '../http/oauth-error.ts';
import type { UniversalLogoutDependencies } from './dependencies.ts';
import { outcomeOf } from './outcomes.ts';
import { globalTokenRevocation } from './revoke.ts';

export type { UniversalLogoutDependencies } from './dependencies.ts';

/** Route table of the Universal Logout function. */
export function universalLogoutRoutes(deps: UniversalLogoutDependencies): Record<string, RouteHandler> {
  return { 'POST /t/{tenant}/global-token-revocation': (event) => globalTokenRevocation(deps, event) };
}

/**
 * The function's handler over any set of ports. Its callers are programs
 * (Okta), so errors are OAuth-style JSON, whatever the Accept header; every
 * answer is counted by outcome.
 */
export function createUniversalLogoutHandler(deps: UniversalLogoutDependencies) {
  return createHttpHandler(universalLogoutRoutes(deps), {
    logger: deps.logger,
    renderError: oauthErrorResponse,
    onError: (error) => deps.telemetry.answered(outcomeOf(error)),
  });
}
