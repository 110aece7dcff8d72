import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import type { FunctionName } from '../shared/routes.ts';
import {
  defaultRoute,
  lambdaContext,
  matchRoute,
  readBody,
  sendResult,
  toApiGatewayEvent,
  toAuthorizerEvent,
} from './api-gateway.ts';
import { closeServer, listen } from './listen.ts';

export type LambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | string>;

export interface LocalServerOptions {
  readonly handlers: Record<FunctionName, LambdaHandler>;
  /** The Lambda authorizer for routes marked `authorized` (simple responses). */
  readonly authorizer?: LocalAuthorizer;
  readonly port: number;
  readonly host?: string;
}

export type LocalAuthorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
  context: Context,
) => Promise<{ isAuthorized: boolean; context?: Record<string, unknown> }>;

export interface LocalServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

function apiGatewayError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message }));
}

/**
 * Plays API Gateway in front of the handlers: route match, payload v2 event,
 * API Gateway's own 404/413/500 answers where it would give them.
 */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const server = createServer({ maxHeaderSize: 16 * 1024 }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      console.error('local server: unexpected failure', (error as Error)?.name);
      if (!response.headersSent) apiGatewayError(response, 500, 'Internal Server Error');
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    // `$default` takes what no route matches, as in API Gateway.
    const match = matchRoute(request.method ?? 'GET', path) ?? defaultRoute();
    if (!match) {
      apiGatewayError(response, 404, 'Not Found');
      return;
    }
    const body = await readBody(request);
    if (body === 'too_large') {
      apiGatewayError(response, 413, 'Request Entity Too Large');
      return;
    }
    const handler = options.handlers[match.route.function];
    const event = toApiGatewayEvent(request, body, match);
    if (match.route.authorized) {
      // As API Gateway does: ask the authorizer first, answer 403 itself when refused.
      const decision = options.authorizer
        ? await options.authorizer(toAuthorizerEvent(event), lambdaContext('authorizer')).catch(() => undefined)
        : undefined;
      if (!decision?.isAuthorized) {
        apiGatewayError(response, decision ? 403 : 500, decision ? 'Forbidden' : 'Internal Server Error');
        return;
      }
      Object.assign(event.requestContext, { authorizer: { lambda: decision.context ?? {} } });
    }
    try {
      sendResult(response, await handler(event, lambdaContext(match.route.function)));
    } catch {
      // What API Gateway answers when the integration fails.
      apiGatewayError(response, 500, 'Internal Server Error');
    }
  }

  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  const port = await listen(server, options.port, options.host);
  return { server, port, close: () => closeServer(server) };
}
