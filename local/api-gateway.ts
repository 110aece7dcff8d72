/**
 * Turns a Node HTTP request into the API Gateway HTTP API (payload v2) event
 * a Lambda handler receives, and the handler's result back into an HTTP
 * response — cookies included — so the local server runs the exact handler
 * exports that Lambda runs.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import { DEFAULT_ROUTE_KEY, ROUTES, type RouteDefinition } from '../shared/routes.ts';
import { FUNCTION_DEFAULTS } from '../shared/settings.ts';

/** API Gateway's own payload limit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface RouteMatch {
  readonly route: RouteDefinition;
  readonly pathParameters: Record<string, string>;
}

function compile(routeKey: string): { method: string; pattern: RegExp; names: string[]; greedy: boolean } {
  const [method = '', path = ''] = routeKey.split(' ');
  const names: string[] = [];
  let greedy = false;
  const source = path
    .split('/')
    .map((segment) => {
      // `{proxy+}` (last segment only) takes the rest of the path, slashes included.
      const param = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      if (param[2]) {
        greedy = true;
        return '(.+)';
      }
      return '([^/]+)';
    })
    .join('/');
  return { method, pattern: new RegExp(`^${source}$`), names, greedy };
}

/**
 * In API Gateway's order of preference: a route without a greedy variable
 * before one with, and a route's own method before `ANY`; `$default` only
 * when none matches.
 */
const COMPILED = ROUTES.filter((route) => route.routeKey !== DEFAULT_ROUTE_KEY)
  .map((route) => ({ route, ...compile(route.routeKey) }))
  .sort((a, b) => Number(a.greedy) - Number(b.greedy) || Number(a.method === 'ANY') - Number(b.method === 'ANY'));
const DEFAULT_ROUTE = ROUTES.find((route) => route.routeKey === DEFAULT_ROUTE_KEY);

/** Finds the route API Gateway would pick; `undefined` means API Gateway's own 404. */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const candidate of COMPILED) {
    if (candidate.method !== method && candidate.method !== 'ANY') continue;
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    const pathParameters: Record<string, string> = {};
    candidate.names.forEach((name, index) => {
      const raw = match[index + 1] ?? '';
      let value = raw;
      try {
        value = decodeURIComponent(raw);
      } catch {
        // API Gateway passes undecodable segments through as they are.
      }
      pathParameters[name] = value;
    });
    return { route: candidate.route, pathParameters };
  }
  return undefined;
}

/** API Gateway's `$default` route, which takes whatever no other route matched. */
export function defaultRoute(): RouteMatch | undefined {
  return DEFAULT_ROUTE ? { route: DEFAULT_ROUTE, pathParameters: {} } : undefined;
}

export async function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function toApiGatewayEvent(
  request: IncomingMessage,
  body: Buffer,
  match: RouteMatch,
  stage = '$default',
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      // Payload v2 moves cookies out of the headers into an array.
      cookies = (Array.isArray(value) ? value.join('; ') : value)
        .split(';')
        .map((part) => part.trim())
        .filter(Boolean);
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const host = headers.host ?? 'localhost';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: match.route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    pathParameters: match.pathParameters,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: match.route.routeKey,
      stage,
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    // API Gateway base64-encodes bodies it does not know to be text; always doing so is valid.
    ...(body.length > 0 ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

/** The REQUEST authorizer event (payload 2.0) API Gateway sends for a request. */
export function toAuthorizerEvent(event: APIGatewayProxyEventV2): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${event.routeKey.replace(' ', '')}`,
    identitySource: [],
    routeKey: event.routeKey,
    rawPath: event.rawPath,
    rawQueryString: event.rawQueryString,
    ...(event.cookies ? { cookies: event.cookies } : {}),
    headers: event.headers,
    ...(event.queryStringParameters ? { queryStringParameters: event.queryStringParameters } : {}),
    requestContext: event.requestContext,
    ...(event.pathParameters ? { pathParameters: event.pathParameters } : {}),
  } as APIGatewayRequestAuthorizerEventV2;
}

export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(FUNCTION_DEFAULTS.memorySizeMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => FUNCTION_DEFAULTS.timeoutSeconds * 1000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function sendResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2 | string): void {
  if (typeof result === 'string') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(result);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    // Lambda hands API Gateway the result as JSON, which drops undefined values:
    // middy's security headers unset `Server` and `X-Powered-By` that way.
    if (value === undefined || value === null) continue;
    headers[name.toLowerCase()] = String(value);
  }
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  response.writeHead(result.statusCode ?? 200, headers).end(body);
}
