import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftoversOf } from '../../local/runtime/leftovers.ts';
import { type E2EPlatform, spec, startE2EPlatform } from '../e2e/helpers/platform.ts';
import { chaosSeed, prng, withSeed } from './seed.ts';

/**
 * Randomized lifecycles (up / scale / redeploy / down, concurrent on 3 environments) through the
 * platform's API on the `instant` profile, each run with one injected fault. After each run:
 * every environment is ready and answering through its ALB, or torn down with its failure in the
 * registry; nothing tagged for a torn-down environment remains; no lock is held; the registry
 * agrees with the local cloud.
 */
const seed = chaosSeed();
const RUNS = Number(process.env['BERTH_CHAOS_RUNS'] ?? 6);
const ENVS = 3;

const FAULTS = ['throttling', 'random-5xx', 'crash', 'unhealthy', 'capacity', 'teardown-failure'] as const;
type Fault = (typeof FAULTS)[number];

/** The order in which runs take faults: a seeded shuffle, so 6 runs cover all six. */
function faultOrder(random: () => number): Fault[] {
  const order = [...FAULTS];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as Fault, order[i] as Fault];
  }
  return order;
}

const order = faultOrder(prng(seed));
const oneShot = { armed: false, hitBy: undefined as string | undefined };

/** AWS actions the random faults hit (not DynamoDB: the registry's own faults are another test). */
const RANDOM_FAULT_ACTIONS = [
  'ecs:CreateService',
  'ecs:DescribeServices',
  'ecs:UpdateService',
  'ecs:ListTasks',
  'ecs:DescribeTasks',
  'ecs:RegisterTaskDefinition',
  'elasticloadbalancing:CreateTargetGroup',
  'elasticloadbalancing:DescribeTargetHealth',
  'elasticloadbalancing:DescribeLoadBalancers',
  'ec2:CreateSecurityGroup',
  'ec2:DescribeSecurityGroups',
  'autoscaling:DescribeAutoScalingGroups',
];

type Op = { kind: 'up' | 'down' | 'redeploy' } | { kind: 'scale'; desiredCount: number };

interface Outcome {
  op: string;
  http: number;
  status?: string;
  error?: string;
}

let e2e: E2EPlatform;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  e2e = await startE2EPlatform({
    // The handlers' SDK clients make one attempt: a throttle or 5xx reaches the state machine, whose Retry must
    // absorb it (test/chaos/throttling-retry.test.ts shows a run fails without that Retry).
    env: { AWS_MAX_ATTEMPTS: '1' },
    handlerOverrides: {
      'teardown-load-balancer': async (event: any, context: any) => {
        if (oneShot.armed) {
          oneShot.armed = false;
          oneShot.hitBy = event?.env;
          throw new Error(
            'chaos: one-shot failure of the load-balancer teardown (before DeleteLoadBalancer)',
          );
        }
        const real = await import('../../functions/handlers/teardown-load-balancer.ts');
        return (real.handler as (e: unknown, c: unknown) => Promise<unknown>)(event, context);
      },
    },
  });
  dynamo = new DynamoDBClient({
    endpoint: e2e.platform.urls.cloud,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  dynamo?.destroy();
  await e2e?.stop();
});

function plan(
  random: () => number,
  fault: Fault,
  index: number,
): { spec: Record<string, unknown>; ops: Op[] } {
  const name = `env-${index}`;
  const extra: Record<string, unknown> = {};
  if (index === 0 && fault === 'crash') extra['image'] = 'berth/crash:1';
  if (index === 0 && fault === 'unhealthy') extra['image'] = 'berth/unhealthy:1';
  if (index === 0 && fault === 'capacity') extra['capacity'] = { instanceType: 't3.micro' };
  const ops: Op[] = [{ kind: 'up' }];
  const middle = Math.floor(random() * 3);
  for (let i = 0; i < middle; i++) {
    ops.push(
      random() < 0.5 ? { kind: 'scale', desiredCount: 1 + Math.floor(random() * 3) } : { kind: 'redeploy' },
    );
  }
  if ((index === 0 && fault === 'teardown-failure') || random() < 0.4) ops.push({ kind: 'down' });
  return { spec: { ...spec(name), ...extra }, ops };
}

async function runOp(env: string, body: Record<string, unknown>, op: Op): Promise<Outcome> {
  const request =
    op.kind === 'up'
      ? e2e.api('POST', '/environments', { ...body, name: env })
      : op.kind === 'down'
        ? e2e.api('DELETE', `/environments/${env}`)
        : op.kind === 'scale'
          ? e2e.api('POST', `/environments/${env}/scale`, { desiredCount: op.desiredCount })
          : e2e.api('POST', `/environments/${env}/redeploy`, {});
  const response = await request;
  const label = op.kind === 'scale' ? `scale ${op.desiredCount}` : op.kind;
  if (response.status !== 202) return { op: label, http: response.status, error: response.text };
  const done = await e2e.waitForExecution(response.body.executionArn, 60_000);
  return {
    op: label,
    http: 202,
    status: done.status ?? '?',
    ...(done.error ? { error: `${done.error}: ${(done.cause ?? '').slice(0, 200)}` } : {}),
  };
}

async function injectFault(fault: Fault, runSeed: number): Promise<void> {
  if (fault === 'throttling') {
    await e2e.control('/_berth/faults', {
      body: {
        throttling: {
          ecsRateLimits: true,
          rates: {
            'ecs:CreateService': { burst: 1, perSecond: 2 },
            'ecs:DescribeServices': { burst: 2, perSecond: 5 },
            'elasticloadbalancing:CreateTargetGroup': { burst: 1, perSecond: 2 },
            'elasticloadbalancing:DescribeTargetHealth': { burst: 2, perSecond: 5 },
            'ec2:CreateSecurityGroup': { burst: 1, perSecond: 2 },
            'autoscaling:DescribeAutoScalingGroups': { burst: 2, perSecond: 5 },
          },
        },
      },
    });
  } else if (fault === 'random-5xx') {
    await e2e.control('/_berth/faults', {
      body: {
        random: { seed: runSeed, serverErrorRate: 0.05, throttleRate: 0.03, actions: RANDOM_FAULT_ACTIONS },
      },
    });
  } else if (fault === 'capacity') {
    await e2e.control('/_berth/faults', { body: { capacity: { insufficientInstanceTypes: ['t3.micro'] } } });
  } else if (fault === 'teardown-failure') {
    oneShot.armed = true;
    oneShot.hitBy = undefined;
  }
}

async function liveLocks(prefix: string): Promise<string[]> {
  const out = await dynamo.send(new ScanCommand({ TableName: e2e.platform.env['BERTH_TABLE_NAME'] }));
  const now = Math.floor(Date.now() / 1000);
  return (out.Items ?? [])
    .filter((item) => item['sk']?.S === 'LOCK' && (item['pk']?.S ?? '').startsWith(`ENV#${prefix}`))
    .filter((item) => Number(item['expiresAt']?.N ?? '0') > now)
    .map((item) => item['pk']?.S ?? '?');
}

/** Checks the invariants for one environment; returns violations. */
async function violations(env: string, outcomes: Outcome[]): Promise<string[]> {
  const found: string[] = [];
  const described = await e2e.api('GET', `/environments/${env}`);
  if (described.status !== 200) return [`${env}: GET answered ${described.status}`];
  const record = described.body;
  const anyFailed = outcomes.some((o) => o.status !== undefined && o.status !== 'SUCCEEDED');
  if (record.currentOperation !== null)
    found.push(`${env}: currentOperation still set (${JSON.stringify(record.currentOperation)})`);
  if (record.status === 'ready') {
    const answer = await e2e.throughAlb(record.url, '/');
    if (answer.status !== 200) found.push(`${env}: ready but its ALB answered ${answer.status}`);
    const service = await e2e.clients.ecs.send(
      new DescribeServicesCommand({ cluster: `berth-${env}`, services: [`berth-${env}`] }),
    );
    if (service.services?.[0]?.status !== 'ACTIVE')
      found.push(`${env}: ready in the registry, no ACTIVE service in the cloud`);
  } else if (record.status === 'deleted' || record.status === 'failed') {
    const left = await leftoversOf(e2e.platform.urls.cloud, env);
    if (left.length > 0) found.push(`${env}: ${record.status} but left ${left.join(', ')}`);
    const recorded =
      record.lastFailure !== null ||
      (record.operations ?? []).some((op: { status: string }) => op.status === 'failed');
    if (anyFailed && !recorded) found.push(`${env}: an operation failed but the registry records no failure`);
  } else {
    found.push(`${env}: left in status ${record.status}`);
  }
  return found;
}

describe('randomized lifecycles under injected faults', () => {
  for (let run = 0; run < RUNS; run++) {
    const fault = order[run % order.length] as Fault;
    it(`run ${run} (${fault}) ends with every environment ready or torn down, no lock, no orphan`, async () => {
      await withSeed(seed, `chaos run ${run} (${fault})`, async () => {
        const random = prng(seed * 31 + run);
        const prefix = `c${run}-`;
        const plans = Array.from({ length: ENVS }, (_, i) => plan(random, fault, i));
        const names = plans.map((_, i) => `${prefix}${i}`);
        await injectFault(fault, seed + run);
        const outcomes = await Promise.all(
          plans.map(async (p, i) => {
            const list: Outcome[] = [];
            for (const op of p.ops) list.push(await runOp(names[i] as string, p.spec, op));
            return list;
          }),
        );
        const injected = e2e.platform.cloud.cloud.faults.injected();
        e2e.platform.cloud.cloud.faults.reset();
        oneShot.armed = false;
        const log = names.map((n, i) => `${n}: ${JSON.stringify(outcomes[i])}`).join('\n');

        // The fault must have bitten where it was aimed.
        if (fault === 'throttling') {
          // Berth's calls were throttled (and, by the invariants below, retried to a consistent end).
          // (each service's own code: ThrottlingException, Throttling, RequestLimitExceeded,
          // DynamoDB's ProvisionedThroughputExceededException).
          expect(
            Object.keys(injected).length,
            `${log}\ninjected: ${JSON.stringify(injected)}`,
          ).toBeGreaterThan(0);
        }
        if (fault === 'random-5xx') {
          const total = Object.values(injected).reduce((sum, n) => sum + n, 0);
          expect(total, `${log}\ninjected: ${JSON.stringify(injected)}`).toBeGreaterThan(0);
        }
        if (fault === 'throttling' || fault === 'random-5xx') {
          // Throttles and 5xx are retried (by the state machine: the SDK makes one attempt), never a reason to
          // fail: every operation succeeds. A failed, rolled-back one would satisfy the invariants below, so
          // they alone cannot tell a missing Retry.
          const failed = outcomes.flat().filter((o) => o.status !== 'SUCCEEDED');
          expect(failed, `${log}\ninjected: ${JSON.stringify(injected)}`).toEqual([]);
        }
        if (fault === 'crash' || fault === 'unhealthy' || fault === 'capacity') {
          expect(outcomes[0]?.[0]?.status, log).toBe('FAILED');
        }
        if (fault === 'teardown-failure') {
          expect(oneShot.hitBy, log).toBeDefined();
          // A failed down is resumable: the operator (or the next nightly) runs it again.
          const victim = oneShot.hitBy as string;
          const index = names.indexOf(victim);
          const failedDown = outcomes[index]?.some((o) => o.op === 'down' && o.status === 'FAILED');
          expect(failedDown || outcomes[index]?.some((o) => o.status === 'FAILED'), log).toBe(true);
          if (failedDown) outcomes[index]?.push(await runOp(victim, {}, { kind: 'down' }));
        }

        const found: string[] = [];
        for (const [i, name] of names.entries()) found.push(...(await violations(name, outcomes[i] ?? [])));
        found.push(...(await liveLocks(prefix)).map((pk) => `lock still held: ${pk}`));
        expect(found, `${log}\n${found.join('\n')}`).toEqual([]);

        // Clean up the ready ones so that later runs do not pay for their health checks.
        for (const name of names) {
          const d = await e2e.api('GET', `/environments/${name}`);
          if (d.body?.status === 'ready') {
            const down = await runOp(name, {}, { kind: 'down' });
            expect(down.status, `${name}: cleanup down ${JSON.stringify(down)}`).toBe('SUCCEEDED');
            expect(await leftoversOf(e2e.platform.urls.cloud, name)).toEqual([]);
          }
        }
      });
    }, 90_000);
  }
});
