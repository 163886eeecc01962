import { describe, expect, it } from 'vitest';
import { parseEnvSpec } from '../../../functions/core/env-spec.ts';
import {
  healthChecksStartedSecondsAgo,
  nextCheck,
  nextCheckSeconds,
  startedSecondsAgo,
  type WaitingFor,
  waitingFor,
} from '../../../functions/core/next-check.ts';
import type { ObservedEnvironment } from '../../../functions/core/observed.ts';

const spec = parseEnvSpec({ name: 'demo', image: 'nginx:1.27', owner: 'alice' });
const slowChecks = parseEnvSpec({
  name: 'demo',
  image: 'nginx:1.27',
  owner: 'alice',
  healthCheck: { intervalSeconds: 10, healthyThreshold: 3, timeoutSeconds: 5 },
});

describe('nextCheckSeconds', () => {
  it.each<[WaitingFor, number[]]>([
    ['load-balancer', [170, 10, 20, 40, 60, 60]],
    ['instances', [60, 10, 20, 30, 30]],
    ['tasks', [15, 10, 20, 30]],
    ['tasks-stopping', [35, 15, 30, 60]],
    ['health-checks', [150, 10, 20, 30, 30]],
    ['deployment', [15, 30, 60]],
    ['probe', [5, 10, 20, 40, 40]],
  ])('waits for %s first when it can plausibly be done, then backs off: %j', (waiting, expected) => {
    const waits: number[] = [];
    let previous: { waitingFor: string; waitSeconds: number } | undefined;
    for (let i = 0; i < expected.length; i++) {
      const seconds = nextCheckSeconds(waiting, spec, previous);
      waits.push(seconds);
      previous = { waitingFor: waiting, waitSeconds: seconds };
    }

    expect(waits).toEqual(expected);
  });

  it('sizes the health-check wait from the target group settings of the spec', () => {
    expect(nextCheckSeconds('health-checks', slowChecks)).toBe(30);
    expect(
      nextCheckSeconds('health-checks', slowChecks, { waitingFor: 'health-checks', waitSeconds: 30 }),
    ).toBe(10);
  });

  it('starts over when the environment waits for something else than at the previous check', () => {
    expect(nextCheckSeconds('health-checks', spec, { waitingFor: 'load-balancer', waitSeconds: 60 })).toBe(
      150,
    );
  });
});

describe('nextCheck', () => {
  it('waits only for what remains of healthyThreshold × interval once the checks are known to run', () => {
    // 5 × 30 s = 150 s; the task has been running (and checked) for 20 s: 130 s remain, plus a 3 s margin.
    expect(
      nextCheck('health-checks', spec, { waitingFor: 'tasks', waitSeconds: 15 }, { startedSecondsAgo: 20 }),
    ).toEqual({
      seconds: 133,
      step: 0,
    });
  });

  it('waits for the ALB from its creation time: what remains of 170 s, at least 5 s', () => {
    expect(nextCheck('load-balancer', spec, undefined, { startedSecondsAgo: 20 })).toEqual({
      seconds: 150,
      step: 0,
    });
    expect(nextCheck('load-balancer', spec, undefined, { startedSecondsAgo: 300 }).seconds).toBe(5);
    expect(
      nextCheck('load-balancer', spec, { waitingFor: 'load-balancer', waitSeconds: 150, waitStep: 0 })
        .seconds,
    ).toBe(10);
  });

  it("waits for the instances from the Auto Scaling group's creation: what remains of 65 s, at least 5 s", () => {
    // Boot (~60 s) and registration (~5 s) count from CreateAutoScalingGroup, not from the first verify.
    const first = nextCheck(
      'instances',
      spec,
      { waitingFor: 'tasks', waitSeconds: 15 },
      { startedSecondsAgo: 20 },
    );
    expect(first).toEqual({ seconds: 45, step: 0 });
    expect(nextCheck('instances', spec, undefined, { startedSecondsAgo: 0 }).seconds).toBe(65);
    expect(nextCheck('instances', spec, undefined, { startedSecondsAgo: 62 }).seconds).toBe(5);
    expect(nextCheck('instances', spec, { waitingFor: 'instances', waitSeconds: 45, waitStep: 0 })).toEqual({
      seconds: 10,
      step: 1,
    });
  });

  it('waits 60 s from the check for instances of a group older than that, or of unknown age', () => {
    // A scale or a resume launches instances into a group created long before: its age says nothing.
    expect(nextCheck('instances', spec, undefined, { startedSecondsAgo: 3600 })).toEqual({
      seconds: 60,
      step: 0,
    });
    expect(nextCheck('instances', spec, undefined, { startedSecondsAgo: 65 }).seconds).toBe(60);
    expect(nextCheck('instances', spec).seconds).toBe(60);
  });

  it('never waits less than 5 s nor more than the whole threshold for the first health-check wait', () => {
    expect(nextCheck('health-checks', spec, undefined, { startedSecondsAgo: 400 }).seconds).toBe(5);
    expect(nextCheck('health-checks', spec, undefined, { startedSecondsAgo: 0 }).seconds).toBe(150);
  });

  it('backs off from a shortened first health-check wait as from a full one', () => {
    const first = nextCheck('health-checks', spec, undefined, { startedSecondsAgo: 60 });
    const second = nextCheck('health-checks', spec, {
      waitingFor: 'health-checks',
      waitSeconds: first.seconds,
      waitStep: first.step,
    });
    const third = nextCheck('health-checks', spec, {
      waitingFor: 'health-checks',
      waitSeconds: second.seconds,
      waitStep: second.step,
    });

    expect([first, second, third]).toEqual([
      { seconds: 93, step: 0 },
      { seconds: 10, step: 1 },
      { seconds: 20, step: 2 },
    ]);
  });
});

describe('startedSecondsAgo', () => {
  it("reads the ALB's creation time while waiting for it, and nothing for a wait with no known start", () => {
    const now = new Date('2026-01-01T00:10:00.000Z');
    const observed = {
      loadBalancer: { state: 'provisioning', createdTime: '2026-01-01T00:09:30.000Z' },
    } as unknown as ObservedEnvironment;

    expect(startedSecondsAgo('load-balancer', observed, spec, undefined, now)).toBe(30);
    expect(startedSecondsAgo('instances', observed, spec, undefined, now)).toBeUndefined();
    expect(startedSecondsAgo('tasks', observed, spec, undefined, now)).toBeUndefined();
  });

  it("reads the Auto Scaling group's creation time while waiting for instances: observed, else as create-cluster saw it", () => {
    const now = new Date('2026-01-01T00:10:00.000Z');
    const known = { autoScalingGroupCreatedTime: '2026-01-01T00:09:40.000Z' };
    const observed = {
      autoScalingGroup: { name: 'berth-demo-asg', createdTime: '2026-01-01T00:09:00.000Z' },
    } as unknown as ObservedEnvironment;

    expect(startedSecondsAgo('instances', {} as ObservedEnvironment, spec, undefined, now, known)).toBe(20);
    expect(startedSecondsAgo('instances', observed, spec, undefined, now, known)).toBe(60);
    expect(startedSecondsAgo('instances', {} as ObservedEnvironment, spec, undefined, now)).toBeUndefined();
    expect(
      startedSecondsAgo('tasks', {} as ObservedEnvironment, spec, undefined, now, known),
    ).toBeUndefined();
  });
});

describe('healthChecksStartedSecondsAgo', () => {
  const now = new Date('2026-01-01T00:10:00.000Z');
  const running = (startedAt: string) => ({
    arn: 't',
    lastStatus: 'RUNNING',
    taskDefinitionArn: 'td',
    startedAt,
  });
  const observed = {
    tasks: [
      running('2026-01-01T00:09:00.000Z'),
      running('2026-01-01T00:09:40.000Z'),
      { arn: 's', lastStatus: 'STOPPED', taskDefinitionArn: 'td', startedAt: '2026-01-01T00:09:55.000Z' },
    ],
  } as unknown as ObservedEnvironment;
  const shared = parseEnvSpec({
    name: 'demo',
    image: 'nginx:1.27',
    owner: 'alice',
    loadBalancer: { mode: 'shared', pathPrefix: '/demo' },
  });

  it('counts from the newest running task when the ALB was already active (shared, or seen active before)', () => {
    expect(healthChecksStartedSecondsAgo(observed, shared, undefined, now)).toBe(20);
    expect(healthChecksStartedSecondsAgo(observed, spec, { waitingFor: 'tasks', waitSeconds: 15 }, now)).toBe(
      20,
    );
  });

  it('knows nothing when the dedicated ALB turned active during the last wait, or no task runs', () => {
    expect(
      healthChecksStartedSecondsAgo(observed, spec, { waitingFor: 'load-balancer', waitSeconds: 10 }, now),
    ).toBeUndefined();
    expect(healthChecksStartedSecondsAgo({} as ObservedEnvironment, shared, undefined, now)).toBeUndefined();
  });
});

describe('waitingFor', () => {
  const service = (running: number, desired = 1, rolloutState = 'COMPLETED') =>
    ({
      desiredCount: desired,
      runningCount: running,
      deployments: [{ status: 'PRIMARY', rolloutState }],
    }) as unknown as ObservedEnvironment['service'];
  const targets = (...states: string[]) =>
    ({
      targets: states.map((state, i) => ({ id: `i-${i}`, port: 80, state })),
    }) as unknown as ObservedEnvironment['targetGroup'];
  const active = { state: 'active' } as ObservedEnvironment['loadBalancer'];

  it.each<[string, Record<string, unknown>, WaitingFor]>([
    [
      'a provisioning ALB',
      { loadBalancer: { state: 'provisioning' } as ObservedEnvironment['loadBalancer'] },
      'load-balancer',
    ],
    ['no ALB yet', {}, 'load-balancer'],
    [
      'fewer tasks running than desired, no container instance registered yet',
      { loadBalancer: active, service: service(0), cluster: { registeredContainerInstances: 0 } },
      'instances',
    ],
    [
      'fewer tasks running than desired on registered instances',
      { loadBalancer: active, service: service(0), cluster: { registeredContainerInstances: 1 } },
      'tasks',
    ],
    ['more tasks running than desired', { loadBalancer: active, service: service(2) }, 'tasks-stopping'],
    [
      'targets in initial health checks',
      { loadBalancer: active, service: service(1), targetGroup: targets('initial') },
      'health-checks',
    ],
    [
      'a rollout in progress',
      { loadBalancer: active, service: service(1, 1, 'IN_PROGRESS'), targetGroup: targets('healthy') },
      'deployment',
    ],
    [
      'only the HTTP probe left',
      { loadBalancer: active, service: service(1), targetGroup: targets('healthy') },
      'probe',
    ],
  ])('names %s', (_what, observed, expected) => {
    expect(waitingFor(observed as unknown as ObservedEnvironment, spec)).toBe(expected);
  });
});
