import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ListClustersCommand } from '@aws-sdk/client-ecs';
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Faults, seededRandom } from '../../../../local/cloud/core/faults.ts';
import { TokenBucket } from '../../../../local/cloud/core/token-bucket.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';
import { expectAwsError, failure } from '../helpers/errors.ts';

let t: TestCloud;

beforeAll(async () => {
  t = await startTestCloud();
});
afterEach(async () => {
  await t.control('/_berth/reset', { method: 'POST' });
});
afterAll(() => t.stop());

describe('token bucket', () => {
  test('allows the burst, then refills at the sustained rate per real second', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 1, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    now += 999;
    expect(bucket.take()).toBe(false);
    now += 1;
    expect(bucket.take()).toBe(true);
    now += 10_000;
    expect(bucket.tokens).toBe(2);
  });

  test('holds at most the burst, refills at the sustained rate and discards what overflows (AWS token bucket)', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 1, () => now);
    for (let i = 0; i < 10; i++) expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
    // Sustained: one call per second once the burst is spent.
    let accepted = 0;
    for (now = 0; now <= 30_000; now += 100) if (bucket.take()) accepted += 1;
    expect(accepted).toBe(30);
    // Idle for a minute: back to the burst (10), not 60.
    now += 60_000;
    expect(bucket.tokens).toBe(10);
  });

  test('a sustained rate below one per second yields a token every 1 ÷ rate seconds', () => {
    let now = 0;
    const bucket = new TokenBucket(1, 0.5, () => now);
    expect(bucket.take()).toBe(true);
    now = 1_000;
    expect(bucket.take()).toBe(false);
    now = 2_000;
    expect(bucket.take()).toBe(true);
  });
});

describe('ECS rate limits', () => {
  test('throttles the 21st CreateCluster of a burst with ThrottlingException the SDK classifies as throttling', async () => {
    await t.control('/_berth/faults', { body: { throttling: { ecsRateLimits: true } } });
    for (let i = 0; i < 20; i++)
      await t.clients.ecs.send(new CreateClusterCommand({ clusterName: `burst-${i}` }));
    const err = await expectAwsError(
      t.clients.ecs.send(new CreateClusterCommand({ clusterName: 'burst-20' })),
      'ThrottlingException',
      'Rate exceeded',
    );
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(isThrottlingError(err as never)).toBe(true);
    await t.clients.ecs.send(new ListClustersCommand({}));
    const metrics = await t.control('/_berth/metrics');
    expect(metrics.actions['ecs:CreateCluster']).toMatchObject({ requests: 21, throttles: 1 });
  });

  test('does not throttle when the limits are off', async () => {
    for (let i = 0; i < 25; i++)
      await t.clients.ecs.send(new CreateClusterCommand({ clusterName: `free-${i}` }));
  });

  test('lets the SDK retry a throttled call when it has attempts left', async () => {
    const retrying = await startTestCloud({
      maxAttempts: 3,
      faults: {
        throttling: { ecsRateLimits: false, rates: { 'ecs:ListClusters': { burst: 1, perSecond: 20 } } },
      },
    });
    try {
      await retrying.clients.ecs.send(new ListClustersCommand({}));
      const out = await retrying.clients.ecs.send(new ListClustersCommand({}));
      expect(out.$metadata.attempts).toBeGreaterThan(1);
    } finally {
      await retrying.stop();
    }
  });
});

describe('per-action rates of the query services', () => {
  test('EC2 answers RequestLimitExceeded', async () => {
    await t.control('/_berth/faults', {
      body: { throttling: { rates: { 'ec2:DescribeVpcs': { burst: 1, perSecond: 0.01 } } } },
    });
    await t.clients.ec2.send(new DescribeVpcsCommand({}));
    const err = await expectAwsError(
      t.clients.ec2.send(new DescribeVpcsCommand({})),
      'RequestLimitExceeded',
      'Request limit exceeded.',
    );
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(isThrottlingError(err as never)).toBe(true);
  });

  test('Auto Scaling answers Throttling', async () => {
    await t.control('/_berth/faults', {
      body: {
        throttling: { rates: { 'autoscaling:DescribeAutoScalingGroups': { burst: 1, perSecond: 0.01 } } },
      },
    });
    await t.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
    const err = await expectAwsError(
      t.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({})),
      'Throttling',
      'Rate exceeded',
    );
    expect(isThrottlingError(err as never)).toBe(true);
  });
});

describe('random faults', () => {
  test('serverErrorRate 1 answers ECS with a 500 ServerException the SDK classifies as a transient server fault', async () => {
    await t.control('/_berth/faults', {
      body: { random: { seed: 7, serverErrorRate: 1, actions: ['ecs:ListClusters'] } },
    });
    const err = await failure(t.clients.ecs.send(new ListClustersCommand({})));
    expect(err.name).toBe('ServerException');
    expect(err.message).toBe('An internal error occurred (injected by the local cloud).');
    expect(err.$fault).toBe('server');
    expect(err.$metadata?.httpStatusCode).toBe(500);
    expect(isTransientError(err as never)).toBe(true);
  });

  test('serverErrorRate 1 answers EC2 with a 500 InternalFailure', async () => {
    await t.control('/_berth/faults', { body: { random: { seed: 7, serverErrorRate: 1 } } });
    const err = await failure(t.clients.ec2.send(new DescribeVpcsCommand({})));
    expect([err.name, err.$metadata?.httpStatusCode, err.$fault]).toEqual(['InternalFailure', 500, 'server']);
  });

  test('limits random faults to the listed actions', async () => {
    await t.control('/_berth/faults', {
      body: { random: { seed: 7, serverErrorRate: 1, actions: ['DescribeSubnets'] } },
    });
    await t.clients.ec2.send(new DescribeVpcsCommand({}));
  });

  test('the same seed gives the same sequence of throttles', () => {
    const outcomes = () => {
      const faults = new Faults({ random: { seed: 42, throttleRate: 0.5, serverErrorRate: 0 } });
      return Array.from({ length: 30 }, () => faults.check('ecs', 'ListClusters')?.code ?? 'ok');
    };
    const a = outcomes();
    expect(outcomes()).toEqual(a);
    expect(a).toContain('ThrottlingException');
    expect(a).toContain('ok');
  });

  test('counts the faults it injects, by code and action, until reset', () => {
    const faults = new Faults({ random: { seed: 42, throttleRate: 0.5, serverErrorRate: 0 } });
    const answers = Array.from({ length: 30 }, () => faults.check('ecs', 'ListClusters')?.code ?? 'ok');
    const throttled = answers.filter((code) => code === 'ThrottlingException').length;
    expect(faults.injected()).toEqual({ 'ThrottlingException ecs:ListClusters': throttled });
    faults.reset();
    expect(faults.injected()).toEqual({});
  });

  test('the PRNG is uniform enough for rates to mean what they say', () => {
    const next = seededRandom(3);
    const n = 10_000;
    let below = 0;
    for (let i = 0; i < n; i++) if (next() < 0.25) below++;
    expect(below / n).toBeGreaterThan(0.23);
    expect(below / n).toBeLessThan(0.27);
  });
});
