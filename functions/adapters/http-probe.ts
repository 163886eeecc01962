import { request } from 'node:http';
import type { ObservedProbe } from '../core/observed.ts';

/**
 * Header naming the load balancer a request is for, on the local cloud's front door (its main
 * port): the cloud routes the request to that ALB's port-80 listener and leaves `Host` to the
 * listener rules. AWS never sees it (probes only send it with {@link ProbeInput.connectTo}).
 */
const LOAD_BALANCER_HEADER = 'x-berth-load-balancer';

export interface ProbeInput {
  /** The ALB URL, e.g. `http://berth-demo-alb-1.us-east-1.elb.amazonaws.com:80/health`. */
  readonly url: string;
  /** `Host` header to send (a shared-mode environment's host); defaults to the URL's host. */
  readonly hostHeader?: string;
  readonly timeoutMs: number;
  /**
   * Connect here instead of the URL's host (the local cloud, e.g. `http://127.0.0.1:4566`); the
   * path stays the URL's and the URL's host name is sent as {@link LOAD_BALANCER_HEADER}.
   */
  readonly connectTo?: string;
}

const MAX_BODY = 2048;

/**
 * One HTTP GET with Node's `http` module (so the `Host` header can differ from where it connects).
 * In AWS it connects to the URL (the ALB) with `Host` = `hostHeader`; with `connectTo` (the local
 * cloud) it connects there and also sends `x-berth-load-balancer: <URL host name>`.
 * Never throws: connection errors and timeouts are reported in `error`.
 *
 * @example
 * // shared mode on the local cloud: the shared ALB's rule for demo.berth.internal answers
 * await probeHttp({ url: 'http://berth-shared-alb-1.us-east-1.elb.localhost:80/health',
 *   hostHeader: 'demo.berth.internal', timeoutMs: 2000, connectTo: 'http://127.0.0.1:4566' });
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
        headers: {
          Host: input.hostHeader ?? target.host,
          'User-Agent': 'berth-probe',
          ...(input.connectTo !== undefined ? { [LOAD_BALANCER_HEADER]: target.hostname } : {}),
        },
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
