/**
 * CORS for the routes an app calls from its own origin with the session
 * cookie (`GET /me`, `POST /logout`, and later `GET /session/token`).
 *
 * The rules (README "CORS for the app", SECURITY.md):
 * - an origin is allowed only by exact string equality with a configured
 *   origin (each one validated by `parseExactOrigin`); `Origin: null` never;
 * - an allowed origin gets `Access-Control-Allow-Origin: <that origin>` and
 *   `Access-Control-Allow-Credentials: true`, any other origin no CORS header;
 * - every response of these routes, errors included, carries `Vary: Origin`,
 *   so no cache hands one origin's answer to another.
 *
 * Which origins are allowed for a request is the caller's decision (the
 * deployment's app origins plus the tenant of the request's session); this
 * module only compares and writes headers.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header } from './request.ts';
import { empty, type HttpResult } from './responses.ts';

/** Seconds a browser may reuse a preflight answer (Chromium caps at 7200). */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;
/** Request headers an app may send besides the CORS-safelisted ones. */
export const PREFLIGHT_ALLOWED_HEADERS = ['content-type'] as const;

/** The request's `Origin` header as sent, or undefined when there is none. */
export function requestOrigin(event: APIGatewayProxyEventV2): string | undefined {
  return header(event, 'origin');
}

/**
 * The origin to answer with CORS headers, or undefined: the request's
 * `Origin` when it is exactly one of `allowed`. `null` (sandboxed frames,
 * files, some redirects) is never allowed, whatever the list says.
 */
export function allowedOrigin(origin: string | undefined, allowed: readonly string[]): string | undefined {
  if (origin === undefined || origin === 'null') return undefined;
  return allowed.includes(origin) ? origin : undefined;
}

/** `Vary: Origin`, and for an allowed origin the two headers that let its script read the answer. */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  return {
    vary: 'Origin',
    ...(origin ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' } : {}),
  };
}

/** The response with `corsHeaders(origin)` added (an existing `Vary` is kept and extended). */
export function withCors(response: HttpResult, origin: string | undefined): HttpResult {
  const headers = corsHeaders(origin);
  const vary = response.headers.vary;
  if (vary && !/(^|,)\s*origin\s*(,|$)/i.test(vary)) headers.vary = `${vary}, Origin`;
  else if (vary) headers.vary = vary;
  return { ...response, headers: { ...response.headers, ...headers } };
}

/**
 * The answer to an `OPTIONS` preflight. A preflight carries no cookie, so it
 * can only know the origins allowed for every session (the deployment's app
 * origins): those get the methods and headers they may use; anything else a
 * 204 without CORS headers, which the browser reads as "not allowed". Apps on
 * a tenant's own origin need no preflight: `GET /me` and `POST /logout` with
 * credentials and no custom headers are simple requests.
 */
export function preflightResponse(
  event: APIGatewayProxyEventV2,
  options: { readonly allowedOrigins: readonly string[]; readonly methods: readonly string[] },
): HttpResult {
  const origin = allowedOrigin(requestOrigin(event), options.allowedOrigins);
  const method = header(event, 'access-control-request-method');
  const response = withCors(empty(204), origin && method && options.methods.includes(method) ? origin : undefined);
  if (response.headers['access-control-allow-origin']) {
    response.headers['access-control-allow-methods'] = options.methods.join(', ');
    response.headers['access-control-allow-headers'] = PREFLIGHT_ALLOWED_HEADERS.join(', ');
    response.headers['access-control-max-age'] = String(PREFLIGHT_MAX_AGE_SECONDS);
  }
  return response;
}
