import { describe, expect, it } from 'vitest';
import { SHIPPED_PRICES } from '../../../functions/core/cost.ts';
import { parseEnvSpec } from '../../../functions/core/env-spec.ts';
import {
  accrueUsage,
  environmentCost,
  measureTraffic,
  type RecordedTraffic,
  type RecordedUsage,
  trafficWindow,
  usageForStatus,
  usageFromObserved,
} from '../../../functions/core/environment-cost.ts';
import type { ObservedEnvironment } from '../../../functions/core/observed.ts';

const base = { name: 'demo', image: 'berth/hello:1', owner: 'alice' };
const observed = (extra: Partial<ObservedEnvironment>): ObservedEnvironment => ({
  env: 'demo',
  securityGroups: {},
  ...extra,
});
const cluster = (instances: number) => ({
  arn: 'arn:cluster',
  name: 'berth-demo',
  status: 'ACTIVE',
  tags: {},
  registeredContainerInstances: instances,
  activeServices: 1,
  runningTasks: 1,
  capacityProviders: [],
});
const service = (running: number) => ({
  arn: 'arn:service',
  name: 'berth-demo',
  status: 'ACTIVE',
  desiredCount: running,
  runningCount: running,
  pendingCount: 0,
  taskDefinition: 'arn:td',
  deployments: [],
  tags: {},
});
const alb = { arn: 'arn:alb', name: 'berth-demo-alb', dnsName: 'x', state: 'active', tags: {} };

describe('usageFromObserved', () => {
  it('counts the registered container instances of the spec instance type and the dedicated ALB', () => {
    const spec = parseEnvSpec({ ...base, capacity: { instanceType: 't3.medium' } });
    expect(
      usageFromObserved(observed({ cluster: cluster(3), service: service(2), loadBalancer: alb }), spec),
    ).toEqual({ instances: [{ type: 't3.medium', count: 3 }], loadBalancer: { mode: 'dedicated' } });
  });

  it('counts running Fargate tasks at the task size and the share of the shared listener', () => {
    const spec = parseEnvSpec({
      ...base,
      launchType: 'FARGATE',
      cpu: 1024,
      memory: 2048,
      loadBalancer: { mode: 'shared' },
    });
    const rule = { arn: 'arn:rule', priority: '5', tags: {}, rulesOnListener: 4 };
    expect(usageFromObserved(observed({ service: service(3), listenerRule: rule }), spec)).toEqual({
      instances: [],
      fargateTasks: { count: 3, cpuUnits: 1024, memoryMiB: 2048 },
      loadBalancer: { mode: 'shared', environments: 4 },
    });
  });

  it('leaves the load balancer out when none was observed', () => {
    const spec = parseEnvSpec(base);
    expect(usageFromObserved(observed({ cluster: cluster(0) }), spec)).toEqual({
      instances: [{ type: 't3.small', count: 0 }],
    });
  });
});

describe('usageForStatus', () => {
  const running = {
    region: 'us-east-1',
    instances: [{ type: 't3.small', count: 2 }],
    fargateTasks: { count: 1, cpuUnits: 256, memoryMiB: 512 },
    loadBalancer: { mode: 'dedicated' as const },
  };
  it('keeps only the load balancer of a paused environment', () => {
    expect(usageForStatus(running, 'paused')).toEqual({
      region: 'us-east-1',
      instances: [],
      loadBalancer: { mode: 'dedicated' },
    });
  });
  it('keeps nothing of a deleted one and everything of a ready one', () => {
    expect(usageForStatus(running, 'deleted')).toEqual({ region: 'us-east-1', instances: [] });
    expect(usageForStatus(running, 'ready')).toBe(running);
  });
});

describe('accrueUsage and environmentCost', () => {
  const t0 = new Date('2026-11-29T08:00:00Z');
  const t1 = new Date('2026-11-29T10:00:00Z'); // 2 h later
  const t2 = new Date('2026-11-29T13:00:00Z'); // 3 h after that
  const one = {
    region: 'us-east-1',
    instances: [{ type: 't3.small', count: 1 }],
    loadBalancer: { mode: 'dedicated' as const },
  };
  // 0.0208 + 30 × 0.08 / 730 + 0.0225 = 0.046587671… per hour
  const hourlyOne = 0.0208 + (30 * 0.08) / 730 + 0.0225;

  it('starts a history at the first observation with nothing accrued', () => {
    expect(accrueUsage(undefined, one, 'ready', SHIPPED_PRICES, t0)).toEqual({
      resources: one,
      observedAt: t0.toISOString(),
      accruedUsd: 0,
    });
  });

  it('adds the previous period at its own price when what runs changes (a scale)', () => {
    const first = accrueUsage(undefined, one, 'ready', SHIPPED_PRICES, t0) as RecordedUsage;
    const three = { ...one, instances: [{ type: 't3.small', count: 3 }] };
    const second = accrueUsage(first, three, 'ready', SHIPPED_PRICES, t1) as RecordedUsage;
    expect(second.accruedUsd).toBeCloseTo(2 * hourlyOne, 6);
    const cost = environmentCost(second, SHIPPED_PRICES, t2);
    // 3 instances + 3 volumes + ALB, for 3 h, on top of the 2 h at one instance
    const hourlyThree = 3 * 0.0208 + (3 * 30 * 0.08) / 730 + 0.0225;
    expect(cost).toMatchObject({ hourlyUsd: Math.round(hourlyThree * 1e6) / 1e6 });
    expect(cost?.sinceCreatedUsd).toBeCloseTo(2 * hourlyOne + 3 * hourlyThree, 5);
  });

  it('stops the hourly cost at deletion and keeps the total', () => {
    const first = accrueUsage(undefined, one, 'ready', SHIPPED_PRICES, t0) as RecordedUsage;
    const deleted = accrueUsage(first, undefined, 'deleted', SHIPPED_PRICES, t1) as RecordedUsage;
    const cost = environmentCost(deleted, SHIPPED_PRICES, t2);
    expect(cost).toMatchObject({ hourlyUsd: 0, lines: [] });
    expect(cost?.sinceCreatedUsd).toBeCloseTo(2 * hourlyOne, 6);
  });

  it('charges only the load balancer while paused', () => {
    const first = accrueUsage(undefined, one, 'ready', SHIPPED_PRICES, t0) as RecordedUsage;
    const paused = accrueUsage(first, undefined, 'paused', SHIPPED_PRICES, t1) as RecordedUsage;
    expect(environmentCost(paused, SHIPPED_PRICES, t2)).toMatchObject({
      hourlyUsd: 0.0225,
      lines: [{ item: 'Application Load Balancer', hourlyUsd: 0.0225 }],
    });
  });

  it('says why when the region has no prices, and is undefined before any observation', () => {
    const usage = accrueUsage(undefined, { ...one, region: 'eu-west-9' }, 'ready', SHIPPED_PRICES, t0);
    expect(environmentCost(usage, SHIPPED_PRICES, t1)).toEqual({
      hourlyUsd: null,
      sinceCreatedUsd: 0,
      reason: 'no prices for region eu-west-9 in the price table',
    });
    expect(environmentCost(undefined, SHIPPED_PRICES, t1)).toBeUndefined();
    expect(accrueUsage(undefined, undefined, 'deleted', SHIPPED_PRICES, t1)).toBeUndefined();
  });
});

describe('the load balancer capacity units of the measured traffic', () => {
  const t0 = new Date('2026-11-29T08:00:00Z');
  const t1 = new Date('2026-11-29T10:00:00Z');
  const one = {
    region: 'us-east-1',
    instances: [{ type: 't3.small', count: 1 }],
    loadBalancer: { mode: 'dedicated' as const },
  };
  const traffic = (requestsPerHour: number): RecordedTraffic => ({
    requestsPerHour,
    requests: requestsPerHour,
    windowStart: '2026-11-29T09:00:00.000Z',
    windowEnd: t1.toISOString(),
  });

  it('prices the measured request rate as LCU, saying it is a lower bound, and shows the rate it used', () => {
    const usage = accrueUsage(undefined, one, 'ready', SHIPPED_PRICES, t0) as RecordedUsage;
    // 45,000 requests/h = 12.5 new connections/s = 0.5 LCU × $0.008 = $0.004/h, on top of 0.046587671…
    const cost = environmentCost(usage, SHIPPED_PRICES, t1, traffic(45_000));
    expect(cost).toMatchObject({
      hourlyUsd: 0.050588,
      lines: [
        { item: '1 × t3.small', hourlyUsd: 0.0208 },
        { item: '1 × 30 GiB gp3', hourlyUsd: 0.003288 },
        { item: 'Application Load Balancer', hourlyUsd: 0.0225 },
        { item: '0.5 LCU (45,000 requests/h; new connections only, a lower bound)', hourlyUsd: 0.004 },
      ],
      traffic: traffic(45_000),
    });
    // Two hours since the observation at the current rate.
    expect(cost?.sinceCreatedUsd).toBeCloseTo(2 * 0.050588, 5);
  });

  it('adds no line without requests, and none once the load balancer is gone', () => {
    const usage = accrueUsage(undefined, one, 'ready', SHIPPED_PRICES, t0) as RecordedUsage;
    expect(environmentCost(usage, SHIPPED_PRICES, t1, traffic(0))?.hourlyUsd).toBe(0.046588);
    const deleted = accrueUsage(usage, undefined, 'deleted', SHIPPED_PRICES, t1) as RecordedUsage;
    expect(environmentCost(deleted, SHIPPED_PRICES, t1, traffic(45_000))).toMatchObject({
      hourlyUsd: 0,
      lines: [],
    });
  });

  it("accrues the previous period's capacity units at the rate measured then", () => {
    const usage = accrueUsage(undefined, one, 'ready', SHIPPED_PRICES, t0) as RecordedUsage;
    const paused = accrueUsage(usage, undefined, 'paused', SHIPPED_PRICES, t1, undefined, traffic(90_000));
    // 2 h × (0.046587671 + 1 LCU × 0.008)
    expect(paused?.accruedUsd).toBeCloseTo(2 * (0.0208 + (30 * 0.08) / 730 + 0.0225 + 0.008), 6);
  });

  it('measures over the last hour, or since creation when younger, from a whole minute', () => {
    const now = new Date('2026-11-29T10:30:20Z');
    expect(trafficWindow('2026-11-29T08:00:00Z', now)).toEqual({
      start: new Date('2026-11-29T09:30:00Z'),
      end: now,
    });
    expect(trafficWindow('2026-11-29T10:20:45Z', now)).toEqual({
      start: new Date('2026-11-29T10:20:00Z'),
      end: now,
    });
    // At least one minute (one CloudWatch period), even for an environment created seconds ago.
    expect(trafficWindow('2026-11-29T10:30:10Z', now).start).toEqual(new Date('2026-11-29T10:29:00Z'));
    expect(trafficWindow(undefined, now).start).toEqual(new Date('2026-11-29T09:30:00Z'));
  });

  it('counts the datapoints of the minutes that start in the window, over its length', () => {
    const window = { start: new Date('2026-11-29T10:00:00Z'), end: new Date('2026-11-29T10:20:00Z') };
    const at = (hhmm: string) => new Date(`2026-11-29T${hhmm}:00Z`);
    expect(
      measureTraffic(
        { timestamps: [at('09:59'), at('10:00'), at('10:19'), at('10:20')], values: [7, 10, 20, 9] },
        window,
      ),
    ).toEqual({
      requests: 30,
      requestsPerHour: 90, // 30 in 20 minutes
      windowStart: '2026-11-29T10:00:00.000Z',
      windowEnd: '2026-11-29T10:20:00.000Z',
    });
    expect(measureTraffic({ timestamps: [], values: [] }, window)).toMatchObject({ requestsPerHour: 0 });
  });
});
