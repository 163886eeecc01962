import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Cloud } from '../core/cloud.ts';
import { ServiceError } from '../core/service-error.ts';
import { LogsBackend } from '../services/logs/backend.ts';

/** How a workload misbehaves, derived from its image (see {@link workloadFaultFor}). */
export type WorkloadFault = 'none' | 'crash' | 'unhealthy' | 'http-500';

/** Identity a workload reports in its JSON answers. */
interface WorkloadInfo {
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
  /** Where the container's output goes (its `awslogs` stream); nowhere when absent. */
  log?: ContainerLog;
  /** The port the container listens on (printed at start-up; default: the bound port). */
  containerPort?: number;
}

/** One container's output: each line is written to its log stream with the current time. */
export interface ContainerLog {
  /** `awslogs` stream name: `<prefix>/<container>/<task id>`. */
  readonly stream: string;
  readonly group: string;
  write(line: string): void;
}

/** A container definition as far as logging is concerned. */
export interface LoggedContainer {
  name: string;
  image: string;
  logConfiguration?: unknown;
}

/**
 * Opens the `awslogs` stream of a container the way the ECS agent does when it starts it:
 * the stream is `<awslogs-stream-prefix>/<container name>/<task id>` (without a prefix, the
 * container id, here the task id) in the group `awslogs-group` of region `awslogs-region`. A
 * missing group fails the container's start with the agent's message, unless
 * `awslogs-create-group` is `true`. Returns undefined for containers without the `awslogs` driver.
 *
 * Source: Amazon ECS Developer Guide, "Using the awslogs log driver" (stream name format,
 * `awslogs-create-group`) and "Stopped tasks errors" (`ResourceInitializationError: failed to
 * validate logger args: … ResourceNotFoundException: The specified log group does not exist.`).
 *
 * @throws Error with the agent's message when the group is missing
 */
export function openContainerLog(
  cloud: Cloud,
  accountId: string,
  taskRegion: string,
  taskId: string,
  container: LoggedContainer,
): ContainerLog | undefined {
  const config = container.logConfiguration as
    | { logDriver?: unknown; options?: Record<string, unknown> }
    | undefined;
  if (config?.logDriver !== 'awslogs') return undefined;
  const options = config.options ?? {};
  const group = typeof options['awslogs-group'] === 'string' ? options['awslogs-group'] : '';
  const region = typeof options['awslogs-region'] === 'string' ? options['awslogs-region'] : taskRegion;
  const prefix = typeof options['awslogs-stream-prefix'] === 'string' ? options['awslogs-stream-prefix'] : '';
  const stream = prefix ? `${prefix}/${container.name}/${taskId}` : taskId;
  const logs = cloud.backend('logs', accountId, region, () => new LogsBackend(cloud, accountId, region));
  try {
    if (!logs.groups.has(group) && options['awslogs-create-group'] === 'true') logs.createGroup(group);
    if (!logs.groups.get(group)?.streams.has(stream)) logs.createStream(group, stream);
  } catch (err) {
    const cause = err instanceof ServiceError ? `${err.code}: ${err.message}` : String(err);
    throw new Error(
      `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ${cause} : exit status 1`,
    );
  }
  return {
    stream,
    group,
    write(line) {
      // The driver keeps writing while the group exists; lines to a deleted group are lost.
      if (!logs.groups.get(group)?.streams.has(stream)) return;
      try {
        logs.putEvents(group, stream, [{ timestamp: cloud.clock.now().getTime(), message: line }]);
      } catch {
        // A rejected event is dropped, as the driver does.
      }
    },
  };
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
    const started = Date.now();
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
    const agent = req.headers['user-agent'];
    spec.log?.write(
      `${req.method ?? 'GET'} ${req.url ?? '/'} ${status} ${Date.now() - started}ms${agent ? ` "${agent}"` : ''}`,
    );
  };
  const server: Server = createServer(handler);
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, spec.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      spec.log?.write(
        `${spec.info.family}:${spec.info.revision} (${spec.info.image}) listening on port ${spec.containerPort ?? port}`,
      );
      let closed = false;
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            if (!closed) spec.log?.write('SIGTERM received: shutting down');
            closed = true;
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
