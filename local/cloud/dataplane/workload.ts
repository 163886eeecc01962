import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a workload misbehaves, derived from its image (see {@link workloadFaultFor}). */
export type WorkloadFault = 'none' | 'crash' | 'unhealthy' | 'http-500';

/** Identity a workload reports in its JSON answers. */
export interface WorkloadInfo {
  env?: string;
  cluster: string;
  service?: string;
  taskArn: string;
  taskId: string;
  image: string;
  revision: number;
  family: string;
}

/** What to start: where to listen, which paths are health paths, how to behave. */
export interface WorkloadSpec {
  host?: string;
  port: number;
  healthPaths: string[];
  fault: WorkloadFault;
  info: WorkloadInfo;
}

/** A started workload HTTP server. */
export interface RunningWorkload {
  readonly port: number;
  close(): Promise<void>;
}

/** Lists of images that trigger workload faults (the `workload` section of the faults config). */
export interface WorkloadFaultLists {
  crashImages?: string[];
  unhealthyImages?: string[];
  errorImages?: string[];
}

/**
 * Decides a workload's fault from its image: an image listed in the faults config or
 * whose reference contains `crash`, `unhealthy` or `http-500`.
 */
export function workloadFaultFor(image: string, lists: WorkloadFaultLists = {}): WorkloadFault {
  if (image.includes('crash') || (lists.crashImages ?? []).includes(image)) return 'crash';
  if (image.includes('http-500') || (lists.errorImages ?? []).includes(image)) return 'http-500';
  if (image.includes('unhealthy') || (lists.unhealthyImages ?? []).includes(image)) return 'unhealthy';
  return 'none';
}

/**
 * Starts a real HTTP server standing in for a task's container: health paths answer
 * 200 (500 when `unhealthy`), any other path answers its identity as JSON (every path
 * answers 500 when `http-500`). Rejects with the listen error (e.g. EADDRINUSE).
 */
export function startWorkload(spec: WorkloadSpec): Promise<RunningWorkload> {
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    req.resume();
    const isHealth = spec.healthPaths.includes(path);
    let status = 200;
    if (spec.fault === 'http-500') status = 500;
    else if (spec.fault === 'unhealthy' && isHealth) status = 500;
    const body = isHealth
      ? { status: status === 200 ? 'ok' : 'unhealthy' }
      : {
          ...(spec.info.env === undefined ? {} : { env: spec.info.env }),
          cluster: spec.info.cluster,
          ...(spec.info.service === undefined ? {} : { service: spec.info.service }),
          taskArn: spec.info.taskArn,
          taskId: spec.info.taskId,
          image: spec.info.image,
          revision: spec.info.revision,
          family: spec.info.family,
          path,
          host: req.headers.host ?? '',
        };
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-berth-task': spec.info.taskId,
    });
    res.end(text);
  };
  const server: Server = createServer(handler);
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, spec.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
