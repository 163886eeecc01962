import { describe, expect, it } from 'vitest';
import {
  executionName,
  MAX_EXECUTION_NAME_LENGTH,
  NAME_LIMITS,
  resourceNames,
} from '../../../functions/core/names.ts';

const LONGEST = 'a23456789-123456789z';

describe('resourceNames', () => {
  it('derives the documented names for demo', () => {
    expect(resourceNames('demo')).toEqual({
      cluster: 'berth-demo',
      service: 'berth-demo',
      taskFamily: 'berth-demo',
      targetGroup: 'berth-demo-tg',
      wakeTargetGroup: 'berth-demo-wake',
      loadBalancer: 'berth-demo-alb',
      autoScalingGroup: 'berth-demo-asg',
      launchTemplate: 'berth-demo-lt',
      capacityProvider: 'berth-demo-cp',
      albSecurityGroup: 'berth-demo-alb',
      instanceSecurityGroup: 'berth-demo-instances',
      containerName: 'app',
    });
  });

  it.each(Object.entries(NAME_LIMITS))(
    'keeps %s within %i characters for the longest legal name',
    (key, limit) => {
      const name = resourceNames(LONGEST)[key as keyof typeof NAME_LIMITS];
      expect(LONGEST).toHaveLength(20);
      expect(name.length).toBeLessThanOrEqual(limit);
    },
  );

  it('keeps ELBv2 names within 32 characters and free of a trailing hyphen', () => {
    const names = resourceNames(LONGEST);
    for (const name of [names.targetGroup, names.loadBalancer]) {
      expect(name.length).toBeLessThanOrEqual(32);
      expect(name).toMatch(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/);
    }
  });
});

describe('executionName', () => {
  it('joins operation, env and a short request id', () => {
    expect(executionName('up', 'demo', 'req-1')).toBe('up-demo-req-1');
  });

  it('is deterministic for long request ids', () => {
    const id = 'x'.repeat(200);
    expect(executionName('redeploy', LONGEST, id)).toBe(executionName('redeploy', LONGEST, id));
  });

  it.each([
    ['a UUID', '2f1c9a4e-8d7b-4c55-9a0e-3b1f2d6c7e81'],
    ['a long id', 'r'.repeat(300)],
    ['an id with dots and slashes', 'slack/T123.456:789'],
    ['an id with unicode', '요청-1'],
    ['an empty id', ''],
  ])('stays within 80 safe characters for %s', (_label, requestId) => {
    const name = executionName('redeploy', LONGEST, requestId);
    expect(name.length).toBeLessThanOrEqual(MAX_EXECUTION_NAME_LENGTH);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('keeps request ids that differ only in unsafe characters apart', () => {
    expect(executionName('up', 'demo', 'a.b')).not.toBe(executionName('up', 'demo', 'a/b'));
  });

  it('keeps long request ids that share a prefix apart', () => {
    const prefix = 'p'.repeat(100);
    expect(executionName('up', 'demo', `${prefix}1`)).not.toBe(executionName('up', 'demo', `${prefix}2`));
  });
});
