import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { awaitTracing } from '../adapters/tracing.ts';
import { LoginError, toLoginError } from '../errors.ts';
import { isValidTenantId } from '../tenants.ts';
import { renderErrorPage } from './pages.ts';
import { header, wantsJson } from './request.ts';
import { type HttpResult, html, json } from './responses.ts';

/** Per-request facts the route handlers get besides the event. */
export interface RequestContext {
  readonly correlationId: string;
}

export type RouteHandler = (event: APIGatewayProxyEventV2, context: RequestContext) => Promise<HttpResult>;

/** Called with every error turned into a response, e.g. to count login failures. */
export type ErrorObserver = (error: LoginError, event: APIGatewayProxyEventV2) => void;

/**
 * A client-supplied correlation id is echoed in responses and logs, so only a
 * short token of letters, digits, `-` and `_` is taken; anything else gets a
 * generated one.
 */
const CORRELATION_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** Two years, as the HSTS preload list asks; `preload` itself only when the operator opts in. */
const HSTS_MAX_AGE = 2 * 365 * 24 * 3600;

/** Responses that are not pages (JSON, redirects) still get a deny-all CSP. */
const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'";

function finish(response: HttpResult, correlationId: string): void {
  response.headers['x-correlation-id'] = correlationId;
  response.headers['content-security-policy'] ??= DEFAULT_CSP;
}

function correlationIdOf(event: APIGatewayProxyEventV2): string {
  const supplied = header(event, 'x-correlation-id');
  if (supplied && CORRELATION_ID.test(supplied)) return supplied;
  const requestId = event.requestContext?.requestId;
  if (requestId && CORRELATION_ID.test(requestId)) return requestId;
  return randomUUID();
}

/** Builds the response for an error: a page for people, JSON for programs. Never a stack trace. */
export function errorResponse(error: LoginError, event: APIGatewayProxyEventV2, correlationId: string): HttpResult {
  const tenant = event.pathParameters?.tenant;
  const restartUrl =
    error.restartable && tenant && isValidTenantId(tenant) && error.code !== 'TENANT_NOT_FOUND'
      ? `/t/${tenant}/login`
      : undefined;
  const response = wantsJson(event)
    ? json(error.status, {
        error: error.code,
        message: error.message,
        ...(error.adminHint ? { adminHint: error.adminHint } : {}),
        ...(restartUrl ? { restartUrl } : {}),
        correlationId,
      })
    : html(
        error.status,
        renderErrorPage({
          title: error.title,
          message: error.message,
          adminHint: error.adminHint,
          correlationId,
          restartUrl,
        }),
      );
  if (error.status === 405) response.headers.allow = 'GET, POST';
  response.cookies = [...error.responseCookies];
  return response;
}

/**
 * Wraps route handlers the same way for every function: the Lambda request id
 * and `cold_start` on every log line, correlation id, structured access log,
 * errors mapped in one place, security headers on every response (including
 * errors), and SDK clients traced before the first call when tracing is on.
 */
export function createHttpHandler(
  routes: Record<string, RouteHandler>,
  options: {
    logger: Logger;
    onError?: ErrorObserver;
    /**
     * Add `preload` to Strict-Transport-Security: submitting a domain to the
     * browsers' preload list is an operator's decision (it binds every
     * subdomain to HTTPS for years), never a library default.
     * @default HSTS_PRELOAD === 'true'
     */
    hstsPreload?: boolean;
  },
) {
  const { logger } = options;
  const state = new WeakMap<object, { correlationId: string; startedAt: number }>();

  const base = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const route = routes[event.routeKey];
    const context = state.get(event);
    if (!route || !context) {
      throw new LoginError('ROUTE_NOT_FOUND', 'There is nothing at this address.', { reason: 'route_not_found' });
    }
    return route(event, { correlationId: context.correlationId });
  };

  const envelope: middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult> = {
    before: (request) => {
      const correlationId = correlationIdOf(request.event);
      state.set(request.event, { correlationId, startedAt: performance.now() });
      logger.appendKeys({ correlation_id: correlationId, route: request.event.routeKey });
    },
    after: (request) => {
      const context = state.get(request.event);
      if (request.response && context) {
        finish(request.response, context.correlationId);
        logger.info('request', {
          status: request.response.statusCode,
          durationMs: Math.round(performance.now() - context.startedAt),
        });
      }
      logger.removeKeys(['correlation_id', 'route', 'tenant']);
    },
    onError: (request) => {
      const context = state.get(request.event) ?? { correlationId: randomUUID(), startedAt: performance.now() };
      const error = toLoginError(request.error);
      const cause = error.cause as { name?: string; code?: string; message?: string } | undefined;
      const entry = {
        status: error.status,
        code: error.code,
        reason: error.reason,
        durationMs: Math.round(performance.now() - context.startedAt),
        // Only names and codes of causes: their messages may quote input.
        ...(cause ? { causeName: cause.name, causeCode: cause.code } : {}),
      };
      if (error.status >= 500) logger.error('request failed', entry);
      else logger.warn('request refused', entry);
      options.onError?.(error, request.event);
      request.response = errorResponse(error, request.event, context.correlationId);
      finish(request.response, context.correlationId);
      logger.removeKeys(['correlation_id', 'route', 'tenant']);
    },
  };

  return middy<APIGatewayProxyEventV2, HttpResult, Error, Context>(base)
    .use(injectLambdaContext(logger))
    .use(awaitTracing())
    .use(httpHeaderNormalizer())
    .use(
      httpSecurityHeaders({
        contentSecurityPolicy: false,
        reportTo: false,
        xssProtection: false,
        permissionsPolicy: false,
        crossOriginEmbedderPolicy: false,
        strictTransportSecurity: {
          maxAge: HSTS_MAX_AGE,
          includeSubDomains: true,
          preload: options.hstsPreload ?? process.env.HSTS_PRELOAD === 'true',
        },
      }),
    )
    .use(envelope);
}
