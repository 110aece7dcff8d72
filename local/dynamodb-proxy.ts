/**
 * An HTTP proxy in front of DynamoDB Local that counts what goes over the
 * wire — every operation by name, the items of every write, the user-sessions
 * index entries written, and, while `meterCapacity` is on, the capacity
 * DynamoDB itself says each request consumed — and that a test can turn into
 * an outage: refuse connections, throttle every call, or throttle one
 * operation (e.g. TransactWriteItems) to fail a login halfway. The tests
 * (request counts, faults) and `npm run bench` (request and capacity figures)
 * use this one proxy, so what the tests pin and what the bench reports are
 * counted the same way.
 *
 * Capacity is DynamoDB's own accounting, not an estimate from item sizes: the
 * proxy adds `ReturnConsumedCapacity: TOTAL` to each request and reads the
 * units from the answer (DynamoDB Local computes them like the service: whole
 * items rounded up to 4 KB per read unit, halved for eventually consistent
 * reads, whatever the projection). It is off by default because the extra
 * response field also costs the service a little parsing, which CPU and
 * latency figures must not include.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'normal' | 'down' | 'throttle' | { throttle: string };

export interface ConsumedCapacity {
  readonly operation: string;
  /** Read request units (on-demand) of the request, as DynamoDB reports them. */
  readonly readUnits: number;
  /** Write request units of the request, as DynamoDB reports them. */
  readonly writeUnits: number;
}

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
  /** What each metered request consumed, while `meterCapacity` was on. */
  readonly capacity: ConsumedCapacity[];
  meterCapacity: boolean;
  /** Forget what was counted so far. */
  reset(): void;
  stop(): Promise<void>;
}

/** Operations that accept `ReturnConsumedCapacity`. */
const METERED = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchGetItem',
  'BatchWriteItem',
  'Query',
  'Scan',
  'TransactGetItems',
  'TransactWriteItems',
]);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems']);

/** A Put's item or a Delete's key, in DynamoDB's wire format. */
interface WireWrite {
  readonly Item?: Record<string, unknown>;
  readonly Key?: { pk?: { S?: string } };
}

/**
 * The user-sessions index entries a write request makes, from its wire input:
 * one per session item put (it carries the index key) and per session deleted.
 * An update never touches the index (no key attribute of it is ever updated).
 */
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

type CapacityEntry = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };

/** Read and write units of a response's `ConsumedCapacity` (one entry, or one per table). */
function unitsOf(operation: string, responseBody: string): ConsumedCapacity {
  const consumed = (JSON.parse(responseBody) as { ConsumedCapacity?: CapacityEntry | CapacityEntry[] })
    .ConsumedCapacity;
  const entries = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
  let readUnits = 0;
  let writeUnits = 0;
  for (const entry of entries) {
    // On-demand tables report CapacityUnits; the split into read and write only where both occur.
    const total = entry.CapacityUnits ?? 0;
    const write = entry.WriteCapacityUnits ?? (WRITES.has(operation) ? total : 0);
    writeUnits += write;
    readUnits += entry.ReadCapacityUnits ?? total - write;
  }
  return { operation, readUnits, writeUnits };
}

/**
 * Sends a request on to DynamoDB Local as it came (or with `body` changed),
 * and its answer back; `onAnswer` sees the answer's status and body first.
 */
export function forwardTo(
  upstream: URL,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  onAnswer?: (status: number, answer: Buffer) => void,
): void {
  const headers = { ...req.headers, 'content-length': String(body.length) };
  const forward = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
    (upstreamRes) => {
      const answer: Buffer[] = [];
      upstreamRes.on('data', (chunk: Buffer) => answer.push(chunk));
      upstreamRes.on('end', () => {
        const text = Buffer.concat(answer);
        onAnswer?.(upstreamRes.statusCode ?? 500, text);
        res.writeHead(upstreamRes.statusCode ?? 500, upstreamRes.headers).end(text);
      });
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

/** The answer DynamoDB gives a throttled request. */
function throttle(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'throttled' }).end(
    JSON.stringify({
      __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
      message: 'Rate of requests exceeds the allowed throughput.',
    }),
  );
}

function parseInput(body: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Counts one request that reached DynamoDB and forwards it, metered when asked. */
function countAndForward(
  proxy: DynamoDbProxy,
  upstream: URL,
  operation: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    const input = parseInput(body);
    if (WRITES.has(operation)) {
      const items = operation === 'TransactWriteItems' ? ((input.TransactItems as unknown[]) ?? []).length : 1;
      proxy.writes.push({ operation, items: Math.max(1, items), indexWrites: sessionIndexWrites(operation, input) });
    }
    const metered = proxy.meterCapacity && METERED.has(operation) && input.ReturnConsumedCapacity === undefined;
    if (metered) body = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
    forwardTo(upstream, req, res, body, (status, answer) => {
      if (metered && status === 200) proxy.capacity.push(unitsOf(operation, answer.toString()));
    });
  });
}

export async function startDynamoDbProxy(target: string): Promise<DynamoDbProxy> {
  const upstream = new URL(target);
  const proxy: DynamoDbProxy = {
    endpoint: '',
    mode: 'normal',
    operations: [],
    writes: [],
    capacity: [],
    meterCapacity: false,
    reset() {
      proxy.operations.length = 0;
      proxy.writes.length = 0;
      proxy.capacity.length = 0;
    },
    stop: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^.*\./, '');
    proxy.operations.push(operation);
    const mode = proxy.mode;
    if (mode === 'down') req.socket.destroy();
    else if (mode === 'throttle' || (typeof mode === 'object' && mode.throttle === operation)) throttle(req, res);
    else countAndForward(proxy, upstream, operation, req, res);
  });
  Object.assign(proxy, await listenLocally(server));
  return proxy;
}
