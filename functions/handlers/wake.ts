import { isBerthError } from '../core/errors.ts';
import { loadHandlerConfig } from './config.ts';
import { awsEntryPorts } from './http/aws-deps.ts';
import type { Clock, ExecutionsPort, RegistryPort } from './http/ports.ts';
import { systemClock } from './http/ports.ts';
import { startDeps, startOperation } from './http/start-operation.ts';

/** The event an Application Load Balancer sends its Lambda target (ELB User Guide, "Lambda functions as targets"). */
interface AlbEvent {
  readonly requestContext?: { readonly elb?: { readonly targetGroupArn?: string } };
  readonly httpMethod?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What the load balancer turns into the HTTP answer. */
interface AlbResult {
  readonly statusCode: number;
  readonly statusDescription: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded: false;
}

interface WakeDeps {
  readonly registry: RegistryPort;
  readonly executions: ExecutionsPort;
  readonly clock?: Clock;
  readonly lockTtlSeconds?: number;
}

/** Seconds a browser waits before asking again (`Retry-After`, and the page's own refresh). */
const RETRY_AFTER_SECONDS = 5;

/** `arn:…:targetgroup/berth-<env>-wake/<id>` → `<env>`; anything else → undefined. */
function envOfWakeTargetGroup(arn: string | undefined): string | undefined {
  const name = /:targetgroup\/([^/]+)\//.exec(arn ?? '')?.[1];
  const env = /^berth-([a-z][a-z0-9-]*[a-z0-9])-wake$/.exec(name ?? '')?.[1];
  return env;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The small waking-up page: 503 with `Retry-After`, refreshing itself. */
function wakingPage(env: string, message: string): AlbResult {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="${RETRY_AFTER_SECONDS}">
<title>${escapeHtml(env)} is waking up</title></head>
<body style="font-family:system-ui,sans-serif;margin:4rem auto;max-width:36rem">
<h1>${escapeHtml(env)} is waking up</h1>
<p>${escapeHtml(message)}</p>
<p>This page reloads itself every ${RETRY_AFTER_SECONDS} seconds until the environment answers.</p>
</body></html>
`;
  return {
    statusCode: 503,
    statusDescription: '503 Service Unavailable',
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'retry-after': String(RETRY_AFTER_SECONDS),
      'cache-control': 'no-store',
    },
    body,
    isBase64Encoded: false,
  };
}

/**
 * The wake handler: the Lambda target a paused environment's load balancer forwards to (wake on
 * request). It answers the waking page and starts `resume` once per pause: the request id is derived from
 * the environment and the time its counts were remembered, so every request of the same sleep maps to the
 * same operation (a replay starts nothing). Resume sends the route back to the environment's target group
 * once its targets are healthy; the page's refresh then reaches the workload.
 *
 * @example await makeHandler(deps)({ requestContext: { elb: { targetGroupArn: 'arn:…:targetgroup/berth-demo-wake/1' } } })
 * // { statusCode: 503, headers: { 'retry-after': '5', … }, body: '<!doctype html>…' }
 */
function makeHandler(deps: WakeDeps | (() => WakeDeps)) {
  let resolved: WakeDeps | undefined;
  return async (event: AlbEvent): Promise<AlbResult> => {
    resolved ??= typeof deps === 'function' ? deps() : deps;
    const env = envOfWakeTargetGroup(event?.requestContext?.elb?.targetGroupArn);
    if (env === undefined) return wakingPage('This environment', 'It is not a Berth environment.');
    const record = await resolved.registry.getEnvironment(env);
    const paused = record?.paused as { at?: unknown } | undefined;
    if (record === undefined || record.status === 'deleted') {
      return wakingPage(env, 'This environment no longer exists.');
    }
    if (record.status === 'resuming')
      return wakingPage(env, 'It is starting: its instances and tasks are coming back.');
    if (paused === undefined || typeof paused.at !== 'string') {
      return wakingPage(env, `It is ${record.status}; it will answer shortly.`);
    }
    const requestId = `wake-${env}-${Date.parse(paused.at) || 0}`.slice(0, 64);
    try {
      await startOperation(
        startDeps(resolved, resolved.clock ?? systemClock),
        { operation: 'resume', env, requestId, requestedBy: 'wake', entry: 'wake' },
        'requestId',
      );
    } catch (error) {
      // Another operation holds the environment (a pause still finishing, a resume started elsewhere): the
      // page asks again shortly; anything else is a fault.
      if (!(isBerthError(error) && ['OperationInProgressError', 'InvalidStateError'].includes(error.name)))
        throw error;
    }
    return wakingPage(env, 'A request arrived while it was paused: it is resuming now.');
  };
}

/** The DynamoDB registry (`BERTH_TABLE_NAME`) and the lifecycle state machine (`BERTH_LIFECYCLE_STATE_MACHINE_ARN`). */
function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): WakeDeps {
  const ports = awsEntryPorts(loadHandlerConfig('wake', env));
  return { registry: ports.registry, executions: ports.executions, lockTtlSeconds: ports.lockTtlSeconds() };
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(() => defaultDeps());
