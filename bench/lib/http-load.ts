/**
 * A bounded HTTP load loop against 127.0.0.1: a fixed number of requests shared by a fixed number
 * of concurrent clients, each with its own keep-alive connection.
 */
import { Agent, request } from 'node:http';

/** One request the load loop sends. */
export interface LoadRequest {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** What a load run measured. */
export interface LoadResult {
  requests: number;
  errors: number;
  statuses: Record<number, number>;
  wallMs: number;
  perSecond: number;
  latenciesMs: number[];
}

/** Sends one request and resolves with the status and the body. */
function send(
  req: LoadRequest,
  agent?: Agent,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port: req.port,
        path: req.path,
        method: req.method ?? 'GET',
        headers: req.headers ?? {},
        ...(agent ? { agent } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    r.setTimeout(30_000, () => r.destroy(new Error('request timed out after 30 s')));
    r.on('error', reject);
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}

/**
 * Sends `total` requests with `concurrency` clients. `make(i)` builds request number i;
 * `ok(status, body)` decides success (default: status < 500).
 */
export async function load(
  total: number,
  concurrency: number,
  make: (i: number) => LoadRequest,
  ok: (status: number, body: string) => boolean = (status) => status > 0 && status < 500,
): Promise<LoadResult> {
  let next = 0;
  let errors = 0;
  const statuses: Record<number, number> = {};
  const latencies: number[] = [];
  const started = performance.now();
  const client = async (): Promise<void> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t0 = performance.now();
        try {
          const res = await send(make(i), agent);
          latencies.push(performance.now() - t0);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (!ok(res.status, res.body)) errors++;
        } catch {
          latencies.push(performance.now() - t0);
          errors++;
        }
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => client()));
  const wallMs = performance.now() - started;
  return {
    requests: total,
    errors,
    statuses,
    wallMs,
    perSecond: (total / wallMs) * 1000,
    latenciesMs: latencies,
  };
}
