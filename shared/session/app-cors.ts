import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { allowedOrigin, corsHeaders, preflightResponse, requestOrigin, withCors } from '../http/cors.ts';
import type { RequestContext, Route } from '../http/middleware.ts';
import { requestCookies } from '../http/request.ts';
import type { HttpResult } from '../http/responses.ts';
import { parseSessionCookie, SESSION_COOKIE } from '../sessions.ts';
import type { SessionDependencies } from './dependencies.ts';

/**
 * The origin whose script may read this request's answer, or undefined.
 *
 * Allowed: the deployment's app origins (`APP_URL`'s origin, `APP_ORIGINS`)
 * for every session, and the `--allowed-redirect-origin` list of the tenant
 * the request's session cookie names — never another tenant's. That cookie is
 * `__Host-` and HttpOnly, set only by this service, and `/me` answers 200 only
 * when the stored session is of that same tenant; an answer without a session
 * (401) says nothing of anyone. Looked up only for an origin the deployment's
 * list does not already allow: through the cached tenant directory, and an
 * origin it allows is confirmed by a fresh read (one more GetItem for such
 * calls), so a removed origin is refused from the next request.
 */
export async function corsOriginFor(
  deps: Pick<SessionDependencies, 'config' | 'tenants'>,
  event: APIGatewayProxyEventV2,
): Promise<string | undefined> {
  const origin = requestOrigin(event);
  if (origin === undefined || origin === 'null') return undefined;
  if (allowedOrigin(origin, deps.config.appOrigins)) return origin;
  const cookie = parseSessionCookie(requestCookies(event).get(SESSION_COOKIE));
  if (!cookie) return undefined;
  // Without the tenant's list only the deployment's origins apply: a failed read allows nothing more.
  const cached = await deps.tenants.get(cookie.tenantId).catch(() => undefined);
  if (!allowedOrigin(origin, cached?.allowedRedirectOrigins ?? [])) return undefined;
  // Allowed by the cached list: confirmed by a fresh read, so an origin removed with `tenant put`
  // stops at the next request (an added one may wait for the cache: that only refuses).
  deps.tenants.invalidate(cookie.tenantId);
  const fresh = await deps.tenants.get(cookie.tenantId).catch(() => undefined);
  return allowedOrigin(origin, fresh?.allowedRedirectOrigins ?? []);
}

/** A route handler that is told the CORS origin (undefined: not a CORS caller, or not allowed). */
export type CorsRouteHandler = (
  event: APIGatewayProxyEventV2,
  context: RequestContext,
  corsOrigin: string | undefined,
) => Promise<HttpResult>;

/**
 * Wraps a route an app calls from its own origin: every answer, errors and
 * 401s included, carries `Vary: Origin`, and the CORS headers when the
 * request's origin is allowed (`corsOriginFor`).
 */
export function corsRoute(deps: Pick<SessionDependencies, 'config' | 'tenants'>, handle: CorsRouteHandler): Route {
  // The decision made for a request whose handler then threw: its error answer gets the same headers.
  const decided = new WeakMap<APIGatewayProxyEventV2, string | undefined>();
  return {
    handle: async (event, context) => {
      const origin = await corsOriginFor(deps, event);
      decided.set(event, origin);
      return withCors(await handle(event, context, origin), origin);
    },
    cookiesOnError: () => [],
    headersOnError: (event) => corsHeaders(decided.get(event)),
  };
}

/**
 * `OPTIONS` for a CORS route: a preflight carries no cookie, so only the
 * deployment's app origins are answered (`preflightResponse`).
 */
export function preflightRoute(deps: Pick<SessionDependencies, 'config'>, methods: readonly string[]): Route {
  return {
    handle: async (event) => preflightResponse(event, { allowedOrigins: deps.config.appOrigins, methods }),
    cookiesOnError: () => [],
    headersOnError: () => corsHeaders(undefined),
  };
}
