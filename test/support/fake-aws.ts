import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  headers: IncomingMessage['headers'];
  body: string;
  path: string;
}

export interface ScriptedAnswer {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is, instead of `body`. */
  raw?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

/**
 * A stand-in AWS JSON-protocol endpoint: records each request and answers from
 * a script, for the cases a real service or DynamoDB Local cannot be made to
 * produce (throttling, 5xx, silence, Secrets Manager itself).
 */
export async function fakeAws(answer: (request: ReceivedRequest, index: number) => ScriptedAnswer) {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' };
      received.push(request);
      const { status, body, raw, headers, delayMs } = answer(request, received.length - 1);
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': `req-${received.length}`,
          ...headers,
        });
        res.end(raw ?? (body === undefined ? '' : JSON.stringify(body)));
      }, delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
