import { createHttpHandler, type Route, type RouteHandler } from '../http/middleware.ts';
import { queryParams } from '../http/request.ts';
import { callbackByPost, completeCallback, stateCookieToClear } from './complete-callback.ts';
import type { LoginDependencies } from './dependencies.ts';
import { initiateLogin, initiateLoginByPost } from './initiate-login.ts';

export type { LoginDependencies } from './dependencies.ts';

/** Route table of the login function. */
export function loginRoutes(deps: LoginDependencies): Record<string, RouteHandler | Route> {
  return {
    'GET /t/{tenant}/login': (event) => initiateLogin(deps, event, queryParams(event)),
    'POST /t/{tenant}/login': (event) => initiateLoginByPost(deps, event),
    'GET /t/{tenant}/callback': {
      handle: (event) => completeCallback(deps, event),
      cookiesOnError: stateCookieToClear,
    },
    'POST /t/{tenant}/callback': (event) => callbackByPost(deps, event),
  };
}

/** The login function's handler over any set of ports: Lambda and tests build it the same way. */
export function createLoginHandler(deps: LoginDependencies) {
  return createHttpHandler(loginRoutes(deps), {
    logger: deps.logger,
    onError: (error) => deps.telemetry.loginFailed(error.code),
  });
}
