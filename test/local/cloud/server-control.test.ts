import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCloud } from '../../../local/cloud/server.ts';
import { startTestCloud, type TestCloud } from './helpers/cloud.ts';
import { createGroup } from './helpers/fixtures.ts';

let t: TestCloud;

beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(() => t.stop());

describe('control endpoints', () => {
  test('GET /_berth/health reports ok and the time profile', async () => {
    expect(await t.control('/_berth/health')).toEqual({
      status: 'ok',
      profile: { name: 'instant', factor: 0.002 },
    });
  });

  test('GET /_berth/state has a section per backend', async () => {
    await t.clients.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'state-sg', Description: 's' }));
    const state = await t.control('/_berth/state');
    expect(Object.keys(state)).toEqual(
      expect.arrayContaining(['profile', 'faults', 'ec2', 'autoscaling', 'ssm', 'dynamodb']),
    );
    const groups = state.ec2['000000000000/us-east-1'].securityGroups.map(
      (g: { groupName: string }) => g.groupName,
    );
    expect(groups).toContain('state-sg');
  });

  test('POST /_berth/faults merges into the configuration and GET returns it', async () => {
    await t.control('/_berth/faults', { body: { throttling: { ecsRateLimits: true } } });
    await t.control('/_berth/faults', {
      body: { random: { seed: 9 }, workload: { crashImages: ['demo/crash:1'] } },
    });
    const faults = await t.control('/_berth/faults');
    expect(faults).toMatchObject({
      throttling: { ecsRateLimits: true },
      random: { seed: 9, throttleRate: 0, serverErrorRate: 0 },
      workload: { crashImages: ['demo/crash:1'], unhealthyImages: [] },
    });
    await t.control('/_berth/reset', { method: 'POST' });
    expect((await t.control('/_berth/faults')).throttling.ecsRateLimits).toBe(false);
  });

  test('GET /_berth/metrics counts requests per service:action', async () => {
    await t.control('/_berth/reset', { method: 'POST' });
    await t.clients.ec2.send(new DescribeVpcsCommand({}));
    await t.clients.ec2.send(new DescribeVpcsCommand({}));
    const metrics = await t.control('/_berth/metrics');
    expect(metrics.actions['ec2:DescribeVpcs']).toEqual({
      requests: 2,
      throttles: 0,
      serverErrors: 0,
      clientErrors: 0,
    });
    expect(metrics.totals.requests).toBe(2);
  });

  test('an unknown control path answers 404 with the list of endpoints', async () => {
    const res = await fetch(`${t.url}/_berth/nope`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { endpoints: string[] };
    expect(body.endpoints).toContain('POST /_berth/reset');
  });
});

describe('reset', () => {
  test('drops resources and gives a fresh default VPC', async () => {
    const before = (await t.clients.ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId;
    await t.clients.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'doomed', Description: 'd' }));
    await t.control('/_berth/reset', { method: 'POST' });
    const after = (await t.clients.ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId;
    expect(after).not.toBe(before);
    const groups = await t.clients.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['doomed'] }] }),
    );
    expect(groups.SecurityGroups).toEqual([]);
  });

  test('cancels pending instance boots so no instance:running follows', async () => {
    const seen: string[] = [];
    const listener = (e: { instanceId: string }) => seen.push(e.instanceId);
    t.cloud.bus.on('instance:running', listener);
    try {
      await createGroup(t, 'reset-boot', { desired: 2 });
      await t.control('/_berth/reset', { method: 'POST' });
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([]);
      expect(
        (await t.clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups,
      ).toEqual([]);
    } finally {
      t.cloud.bus.off('instance:running', listener);
    }
  });
});

describe('accounts and lifecycle', () => {
  test('a 12-digit access key selects its own account with its own resources', async () => {
    const other = await startTestCloud({ accessKeyId: '123456789012' });
    try {
      await other.clients.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'mine', Description: 'm' }));
      const g = (await other.clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ['mine'] })))
        .SecurityGroups?.[0];
      expect(g?.OwnerId).toBe('123456789012');
      const state = await other.control('/_berth/state');
      expect(Object.keys(state.ec2)).toEqual(['123456789012/us-east-1']);
    } finally {
      await other.stop();
    }
  });

  test('stop closes the port', async () => {
    const running = await startCloud({ port: 0 });
    await running.stop();
    await expect(fetch(`${running.url}/_berth/health`)).rejects.toThrow();
  });
});
