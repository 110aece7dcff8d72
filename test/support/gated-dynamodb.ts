/**
 * An HTTP proxy in front of DynamoDB Local that holds one chosen request
 * until the test lets it go: a race made deterministic. The test says which
 * write to hold (e.g. the `UpdateItem` of a tenant's config), waits until it
 * has arrived (so the writer has done its reads), makes the concurrent change,
 * then releases the held write and looks at what it did. No sleeps.
 */
import { createServer, type Server } from 'node:http';
import { forwardTo, listenLocally } from '../../local/dynamodb-proxy.ts';

/** A DynamoDB request as it reaches the proxy: its operation and its wire-format input. */
export interface DynamoDbRequest {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

export interface Hold {
  /** Resolves when the held request has reached the proxy (and waits). */
  readonly arrived: Promise<DynamoDbRequest>;
  /** Sends the held request on to DynamoDB Local. */
  release(): void;
}

export interface GatedDynamoDb {
  readonly endpoint: string;
  /** Holds the next request `matches` accepts (once); every other request passes straight through. */
  hold(matches: (request: DynamoDbRequest) => boolean): Hold;
  stop(): Promise<void>;
}

/** A write (single or in a transaction) touching the item with this `pk` and `sk`. */
export function writesItem(pk: string, sk: string | ((sk: string) => boolean)) {
  const skMatches = typeof sk === 'string' ? (value: string) => value === sk : sk;
  const touches = (write: { Key?: unknown; Item?: unknown } | undefined) => {
    const key = (write?.Key ?? write?.Item) as { pk?: { S?: string }; sk?: { S?: string } } | undefined;
    return key?.pk?.S === pk && skMatches(key?.sk?.S ?? '');
  };
  return ({ operation, input }: DynamoDbRequest): boolean => {
    if (operation === 'TransactWriteItems') {
      const items = (input.TransactItems ?? []) as Array<Record<string, { Key?: unknown; Item?: unknown }>>;
      return items.some((item) => touches(item.Put ?? item.Update ?? item.Delete));
    }
    return ['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation) && touches(input as { Key?: unknown });
  };
}

export async function startGatedDynamoDb(target: string): Promise<GatedDynamoDb> {
  const upstream = new URL(target);
  const waiting: Array<{
    matches: (request: DynamoDbRequest) => boolean;
    hold: (request: DynamoDbRequest) => Promise<void>;
  }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const operation =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      let input: Record<string, unknown> = {};
      try {
        input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        input = {};
      }
      const index = waiting.findIndex((entry) => entry.matches({ operation, input }));
      if (index >= 0) {
        const [entry] = waiting.splice(index, 1);
        await entry?.hold({ operation, input });
      }
      forwardTo(upstream, req, res, body);
    });
  });
  const { endpoint, stop } = await listenLocally(server);
  return {
    endpoint,
    stop,
    hold(matches) {
      let arrive: (request: DynamoDbRequest) => void = () => undefined;
      let release: () => void = () => undefined;
      const arrived = new Promise<DynamoDbRequest>((resolve) => {
        arrive = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      waiting.push({
        matches,
        hold: (request) => {
          arrive(request);
          return released;
        },
      });
      return { arrived, release: () => release() };
    },
  };
}
