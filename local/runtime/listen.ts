import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A started HTTP server of the local runtime. */
export interface ListeningServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Closes the server and every open connection. */
  stop(): Promise<void>;
}

/**
 * Starts `server` on `host:port` (port 0 picks a free port) and resolves once it listens.
 *
 * @example const { url, stop } = await listen(createServer(handler), 0);
 */
export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The whole body of a request. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
