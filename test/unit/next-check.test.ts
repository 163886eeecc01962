import { describe, expect, it } from 'vitest';
import { parseEnvSpec } from '../../functions/core/env-spec.ts';
import { nextCheckSeconds, type WaitingFor, waitingFor } from '../../functions/core/next-check.ts';
import type { ObservedEnvironment } from '../../functions/core/observed.ts';

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
