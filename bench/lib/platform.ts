/**
 * The real local platform for benchmarks: API calls, execution waits and execution history
 * (state transitions = `…StateEntered` events, which is what Step Functions bills).
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { AslDefinition } from '../../local/runtime/asl.ts';
import { type PlatformOptions, type RunningPlatform, startPlatform } from '../../local/runtime/platform.ts';
import type { Polling } from '../../statemachine/src/blocks.ts';
import { lifecycle } from '../../statemachine/src/lifecycle.ts';

/** A platform started for a benchmark, with helpers. */
export interface BenchPlatform {
  platform: RunningPlatform;
  sfn: SFNClient;
  /** Calls the local HTTP API; returns status and parsed JSON body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Polls an execution every `pollMs` until it closes. */
  waitExecution(
    executionArn: string,
    timeoutMs?: number,
    pollMs?: number,
  ): Promise<DescribeExecutionCommandOutput>;
  /** The whole event history of an execution. */
  history(executionArn: string): Promise<HistoryEvent[]>;
  /** Reads a local-cloud control endpoint. */
  control(path: string, body?: unknown): Promise<any>;
  stop(): Promise<void>;
}

/**
 * Makes the platform's lifecycle machine the one of a polling policy (`fixed`: every wait 15 s, the policy
 * before adaptive polling), as UpdateStateMachine would: executions started afterwards run it.
 */
export function useLifecyclePolling(bp: BenchPlatform, polling: Polling): void {
  bp.platform.sfn.updateStateMachine(
    bp.platform.stateMachines.lifecycle,
    lifecycle({ polling }) as unknown as AslDefinition,
  );
}

/** Number of state transitions (`…StateEntered` events) in a history. */
export const transitions = (events: readonly HistoryEvent[]): number =>
  events.filter((e) => e.type?.endsWith('StateEntered')).length;

/** Starts the platform on free ports (handler logs at ERROR unless given). */
export async function startBenchPlatform(options: PlatformOptions = {}): Promise<BenchPlatform> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const platform = await startPlatform({
    logLevel: 'ERROR',
    ...options,
    ports: { cloud: 0, sfn: 0, api: 0 },
  });
  const sfn = new SFNClient({
    endpoint: platform.urls.sfn,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
  });
  const api: BenchPlatform['api'] = async (method, path, body) => {
    const res = await fetch(`${platform.urls.api}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  };
  const waitExecution: BenchPlatform['waitExecution'] = async (
    executionArn,
    timeoutMs = 120_000,
    pollMs = 10,
  ) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (d.status !== 'RUNNING') return d;
      if (performance.now() > deadline)
        throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };
  const history: BenchPlatform['history'] = async (executionArn) => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: 1000,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  };
  const control: BenchPlatform['control'] = async (path, body) => {
    const res = await fetch(`${platform.urls.cloud}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return res.json();
  };
  return {
    platform,
    sfn,
    api,
    waitExecution,
    history,
    control,
    stop: async () => {
      sfn.destroy();
      await platform.stop();
    },
  };
}

/** A minimal environment spec (defaults: dedicated ALB, EC2, health check 30 s × 5). */
export function benchSpec(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, image: 'berth/hello:1', owner: 'bench', healthCheck: { path: '/health' }, ...extra };
}
