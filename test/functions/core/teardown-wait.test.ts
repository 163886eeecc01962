import { describe, expect, it } from 'vitest';
import type { ObservedEnvironment, ObservedNetworkInterface } from '../../../functions/core/observed.ts';
import {
  ALB_DELETION_SECONDS,
  ALB_INTERFACE_RELEASE_SECONDS,
  type TeardownWaitingFor,
  teardownWait,
} from '../../../functions/core/teardown-wait.ts';

const albEni = (status: string): ObservedNetworkInterface => ({
  id: `eni-alb-${status}`,
  description: 'ELB app/berth-demo-alb/50dc6c495c0c9188',
  status,
  requesterManaged: true,
});
const taskEni = (status: string): ObservedNetworkInterface => ({
  id: `eni-task-${status}`,
  description: 'arn:aws:ecs:us-east-1:123456789012:attachment/0b1c',
  status,
  requesterManaged: true,
});
const instanceEni: ObservedNetworkInterface = {
  id: 'eni-i',
  description: '',
  status: 'in-use',
  requesterManaged: false,
  instanceId: 'i-1',
};

/** The environment's two groups, held by `alb` (the ALB group) and `instances` (the instances group). */
const held = (
  alb: readonly ObservedNetworkInterface[],
  instances: readonly ObservedNetworkInterface[] = [],
): ObservedEnvironment => ({
  env: 'demo',
  securityGroups: {
    alb: { id: 'sg-alb', name: 'berth-demo-alb', tags: {}, networkInterfaces: alb },
    instances: { id: 'sg-inst', name: 'berth-demo-instances', tags: {}, networkInterfaces: instances },
  },
});
const none: ObservedEnvironment = { env: 'demo', securityGroups: {} };
const context = { deregistrationDelaySeconds: 30 };

describe('teardownWait', () => {
  it.each<[TeardownWaitingFor, number]>([
    ['tasks-draining', 40], // 30 s deregistration delay + 5 s stop + 5 s margin
    ['service-deletion', 40],
    ['group-deletion', 35], // instances terminate in about 30 s
    ['provider-deletion', 20], // DELETE_IN_PROGRESS → INACTIVE in about 15 s
    ['cluster-propagation', 10],
    ['provider-propagation', 10],
  ])('sizes the first wait for %s to what it waits for: %i s', (waitingFor, seconds) => {
    expect(teardownWait(waitingFor, none, context)).toEqual({ waitingFor, seconds, step: 0 });
  });

  it('follows the deregistration delay of the target group for a drain', () => {
    expect(teardownWait('tasks-draining', none, { deregistrationDelaySeconds: 300 }).seconds).toBe(310);
  });

  it('backs off once the expected end has passed: 15, 30, 60, 120, 120 s', () => {
    let previous = teardownWait('group-deletion', none, context);
    const waits = [previous.seconds];
    for (let i = 0; i < 5; i += 1) {
      previous = teardownWait('group-deletion', none, {
        ...context,
        previous: { waitingFor: previous.waitingFor, waitSeconds: previous.seconds, waitStep: previous.step },
      });
      waits.push(previous.seconds);
    }
    expect(waits).toEqual([35, 15, 30, 60, 120, 120]);
    expect(previous.step).toBe(5);
  });

  it('starts again from the first wait when the stage waits for something else', () => {
    const after = teardownWait('provider-deletion', none, {
      ...context,
      previous: { waitingFor: 'group-deletion', waitSeconds: 35, waitStep: 0 },
    });
    expect(after).toEqual({ waitingFor: 'provider-deletion', seconds: 20, step: 0 });
  });

  describe('network interfaces', () => {
    it("waits the ALB's deletion and the release of its interfaces from this teardown's DeleteLoadBalancer", () => {
      const wait = teardownWait('network-interfaces', held([albEni('available'), albEni('in-use')]), {
        ...context,
        loadBalancerDeletedSecondsAgo: 60,
      });
      expect(wait).toEqual({
        waitingFor: 'network-interfaces',
        seconds: ALB_DELETION_SECONDS + ALB_INTERFACE_RELEASE_SECONDS - 60 + 5,
        step: 0,
      });
    });

    it('waits the whole release when the deletion time is unknown (a resumed down): less once the ALB is gone', () => {
      expect(teardownWait('network-interfaces', held([albEni('in-use')]), context).seconds).toBe(275);
      expect(teardownWait('network-interfaces', held([albEni('available')]), context).seconds).toBe(245);
    });

    it('keeps counting from the deletion when the release takes longer than a first wait', () => {
      const observed = held([albEni('available')]);
      const second = teardownWait('network-interfaces', observed, {
        ...context,
        loadBalancerDeletedSecondsAgo: 200,
        previous: { waitingFor: 'network-interfaces', waitSeconds: 100, waitStep: 0 },
      });
      expect(second).toEqual({ waitingFor: 'network-interfaces', seconds: 75, step: 1 });
      const late = teardownWait('network-interfaces', observed, {
        ...context,
        loadBalancerDeletedSecondsAgo: 400,
        previous: { waitingFor: 'network-interfaces', waitSeconds: 75, waitStep: 1 },
      });
      expect(late).toEqual({ waitingFor: 'network-interfaces', seconds: 30, step: 2 });
    });

    it('waits for the slowest holder: a task interface a minute after its task stops, an instance until terminated', () => {
      expect(teardownWait('network-interfaces', held([], [taskEni('available')]), context).seconds).toBe(65);
      expect(teardownWait('network-interfaces', held([], [taskEni('in-use')]), context).seconds).toBe(70);
      expect(teardownWait('network-interfaces', held([], [instanceEni]), context).seconds).toBe(35);
      expect(
        teardownWait('network-interfaces', held([albEni('available')], [instanceEni, taskEni('in-use')]), {
          ...context,
          loadBalancerDeletedSecondsAgo: 250,
        }).seconds,
      ).toBe(70);
    });

    it('never waits less than 5 s while the expectation holds', () => {
      expect(
        teardownWait('network-interfaces', held([albEni('available')]), {
          ...context,
          loadBalancerDeletedSecondsAgo: 269.5,
        }).seconds,
      ).toBe(6);
    });
  });
});
