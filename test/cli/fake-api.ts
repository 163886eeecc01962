import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliIo } from '../../cli/context.ts';

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

type Reply = { status: number; body: unknown };
type Responder = (req: Recorded, count: number) => Reply;

/** A fake Berth API on 127.0.0.1:0 that records requests and answers from per-route responders. */
export class FakeApi {
  readonly requests: Recorded[] = [];
  private readonly responders = new Map<string, Responder>();
  private readonly counts = new Map<string, number>();
  private server!: Server;
  url = '';

  on(method: string, path: string, responder: Responder | Reply): this {
    this.responders.set(`${method} ${path}`, typeof responder === 'function' ? responder : () => responder);
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.responders.clear();
    this.counts.clear();
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
      });
      req.on('end', () => {
        const recorded: Recorded = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: data === '' ? undefined : JSON.parse(data),
        };
        this.requests.push(recorded);
        const key = `${recorded.method} ${recorded.path}`;
        const count = (this.counts.get(key) ?? 0) + 1;
        this.counts.set(key, count);
        // A responder for the path without its query string answers every query of it.
        const responder = this.responders.get(key) ?? this.responders.get(key.split('?')[0] ?? key);
        const reply = responder
          ? responder(recorded, count)
          : { status: 404, body: { error: 'RouteNotFoundError', message: `no fake for ${key}` } };
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** A captured terminal. */
export const testIo = (
  options: { stdin?: string[]; interactive?: boolean; env?: Record<string, string> } = {},
) => {
  const out: string[] = [];
  const err: string[] = [];
  const lines = [...(options.stdin ?? [])];
  let clock = Date.parse('2026-01-01T12:00:00.000Z');
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readLine: async () => lines.shift(),
    interactive: options.interactive ?? false,
    env: { BERTH_OWNER: 'ana', BERTH_POLL_MS: '1', ...options.env },
    sleep: async (ms) => {
      clock += ms;
    },
    now: () => new Date(clock),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
};
