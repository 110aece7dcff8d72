import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on `port` (0: a free one) and answers the port it got. */
export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Stops `server` at once: open keep-alive connections are closed, not waited for. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
