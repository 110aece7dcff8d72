import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { awaitTracing } from '../adapters/tracing.ts';
import { ServiceError, toServiceError } from '../errors.ts';
import { tenantPath } from '../tenant-urls.ts';
import { isValidTenantId } from '../tenants.ts';
import { describeError } from './error-catalogue.ts';
import { renderErrorPage } from './pages.ts';
import { header, wantsJson } from './request.ts';
import { type HttpResult, html, json } from './responses.ts';

/** Per-request facts the route handlers get besides the event. */
export interface RequestContext {
  readonly correlationId: string;
}

export type RouteHandler = (event: APIGatewayProxyEventV2, context: RequestContext) => Promise<HttpResult>;

/** A route whose error responses must also carry cookies (e.g. clearing a used login cookie). */
export interface Route {
  readonly handle: RouteHandler;
  readonly cookiesOnError: (event: APIGatewayProxyEventV2) => string[];
  /** Headers its error responses must also carry (e.g. CORS and `Vary: Origin`, shared/http/cors.ts). */
  readonly headersOnError?: (event: APIGatewayProxyEventV2) => Record<string, string>;
}

/** Called with every error turned into a response, e.g. to count login failures. */
export type ErrorObserver = (error: ServiceError, event: APIGatewayProxyEventV2) => void;

/** Turns an error into the response a route's callers expect (pages for people, `oauthErrorResponse` for programs). */
export type ErrorRenderer = (
  error: ServiceError,
  event: APIGatewayProxyEventV2,
  correlationId: string,
  cookies: string[],
) => HttpResult;

export interface HttpHandlerOptions {
  readonly logger: Logger;
  readonly onError?: ErrorObserver;
  /**
   * Renders errors for callers that expect another format (SCIM's error schema, OAuth-style JSON).
   * @default errorResponse: a page, or JSON for `Accept: application/json`
   */
  readonly renderError?: ErrorRenderer;
  /**
   * Add `preload` to Strict-Transport-Security: submitting a domain to the
   * browsers' preload list is an operator's decision (it binds every
   * subdomain to HTTPS for years), never a library default.
   * @default HSTS_PRELOAD === 'true'
   */
  readonly hstsPreload?: boolean;
}

/**
 * The shape of a correlation id: a short token of letters, digits, `-` and
 * `_`. The request's own id is always ours (API Gateway's request id, else a
 * generated one): a caller's `x-correlation-id` is only logged beside it, as
 * `client_correlation_id`, and only in this shape, so a caller can neither
 * forge nor collide with the ids in our logs, pages and headers.
 */
const CORRELATION_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** Two years, as the HSTS preload list asks; `preload` itself only when the operator opts in. */
const HSTS_MAX_AGE = 2 * 365 * 24 * 3600;
/** Responses that are not pages (JSON, redirects) still get a deny-all CSP. */
const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Wraps route handlers the same way for every function: Lambda context in
 * the logs, tracing, security headers on every response (errors included),
 * then correlation id, access log and errors mapped in one place.
 */
export function createHttpHandler(routes: Record<string, RouteHandler | Route>, options: HttpHandlerOptions) {
  const envelope = requestEnvelope(routes, options);
  const dispatch = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const route = routes[event.routeKey];
    if (!route) throw new ServiceError('ROUTE_NOT_FOUND');
    return (typeof route === 'function' ? route : route.handle)(event, envelope.contextOf(event));
  };
  return middy<APIGatewayProxyEventV2, HttpResult, Error, Context>(dispatch)
    .use(injectLambdaContext(options.logger))
    .use(awaitTracing())
    .use(httpHeaderNormalizer())
    .use(httpSecurityHeaders(securityHeaderOptions(options)))
    .use(envelope.middleware);
}

/** What @middy/http-security-headers sends: its defaults, minus what does not apply to this service. */
function securityHeaderOptions(options: HttpHandlerOptions): Parameters<typeof httpSecurityHeaders>[0] {
  const settings = {
    contentSecurityPolicy: false,
    reportTo: false,
    // No reporting endpoint is configured, and left on, middy sends an empty Reporting-Endpoints
    // header. Its code has the option; its type declarations (6.4) do not, hence a variable here.
    reportingEndpoints: false,
    xssProtection: false,
    permissionsPolicy: false,
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: {
      maxAge: HSTS_MAX_AGE,
      includeSubDomains: true,
      preload: options.hstsPreload ?? process.env.HSTS_PRELOAD === 'true',
    },
  };
  return settings;
}

/** Correlation id and timing per request, the access log, and errors turned into responses. */
function requestEnvelope(routes: Record<string, RouteHandler | Route>, options: HttpHandlerOptions) {
  const { logger } = options;
  const requests = new WeakMap<object, { correlationId: string; startedAt: number }>();
  const contextOf = (event: APIGatewayProxyEventV2) =>
    requests.get(event) ?? { correlationId: randomUUID(), startedAt: performance.now() };
  const done = () => logger.removeKeys(['correlation_id', 'client_correlation_id', 'route', 'tenant']);

  const middleware: middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> = {
    before: ({ event }) => {
      const correlationId = correlationIdOf(event);
      requests.set(event, { correlationId, startedAt: performance.now() });
      const clientCorrelationId = clientCorrelationIdOf(event);
      logger.appendKeys({
        correlation_id: correlationId,
        ...(clientCorrelationId ? { client_correlation_id: clientCorrelationId } : {}),
        route: event.routeKey,
      });
    },
    after: (request) => {
      const { correlationId, startedAt } = contextOf(request.event);
      if (request.response) {
        finish(request.response, correlationId);
        logger.info('request', { status: request.response.statusCode, durationMs: elapsed(startedAt) });
      }
      done();
    },
    onError: (request) => {
      const { correlationId, startedAt } = contextOf(request.event);
      const error = toServiceError(request.error);
      logFailure(logger, error, elapsed(startedAt));
      options.onError?.(error, request.event);
      const route = routes[request.event.routeKey];
      const cookies = route && typeof route !== 'function' ? route.cookiesOnError(request.event) : [];
      request.response = (options.renderError ?? errorResponse)(error, request.event, correlationId, cookies);
      if (route && typeof route !== 'function' && route.headersOnError) {
        Object.assign(request.response.headers, route.headersOnError(request.event));
      }
      finish(request.response, correlationId);
      done();
    },
  };
  return { middleware, contextOf };
}

function logFailure(logger: Logger, error: ServiceError, durationMs: number): void {
  const { status } = describeError(error);
  const cause = error.cause as { name?: string; code?: string } | undefined;
  const entry = {
    status,
    code: error.code,
    reason: error.reason,
    durationMs,
    // Only names and codes of causes: their messages may quote input.
    ...(cause ? { causeName: cause.name, causeCode: cause.code } : {}),
  };
  if (status >= 500) logger.error('request failed', entry);
  else logger.warn('request refused', entry);
}

/** Builds the response for an error: a page for people, JSON for programs. Never a stack trace. */
export function errorResponse(
  error: ServiceError,
  event: APIGatewayProxyEventV2,
  correlationId: string,
  cookies: string[] = [],
): HttpResult {
  const { status, title, message, adminHint, restartable } = describeError(error);
  // The tenant in the path, or the one the error names (e.g. an ended session's), for "start again".
  const tenant = event.pathParameters?.tenant ?? error.details.tenantId;
  const restartUrl =
    restartable && tenant && isValidTenantId(tenant) && error.code !== 'TENANT_NOT_FOUND'
      ? tenantPath(tenant, 'login')
      : undefined;
  const response = wantsJson(event)
    ? json(status, {
        error: error.code,
        message,
        ...(adminHint ? { adminHint } : {}),
        ...(restartUrl ? { restartUrl } : {}),
        correlationId,
      })
    : html(status, renderErrorPage({ title, message, adminHint, correlationId, restartUrl }));
  response.cookies = cookies;
  return response;
}

function finish(response: HttpResult, correlationId: string): void {
  response.headers['x-correlation-id'] = correlationId;
  response.headers['content-security-policy'] ??= DEFAULT_CSP;
}

/** Ours, never the caller's: API Gateway's request id when it has the shape, else a generated one. */
function correlationIdOf(event: APIGatewayProxyEventV2): string {
  const requestId = event.requestContext?.requestId;
  if (requestId && CORRELATION_ID.test(requestId)) return requestId;
  return randomUUID();
}

/** The caller's `x-correlation-id`, only when it has the shape; logged beside ours, never used as ours. */
function clientCorrelationIdOf(event: APIGatewayProxyEventV2): string | undefined {
  const supplied = header(event, 'x-correlation-id');
  return supplied && CORRELATION_ID.test(supplied) ? supplied : undefined;
}

const elapsed = (startedAt: number) => Math.round(performance.now() - startedAt);
