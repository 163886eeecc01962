import { request } from 'node:http';
import type { ObservedProbe } from '../core/observed.ts';

export interface ProbeInput {
  /** The URL as users see it, e.g. `http://berth-demo-alb-1.us-east-1.elb.amazonaws.com:80/health`. */
  readonly url: string;
  /** `Host` header to send; defaults to the URL's host. */
  readonly hostHeader?: string;
  readonly timeoutMs: number;
  /** Connect here instead of the URL's host (e.g. `http://127.0.0.1:4566`); path stays the URL's. */
  readonly connectTo?: string;
}

const MAX_BODY = 2048;

/**
 * One HTTP GET with Node's `http` module (so the `Host` header can differ from where it connects).
 * Never throws: connection errors and timeouts are reported in `error`.
 *
 * @example
 * await probeHttp({ url: 'http://berth-demo-alb-1.elb.localhost/health', timeoutMs: 2000,
 *   connectTo: 'http://127.0.0.1:4566' });
 */
export function probeHttp(input: ProbeInput): Promise<ObservedProbe> {
  return new Promise((resolve) => {
    let target: URL;
    let via: URL;
    try {
      target = new URL(input.url);
      via = new URL(input.connectTo ?? input.url);
    } catch (err) {
      resolve({ url: input.url, error: `invalid URL: ${(err as Error).message}` });
      return;
    }
    if (via.protocol !== 'http:') {
      resolve({ url: input.url, error: `unsupported protocol ${via.protocol}` });
      return;
    }
    let settled = false;
    const finish = (probe: ObservedProbe) => {
      if (settled) return;
      settled = true;
      resolve(probe);
    };
    const req = request(
      {
        host: via.hostname,
        port: via.port === '' ? 80 : Number(via.port),
        method: 'GET',
        path: `${target.pathname}${target.search}`,
        headers: { Host: input.hostHeader ?? target.host, 'User-Agent': 'berth-probe' },
        timeout: input.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_BODY) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          finish({
            url: input.url,
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY),
          });
        });
        res.on('error', (err) => finish({ url: input.url, error: err.message }));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      finish({ url: input.url, error: `timeout after ${input.timeoutMs} ms` });
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ url: input.url, error: err.code ? `${err.code}: ${err.message}` : err.message }),
    );
    req.end();
  });
}
