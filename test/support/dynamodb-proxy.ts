/**
 * An HTTP proxy in front of DynamoDB Local that a test can turn into an
 * outage: refuse connections, throttle every call, or throttle only one
 * operation (e.g. TransactWriteItems) to fail a login halfway.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'normal' | 'down' | 'throttle' | { throttle: string };

export interface DynamoDbProxy {
  readonly endpoint: string;
  mode: ProxyMode;
  /** DynamoDB operations seen, by name (X-Amz-Target suffix). */
  readonly operations: string[];
  /**
   * Items written per request, for capacity estimates (TransactWriteItems: its item count), and the
   * user-sessions index entries it writes (a session put or delete: one each).
   */
  readonly writes: Array<{ operation: string; items: number; indexWrites: number }>;
  stop(): Promise<void>;
}

/** A Put's item or a Delete's key, in DynamoDB's wire format. */
interface WireWrite {
  readonly Item?: Record<string, unknown>;
  readonly Key?: { pk?: { S?: string } };
}

/**
 * The user-sessions index entries a write request makes, from its wire input:
 * one per session item put (it carries the index key) and per session deleted.
 * An update never touches the index (no key attribute of it is ever updated).
 * Shared with the bench's meter.
 */
/** Sends a request on to DynamoDB Local as it came, and its answer back. */
export function forwardTo(upstream: URL, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  const forward = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 500, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  forward.on('error', () => req.socket.destroy());
  forward.end(body);
}

/** Listens on a free loopback port: the endpoint to give the SDK, and how to stop. */
export async function listenLocally(server: Server): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sessionIndexWrites(operation: string, input: Record<string, unknown>): number {
  const writes: WireWrite[] =
    operation === 'TransactWriteItems'
      ? ((input.TransactItems as Array<{ Put?: WireWrite; Delete?: WireWrite }> | undefined) ?? []).map(
          (item) => item.Put ?? item.Delete ?? {},
        )
      : operation === 'PutItem' || operation === 'DeleteItem'
        ? [input as WireWrite]
        : [];
  return writes.filter(
    (write) => write.Item?.userSessions !== undefined || Boolean(write.Key?.pk?.S?.startsWith('SESSION#')),
  ).length;
}

export async function startDynamoDbProxy(target: string): Promise<DynamoDbProxy> {
  const upstream = new URL(target);
  const proxy: DynamoDbProxy = {
    endpoint: '',
    mode: 'normal',
    operations: [],
    writes: [],
    stop: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const operation =
      String(req.headers['x-amz-target'] ?? '')
        .split('.')
        .pop() ?? '';
    proxy.operations.push(operation);
    const mode = proxy.mode;
    if (mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (mode === 'throttle' || (typeof mode === 'object' && mode.throttle === operation)) {
      req.resume();
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'throttled' }).end(
        JSON.stringify({
          __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
          message: 'Rate of requests exceeds the allowed throughput.',
        }),
      );
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems'].includes(operation)) {
        let input: Record<string, unknown> = {};
        try {
          input = JSON.parse(body.toString('utf8'));
        } catch {
          input = {};
        }
        const items = operation === 'TransactWriteItems' ? ((input.TransactItems as unknown[]) ?? []).length : 1;
        proxy.writes.push({ operation, items: Math.max(1, items), indexWrites: sessionIndexWrites(operation, input) });
      }
      forwardTo(upstream, req, res, body);
    });
  });
  Object.assign(proxy, await listenLocally(server));
  return proxy;
}
