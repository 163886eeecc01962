import '../../../local/runtime/polyfills.ts';
import { createHmac } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { expect } from 'vitest';
import { leftoversOf } from '../../../local/runtime/leftovers.ts';
import {
  type PlatformOptions,
  type RunningPlatform,
  startPlatform,
} from '../../../local/runtime/platform.ts';

export const SLACK_SECRET = 'e2e-slack-signing-secret';

interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface E2EPlatform {
  platform: RunningPlatform;
  clients: {
    ecs: ECSClient;
    elbv2: ElasticLoadBalancingV2Client;
    ec2: EC2Client;
    autoScaling: AutoScalingClient;
    sfn: SFNClient;
  };
  /** Calls the local HTTP API. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  /** Waits until an execution closes and returns its description. */
  waitForExecution(executionArn: string, timeoutMs?: number): Promise<DescribeExecutionCommandOutput>;
  /** Starts an operation through the API (answered 202) and waits for its execution to succeed; the API's answer. */
  operate(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** Names of the Task states an execution entered, in order. */
  taskStates(executionArn: string): Promise<string[]>;
  /** Reads a control endpoint of the local cloud. */
  control(path: string, init?: { method?: string; body?: unknown }): Promise<any>;
  /** A GET through an environment's load balancer (Host = ALB DNS name, via the cloud's port). */
  throughAlb(url: string, path?: string): Promise<{ status: number; headers: Headers; body: any }>;
  /** Fails the test when anything tagged `berth:env=<env>` is left in the local cloud. */
  assertNothingLeft(env: string): Promise<void>;
  stop(): Promise<void>;
}

/** A minimal valid environment spec. */
export function spec(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, image: 'berth/hello:1', owner: 'e2e', healthCheck: { path: '/health' }, ...extra };
}

/** Starts a whole platform on free ports with the instant profile. */
export async function startE2EPlatform(options: PlatformOptions = {}): Promise<E2EPlatform> {
  const platform = await startPlatform({
    profile: 'instant',
    slackSigningSecret: SLACK_SECRET,
    logLevel: 'ERROR',
    ...options,
    ports: { cloud: 0, sfn: 0, api: 0 },
  });
  const config = {
    endpoint: platform.urls.cloud,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
  };
  const clients = {
    ecs: new ECSClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    ec2: new EC2Client(config),
    autoScaling: new AutoScalingClient(config),
    sfn: new SFNClient({ ...config, endpoint: platform.urls.sfn }),
  };

  const api: E2EPlatform['api'] = async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${platform.urls.api}${path}`, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };

  const waitForExecution: E2EPlatform['waitForExecution'] = async (executionArn, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const described = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') return described;
      if (Date.now() > deadline)
        throw new Error(`execution ${executionArn} still RUNNING after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const taskStates: E2EPlatform['taskStates'] = async (executionArn) => {
    const history = await clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
    );
    return (history.events ?? [])
      .filter((e) => e.type === 'TaskStateEntered')
      .map((e) => e.stateEnteredEventDetails?.name ?? '?');
  };

  const control: E2EPlatform['control'] = async (path, init = {}) => {
    const response = await fetch(`${platform.urls.cloud}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      ...(init.body === undefined
        ? {}
        : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    });
    return response.json();
  };

  const throughAlb: E2EPlatform['throughAlb'] = async (url, path = '/') => {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: platform.ports.cloud,
          path: `${target.pathname.replace(/\/$/, '')}${path}`,
          method: 'GET',
          headers: { host: target.host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = JSON.parse(text);
            } catch {
              // not JSON
            }
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
            resolve({ status: res.statusCode ?? 0, headers, body });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  };

  const operate: E2EPlatform['operate'] = async (method, path, body) => {
    const started = await api(method, path, body);
    expect(started.status, started.text).toBe(202);
    const execution = await waitForExecution(started.body.executionArn);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    return started;
  };

  const assertNothingLeft: E2EPlatform['assertNothingLeft'] = async (env) => {
    const leftovers = await leftoversOf(platform.urls.cloud, env);
    expect(leftovers, `resources tagged berth:env=${env} left in the local cloud`).toEqual([]);
  };

  return {
    platform,
    clients,
    api,
    waitForExecution,
    operate,
    taskStates,
    control,
    throughAlb,
    assertNothingLeft,
    stop: async () => {
      for (const client of Object.values(clients)) client.destroy();
      await platform.stop();
    },
  };
}

/** Signs a Slack request body like Slack does. */
export function slackHeaders(
  body: string,
  secret = SLACK_SECRET,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signature,
  };
}

/** A local HTTP receiver for Slack `response_url` / webhook messages. */
export async function startReceiver(): Promise<{ url: string; messages: any[]; stop(): Promise<void> }> {
  const messages: any[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        messages.push(JSON.parse(text));
      } catch {
        messages.push(text);
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/response`,
    messages,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Polls until `check` returns a truthy value. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
