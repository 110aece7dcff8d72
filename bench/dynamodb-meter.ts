/**
 * The proxy between the service under benchmark and DynamoDB Local that
 * counts what goes over the wire: every operation by name, the items of every
 * write (for the write-unit estimate), and, while `meterCapacity` is on, the
 * capacity DynamoDB itself says each request consumed.
 *
 * Capacity is DynamoDB's own accounting, not an estimate from item sizes: the
 * meter adds `ReturnConsumedCapacity: TOTAL` to each request, and DynamoDB
 * (Local, which computes it like the service: whole items rounded up to 4 KB
 * per read unit, halved for eventually consistent reads, whatever the
 * projection) answers with the units. It is off by default because the extra
 * response field also costs the service a little parsing, which the CPU and
 * latency figures must not include.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sessionIndexWrites } from '../test/support/dynamodb-proxy.ts';

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

export interface ConsumedCapacity {
  readonly operation: string;
  /** Read request units (on-demand) of the request, as DynamoDB reports them. */
  readonly readUnits: number;
  /** Write request units of the request, as DynamoDB reports them. */
  readonly writeUnits: number;
}

export interface DynamoDbMeter {
  readonly endpoint: string;
  /** Operations seen, by name (X-Amz-Target suffix). */
  readonly operations: string[];
  /** Items written per write request (TransactWriteItems: its item count), and user-sessions index entries. */
  readonly writes: Array<{ operation: string; items: number; indexWrites: number }>;
  /** What each metered request consumed, while `meterCapacity` was on. */
  readonly capacity: ConsumedCapacity[];
  meterCapacity: boolean;
  /** Forget what was counted so far. */
  reset(): void;
  stop(): Promise<void>;
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

export async function startDynamoDbMeter(target: string): Promise<DynamoDbMeter> {
  const upstream = new URL(target);
  const meter: DynamoDbMeter = {
    endpoint: '',
    operations: [],
    writes: [],
    capacity: [],
    meterCapacity: false,
    reset() {
      meter.operations.length = 0;
      meter.writes.length = 0;
      meter.capacity.length = 0;
    },
    stop: async () => undefined,
  };
  const server = createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^.*\./, '');
    meter.operations.push(operation);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      if (WRITES.has(operation)) {
        const items = operation === 'TransactWriteItems' ? ((input.TransactItems as unknown[]) ?? []).length : 1;
        meter.writes.push({ operation, items, indexWrites: sessionIndexWrites(operation, input) });
      }
      const metered = meter.meterCapacity && METERED.has(operation) && input.ReturnConsumedCapacity === undefined;
      if (metered) body = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }));
      const headers = { ...req.headers, 'content-length': String(body.length) };
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (upstreamRes) => {
          const answer: Buffer[] = [];
          upstreamRes.on('data', (chunk: Buffer) => answer.push(chunk));
          upstreamRes.on('end', () => {
            const text = Buffer.concat(answer);
            if (metered && upstreamRes.statusCode === 200) meter.capacity.push(unitsOf(operation, text.toString()));
            res.writeHead(upstreamRes.statusCode ?? 500, upstreamRes.headers).end(text);
          });
        },
      );
      forward.on('error', () => req.socket.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(meter, {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return meter;
}
