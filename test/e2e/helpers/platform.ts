import '../../../local/runtime/polyfills.ts';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { expect } from 'vitest';
import {
  type PlatformOptions,
  type RunningPlatform,
  startPlatform,
} from '../../../local/runtime/platform.ts';

export const SLACK_SECRET = 'e2e-slack-signing-secret';

export interface ApiResponse {
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
    const { request } = await import('node:http');
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

  const assertNothingLeft: E2EPlatform['assertNothingLeft'] = async (env) => {
    const leftovers = await findLeftovers(clients, env);
    const state = await control('/_berth/state');
    leftovers.push(...findTaggedInState(state, env));
    expect(leftovers, `resources tagged berth:env=${env} left in the local cloud`).toEqual([]);
  };

  return {
    platform,
    clients,
    api,
    waitForExecution,
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

const isEnvTagged = (
  tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined,
  env: string,
): boolean => (tags ?? []).some((t) => t.Key === 'berth:env' && t.Value === env);

/** Lists, through real describe calls, every live resource tagged (or named) for the environment. */
async function findLeftovers(clients: E2EPlatform['clients'], env: string): Promise<string[]> {
  const left: string[] = [];
  const prefix = `berth-${env}`;
  const clusters = (await clients.ecs.send(new ListClustersCommand({}))).clusterArns ?? [];
  if (clusters.length > 0) {
    const described = await clients.ecs.send(new DescribeClustersCommand({ clusters, include: ['TAGS'] }));
    for (const cluster of described.clusters ?? []) {
      if (cluster.status !== 'ACTIVE') continue;
      if (
        cluster.clusterName === prefix ||
        isEnvTagged(
          cluster.tags?.map((t) => ({ Key: t.key, Value: t.value })),
          env,
        )
      ) {
        left.push(`ecs cluster ${cluster.clusterName}`);
        const services = await clients.ecs.send(
          new DescribeServicesCommand({ cluster: cluster.clusterArn, services: [prefix] }),
        );
        for (const service of services.services ?? []) {
          if (service.status !== 'INACTIVE') left.push(`ecs service ${service.serviceName}`);
        }
      }
    }
  }
  const taskDefinitions = await clients.ecs.send(
    new ListTaskDefinitionsCommand({ familyPrefix: prefix, status: 'ACTIVE' }),
  );
  for (const arn of taskDefinitions.taskDefinitionArns ?? []) {
    if (arn.includes(`:task-definition/${prefix}:`)) left.push(`task definition ${arn}`);
  }
  const providers = await clients.ecs.send(new DescribeCapacityProvidersCommand({ include: ['TAGS'] }));
  for (const provider of providers.capacityProviders ?? []) {
    if (provider.status === 'INACTIVE') continue;
    if (
      isEnvTagged(
        provider.tags?.map((t) => ({ Key: t.key, Value: t.value })),
        env,
      ) ||
      provider.name === `${prefix}-cp`
    ) {
      left.push(`capacity provider ${provider.name}`);
    }
  }
  const groups = await clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
  for (const group of groups.AutoScalingGroups ?? []) {
    if (isEnvTagged(group.Tags, env) || group.AutoScalingGroupName === `${prefix}-asg`) {
      left.push(`auto scaling group ${group.AutoScalingGroupName}`);
    }
  }
  const securityGroups = await clients.ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:berth:env', Values: [env] }] }),
  );
  for (const sg of securityGroups.SecurityGroups ?? [])
    left.push(`security group ${sg.GroupName} ${sg.GroupId}`);
  const templates = await clients.ec2.send(
    new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'tag:berth:env', Values: [env] }] }),
  );
  for (const lt of templates.LaunchTemplates ?? []) left.push(`launch template ${lt.LaunchTemplateName}`);
  const instances = await clients.ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'tag:berth:env', Values: [env] }] }),
  );
  for (const reservation of instances.Reservations ?? []) {
    for (const instance of reservation.Instances ?? []) {
      if (instance.State?.Name !== 'terminated')
        left.push(`instance ${instance.InstanceId} (${instance.State?.Name})`);
    }
  }
  const loadBalancers = (await clients.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const targetGroups = (await clients.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const arns = [
    ...loadBalancers.map((lb) => lb.LoadBalancerArn!),
    ...targetGroups.map((tg) => tg.TargetGroupArn!),
  ];
  const ruleArns: string[] = [];
  for (const lb of loadBalancers) {
    const listeners = await clients.elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
    );
    for (const listener of listeners.Listeners ?? []) {
      const rules = await clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
      for (const rule of rules.Rules ?? []) if (!rule.IsDefault) ruleArns.push(rule.RuleArn!);
    }
  }
  const all = [...arns, ...ruleArns];
  for (let i = 0; i < all.length; i += 20) {
    const tags = await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: all.slice(i, i + 20) }));
    for (const description of tags.TagDescriptions ?? []) {
      if (isEnvTagged(description.Tags, env)) left.push(`elbv2 ${description.ResourceArn}`);
    }
  }
  for (const lb of loadBalancers)
    if (lb.LoadBalancerName === `${prefix}-alb`) left.push(`load balancer ${lb.LoadBalancerName}`);
  for (const tg of targetGroups)
    if (tg.TargetGroupName === `${prefix}-tg`) left.push(`target group ${tg.TargetGroupName}`);
  return [...new Set(left)];
}

const GONE = /^(terminated|inactive|deleted|deregistered|deleting|shutting-down|stopped|draining)$/i;

/** Walks the cloud's `/_berth/state` dump for live objects carrying the `berth:env=<env>` tag. */
export function findTaggedInState(state: unknown, env: string): string[] {
  const found: string[] = [];
  const tagged = (tags: unknown): boolean => {
    if (Array.isArray(tags)) {
      return tags.some((t) => {
        const tag = t as Record<string, unknown>;
        return (tag['Key'] ?? tag['key']) === 'berth:env' && (tag['Value'] ?? tag['value']) === env;
      });
    }
    if (tags && typeof tags === 'object') return (tags as Record<string, unknown>)['berth:env'] === env;
    return false;
  };
  const statusOf = (node: Record<string, unknown>): string | undefined => {
    for (const key of ['status', 'state', 'Status', 'State', 'lifecycleState', 'LifecycleState']) {
      const value = node[key];
      if (typeof value === 'string') return value;
      if (value && typeof value === 'object') {
        const name =
          (value as Record<string, unknown>)['name'] ??
          (value as Record<string, unknown>)['Name'] ??
          (value as Record<string, unknown>)['code'];
        if (typeof name === 'string') return name;
      }
    }
    return undefined;
  };
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, `${where}[${i}]`);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const tags = record['tags'] ?? record['Tags'];
    if (tagged(tags)) {
      const status = statusOf(record);
      if (!status || !GONE.test(status)) found.push(`${where}${status ? ` (${status})` : ''}`);
    }
    for (const [key, value] of Object.entries(record)) {
      if (key === 'tags' || key === 'Tags') continue;
      visit(value, `${where}.${key}`);
    }
  };
  visit(state, 'state');
  return found;
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
