import { describe, expect, it } from 'vitest';
import type { RequestCountQuery } from '../../../functions/adapters/cloudwatch.ts';
import { DEVELOPMENT_POLICY, parseAccessPolicy } from '../../../functions/core/access-policy.ts';
import type { RecordedTraffic } from '../../../functions/core/environment-cost.ts';
import type { RequestDatapoints } from '../../../functions/core/idle.ts';
import { makeHandler, type RequestCountsPort } from '../../../functions/handlers/idle-check.ts';
import { FakeExecutions, FakeRegistry, readyEnv } from './entry-fakes.ts';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const LB =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/berth-quiet-alb/50dc6c495c0c9188';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/berth-busy-tg/73e2d6bc24d8a067';
const RULE =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/berth-shared/9f8e7d6c5b4a3f2e/0123456789abcdef/fedcba9876543210';

/** A CloudWatch fake answering per dimension value, recording what it was asked. */
class FakeMetrics implements RequestCountsPort {
  readonly calls: { queries: readonly RequestCountQuery[]; start: Date; end: Date }[] = [];
  constructor(private readonly byDimension: Record<string, RequestDatapoints> = {}) {}
  async requestCounts(queries: readonly RequestCountQuery[], start: Date, end: Date) {
    this.calls.push({ queries, start, end });
    const out = new Map<string, RequestDatapoints>();
    for (const q of queries) {
      const key = q.metric.dimensions['TargetGroup'] ?? q.metric.dimensions['LoadBalancer'] ?? '';
      out.set(q.id, this.byDimension[key] ?? { timestamps: [], values: [] });
    }
    return out;
  }
}

const idleEnv = (name: string, idleAfter: string, loadBalancer: Record<string, string>, extra = {}) =>
  readyEnv(name, {
    updatedAt: '2026-01-01T08:00:00.000Z',
    spec: { name, image: 'nginx:1.27', owner: 'ana', idleAfter },
    resources: { loadBalancer },
    ...extra,
  });

const setup = (metrics = new FakeMetrics(), policy = DEVELOPMENT_POLICY) => {
  const registry = new FakeRegistry();
  const executions = new FakeExecutions();
  const denials: Record<string, unknown>[] = [];
  const stored = new Map<string, RecordedTraffic>();
  const handler = makeHandler({
    registry,
    executions,
    metrics,
    traffic: {
      async setTraffic(name, traffic) {
        if (name === 'vanished') throw new Error('ProvisionedThroughputExceededException: slow down');
        stored.set(name, traffic);
        return true;
      },
    },
    clock: { now: () => NOW },
    policy: async () => policy,
    denialLogger: (entry) => denials.push(entry),
  });
  return { registry, executions, metrics, handler, denials, stored };
};

describe('idle-check', () => {
  it('pauses an environment whose load balancer saw no request for idleAfter, as the API starts a pause', async () => {
    const { registry, executions, metrics, handler } = setup();
    registry.environments.set('quiet', idleEnv('quiet', '2h', { loadBalancerArn: LB, targetGroupArn: TG }));
    const result = await handler({});
    expect(result.paused).toEqual([
      {
        env: 'quiet',
        reason: 'no request through its load balancer for 2h (idleAfter 2h)',
        operationId: `idle-quiet-${NOW.getTime() / 60_000}`,
        executionArn: expect.stringContaining(':execution:berth-lifecycle:'),
      },
    ]);
    expect(executions.started).toHaveLength(1);
    expect(executions.started[0]?.input).toMatchObject({
      operation: 'pause',
      env: 'quiet',
      requestedBy: 'idle',
      entry: 'idle',
    });
    expect(metrics.calls[0]).toMatchObject({
      start: new Date('2026-01-01T10:00:00.000Z'),
      end: NOW,
      queries: [
        { id: 'env0', metric: { dimensions: { LoadBalancer: 'app/berth-quiet-alb/50dc6c495c0c9188' } } },
      ],
    });
  });

  it('keeps an environment with requests, judging a shared-ALB one by its target group', async () => {
    const metrics = new FakeMetrics({
      'targetgroup/berth-busy-tg/73e2d6bc24d8a067': {
        timestamps: [new Date('2026-01-01T11:50:00Z')],
        values: [4],
      },
    });
    const { registry, executions, handler } = setup(metrics);
    registry.environments.set('busy', idleEnv('busy', '30m', { ruleArn: RULE, targetGroupArn: TG }));
    const result = await handler({});
    expect(result).toMatchObject({ checked: 1, paused: [], skipped: [] });
    expect(result.active).toEqual([
      {
        env: 'busy',
        reason:
          '4 request(s) through its target group in the last 30m (last in the minute of 2026-01-01T11:50:00.000Z)',
      },
    ]);
    expect(executions.started).toEqual([]);
  });

  it('asks CloudWatch once for every candidate, from the earliest window start', async () => {
    const { registry, metrics, handler } = setup();
    registry.environments.set('quiet', idleEnv('quiet', '2h', { loadBalancerArn: LB }));
    registry.environments.set('busy', idleEnv('busy', '30m', { ruleArn: RULE, targetGroupArn: TG }));
    registry.environments.set('plain', readyEnv('plain'));
    const result = await handler({});
    expect(result.checked).toBe(2);
    expect(metrics.calls).toHaveLength(1);
    expect(metrics.calls[0]?.start).toEqual(new Date('2026-01-01T10:00:00.000Z'));
    expect(metrics.calls[0]?.queries.map((q) => q.id)).toEqual(['env0', 'env1']);
  });

  it('leaves environments without idleAfter out, and skips busy or unready ones (measuring only their rate)', async () => {
    const { registry, metrics, handler } = setup();
    registry.environments.set('plain', readyEnv('plain'));
    registry.environments.set(
      'napping',
      idleEnv('napping', '2h', { loadBalancerArn: LB }, { status: 'paused' as const }),
    );
    registry.environments.set(
      'working',
      idleEnv(
        'working',
        '2h',
        { loadBalancerArn: LB },
        {
          currentOperation: { operationId: 'r1', operation: 'scale', startedAt: '2026-01-01T11:59:00.000Z' },
        },
      ),
    );
    const result = await handler({});
    expect(result).toEqual({
      now: NOW.toISOString(),
      dryRun: false,
      checked: 2,
      paused: [],
      active: [],
      skipped: [
        { env: 'napping', reason: 'status is paused, not ready' },
        { env: 'working', reason: 'an operation is running' },
      ],
      measured: [
        expect.objectContaining({ env: 'napping', requests: 0 }),
        expect.objectContaining({ env: 'working', requests: 0 }),
      ],
    });
    // Asked only for the request rates: over the last hour, not over their idleAfter.
    expect(metrics.calls).toHaveLength(1);
    expect(metrics.calls[0]?.start).toEqual(new Date('2026-01-01T11:00:00.000Z'));
  });

  it("stores every environment's request rate over the last hour (or since created), idleAfter or not", async () => {
    const minute = (hhmm: string) => new Date(`2026-01-01T${hhmm}:00.000Z`);
    const metrics = new FakeMetrics({
      // A dedicated ALB: 90 requests in the window, and 40 in the minute before it (not counted).
      'app/berth-quiet-alb/50dc6c495c0c9188': {
        timestamps: [minute('10:59'), minute('11:00'), minute('11:30'), minute('11:59')],
        values: [40, 30, 50, 10],
      },
      // A shared-ALB environment created at 11:45:30: its window starts at 11:45 (15 minutes).
      'targetgroup/berth-busy-tg/73e2d6bc24d8a067': { timestamps: [minute('11:50')], values: [25] },
    });
    const { registry, handler, stored } = setup(metrics);
    registry.environments.set(
      'quiet',
      readyEnv('quiet', { resources: { loadBalancer: { loadBalancerArn: LB } } }),
    );
    registry.environments.set(
      'busy',
      readyEnv('busy', {
        createdAt: '2026-01-01T11:45:30.000Z',
        resources: { loadBalancer: { ruleArn: RULE, targetGroupArn: TG } },
      }),
    );
    registry.environments.set(
      'gone',
      readyEnv('gone', { status: 'deleted', resources: { loadBalancer: { loadBalancerArn: LB } } }),
    );
    const result = await handler({});
    expect(result.checked).toBe(0);
    expect(result.measured).toEqual([
      // 25 requests in 15 minutes = 100 per hour.
      {
        env: 'busy',
        requests: 25,
        requestsPerHour: 100,
        windowStart: '2026-01-01T11:45:00.000Z',
        windowEnd: NOW.toISOString(),
      },
      // 30 + 50 + 10 in the last hour.
      {
        env: 'quiet',
        requests: 90,
        requestsPerHour: 90,
        windowStart: '2026-01-01T11:00:00.000Z',
        windowEnd: NOW.toISOString(),
      },
    ]);
    expect(stored.get('quiet')).toEqual({
      requests: 90,
      requestsPerHour: 90,
      windowStart: '2026-01-01T11:00:00.000Z',
      windowEnd: NOW.toISOString(),
    });
    expect(stored.get('busy')?.requestsPerHour).toBe(100);
    // A deleted environment has no load balancer left to pay for.
    expect(stored.has('gone')).toBe(false);
  });

  it('does not write a figure again that the record already has (a fleet nobody uses costs no writes)', async () => {
    const { registry, handler, stored } = setup();
    const lb = { loadBalancer: { loadBalancerArn: LB } };
    const zero = {
      requests: 0,
      requestsPerHour: 0,
      windowStart: '2026-01-01T10:55:00.000Z',
      windowEnd: '2026-01-01T11:55:00.000Z',
    };
    registry.environments.set('quiet', readyEnv('quiet', { resources: lb, traffic: zero }));
    registry.environments.set(
      'was-busy',
      readyEnv('was-busy', { resources: lb, traffic: { ...zero, requests: 60, requestsPerHour: 60 } }),
    );
    const result = await handler({});
    expect(result.measured).toEqual([
      expect.objectContaining({ env: 'quiet', requests: 0, unchanged: true }),
      expect.objectContaining({ env: 'was-busy', requests: 0, windowStart: '2026-01-01T11:00:00.000Z' }),
    ]);
    expect(result.measured[1]).not.toHaveProperty('unchanged');
    expect([...stored.keys()]).toEqual(['was-busy']);
  });

  it('stores nothing in a dry run, and reports a failed write without failing the check', async () => {
    const { registry, handler, stored } = setup();
    const lb = { resources: { loadBalancer: { loadBalancerArn: LB } } };
    registry.environments.set('quiet', readyEnv('quiet', lb));
    registry.environments.set('vanished', readyEnv('vanished', lb));
    const dry = await handler({ dryRun: true });
    expect(dry.measured.map((m) => m.env)).toEqual(['quiet', 'vanished']);
    expect(stored.size).toBe(0);
    const result = await handler({});
    expect(result.measured).toEqual([
      expect.objectContaining({ env: 'quiet', requestsPerHour: 0 }),
      expect.objectContaining({
        env: 'vanished',
        requestsPerHour: 0,
        error: 'ProvisionedThroughputExceededException: slow down',
      }),
    ]);
    expect([...stored.keys()]).toEqual(['quiet']);
  });

  it('starts nothing in a dry run, and judges at the given time', async () => {
    const { registry, executions, handler } = setup();
    registry.environments.set('quiet', idleEnv('quiet', '2h', { loadBalancerArn: LB }));
    const early = await handler({ now: '2026-01-01T09:00:00.000Z', dryRun: true });
    expect(early.skipped).toEqual([{ env: 'quiet', reason: 'ready for 1h, less than idleAfter 2h' }]);
    const result = await handler({ dryRun: true });
    expect(result.paused).toEqual([
      { env: 'quiet', reason: 'no request through its load balancer for 2h (idleAfter 2h)' },
    ]);
    expect(executions.started).toEqual([]);
    await expect(handler({ now: 'yesterday' })).rejects.toThrow('now: must be an ISO date-time');
  });

  it('does not pause what the access policy keeps scheduled jobs away from, and logs the refusal', async () => {
    const policy = parseAccessPolicy({
      version: 1,
      bindings: [],
      images: { allow: ['*'] },
      nightly: { environments: ['tmp-*'] },
    });
    const { registry, executions, handler, denials } = setup(new FakeMetrics(), policy);
    registry.environments.set('quiet', idleEnv('quiet', '2h', { loadBalancerArn: LB }));
    const result = await handler({});
    expect(result.paused).toEqual([]);
    expect(result.skipped).toEqual([
      {
        env: 'quiet',
        reason:
          "idle, but refused by the access policy: the idle check may not pause environment 'quiet': the access policy limits scheduled jobs to environments tmp-*",
      },
    ]);
    expect(denials).toHaveLength(1);
    expect(executions.started).toEqual([]);
  });

  it('reports, and does not fail on, an environment another operation took meanwhile', async () => {
    const { registry, executions, handler } = setup();
    registry.environments.set('quiet', idleEnv('quiet', '2h', { loadBalancerArn: LB }));
    registry.locks.set('quiet', {
      token: 't',
      operationId: 'other',
      operation: 'redeploy',
      expiresAt: NOW.getTime() / 1000 + 600,
    });
    const result = await handler({});
    expect(result.paused).toEqual([]);
    expect(result.skipped).toEqual([
      {
        env: 'quiet',
        reason: 'idle, but not paused: environment "quiet" is busy: redeploy other is running',
      },
    ]);
    expect(executions.started).toEqual([]);
  });
});
