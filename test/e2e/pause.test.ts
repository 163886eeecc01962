import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, eventually, spec, startE2EPlatform } from './helpers/platform.ts';

/**
 * `pause` and `resume` through the API, the real state machine and handlers, on the local cloud (instant
 * profile). A task of 1536 MiB fills a t3.small: two tasks run on two instances.
 */
// One platform per file: handlers read their configuration once per process.
let e2e: E2EPlatform;

beforeAll(async () => {
  e2e = await startE2EPlatform();
});

afterAll(async () => {
  await e2e?.stop();
});

describe('pause and resume an EC2 environment', () => {
  let url: string;
  let albArn: string;
  let targetGroupArn: string;

  const service = async () => {
    const out = await e2e.clients.ecs.send(
      new DescribeServicesCommand({ cluster: 'berth-nap', services: ['berth-nap'] }),
    );
    const s = out.services?.[0];
    return { desired: s?.desiredCount, running: s?.runningCount, pending: s?.pendingCount };
  };
  const group = async () => {
    const out = await e2e.clients.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['berth-nap-asg'] }),
    );
    const g = out.AutoScalingGroups?.[0];
    return {
      min: g?.MinSize,
      max: g?.MaxSize,
      desired: g?.DesiredCapacity,
      live: (g?.Instances ?? []).filter((i) => i.LifecycleState !== 'Terminated').length,
    };
  };
  const loadBalancing = async () => {
    const lbs = await e2e.clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: ['berth-nap-alb'] }));
    const tgs = await e2e.clients.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['berth-nap-tg'] }));
    return { alb: lbs.LoadBalancers?.[0]?.LoadBalancerArn, tg: tgs.TargetGroups?.[0]?.TargetGroupArn };
  };

  it('brings up two tasks on two instances', async () => {
    await e2e.operate(
      'POST',
      '/environments',
      spec('nap', {
        memory: 1536,
        desiredCount: 2,
        capacity: { instanceType: 't3.small', minSize: 1, maxSize: 3, desiredCapacity: 2 },
      }),
    );
    url = (await e2e.api('GET', '/environments/nap')).body.url;
    ({ alb: albArn, tg: targetGroupArn } = (await loadBalancing()) as { alb: string; tg: string });
    expect(albArn).toBeDefined();
    expect((await e2e.throughAlb(url, '/')).status).toBe(200);
    // On a loaded machine a health-check timeout can replace a task while the environment comes up, and
    // managed scaling then asks a third instance for the replacement; ECS scales the idle one in again
    // after its (scaled) low-utilisation window. Ask until the group has settled at what the spec asked.
    const settled = await eventually(async () => {
      const g = await group();
      return g.desired === 2 && g.live === 2 ? g : undefined;
    }, 30_000);
    expect(settled).toMatchObject({ min: 1, max: 3, desired: 2, live: 2 });
  });

  it('dry-runs pause: the plan remembers the counts, then scales to zero', async () => {
    const plan = await e2e.api('POST', '/environments/nap/plan', { operation: 'pause' });
    expect(plan.status, plan.text).toBe(200);
    const kinds = plan.body.steps.map((s: { kind: string }) => s.kind);
    expect(kinds).toEqual([
      'rememberCounts',
      'createWakeTargetGroup',
      'forwardTo',
      'scaleServiceToZero',
      'wait',
      'unprotectInstances',
      'scaleGroupToZero',
      'wait',
    ]);
    expect(plan.body.steps[0].counts).toMatchObject({
      desiredCount: 2,
      autoScalingGroup: { minSize: 1, maxSize: 3, desiredCapacity: 2 },
    });
    expect((await e2e.api('GET', '/environments/nap')).body.status).toBe('ready');
  });

  it('pauses: no tasks, no instances, the load balancer, target group and URL kept', async () => {
    const paused = await e2e.operate('POST', '/environments/nap/pause');
    expect(await service()).toEqual({ desired: 0, running: 0, pending: 0 });
    expect(await group()).toEqual({ min: 0, max: 0, desired: 0, live: 0 });
    expect(await loadBalancing()).toEqual({ alb: albArn, tg: targetGroupArn });
    const described = await e2e.api('GET', '/environments/nap');
    expect(described.body).toMatchObject({ status: 'paused', url, currentOperation: null });
    const states = await e2e.taskStates(paused.body.executionArn);
    expect(states.filter((s) => s.startsWith('Teardown') || s.startsWith('Create'))).toEqual([]);
  });

  it('refuses to scale, redeploy or pause again while paused (409 InvalidStateError)', async () => {
    for (const [path, body] of [
      ['/environments/nap/scale', { desiredCount: 3 }],
      ['/environments/nap/redeploy', {}],
      ['/environments/nap/pause', {}],
    ] as const) {
      const refused = await e2e.api('POST', path, body);
      expect(refused.status, refused.text).toBe(409);
      expect(refused.body.error).toBe('InvalidStateError');
    }
  });

  it('answers the waking page at the same URL while paused', async () => {
    const page = await e2e.throughAlb(url, '/');
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    expect(String(page.body)).toContain('nap is waking up');
    expect(String(page.body)).toContain('<meta http-equiv="refresh" content="5">');
  });

  it('resumes: the remembered counts restored, nothing recreated, the same URL answers', async () => {
    // The waking page already started a resume (one per pause): this request joins it or is refused.
    const wakeResume = (await e2e.api('GET', '/environments/nap')).body.operations.find(
      (op: { operation: string; requestedBy: string }) =>
        op.operation === 'resume' && op.requestedBy === 'wake',
    );
    const resumed = wakeResume
      ? { status: 202, text: '', body: { executionArn: wakeResume.executionArn } }
      : await e2e.api('POST', '/environments/nap/resume');
    expect(resumed.status, resumed.text).toBe(202);
    const execution = await e2e.waitForExecution(resumed.body.executionArn);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await service()).toEqual({ desired: 2, running: 2, pending: 0 });
    expect(await group()).toMatchObject({ min: 1, max: 3, desired: 2, live: 2 });
    expect(await loadBalancing()).toEqual({ alb: albArn, tg: targetGroupArn });
    const states = await e2e.taskStates(resumed.body.executionArn);
    expect(states.filter((s) => s.startsWith('Create') || s.startsWith('Teardown'))).toEqual([]);
    expect(states).toContain('VerifyResume');
    const described = await e2e.api('GET', '/environments/nap');
    expect(described.body).toMatchObject({ status: 'ready', url });
    const answer = await e2e.throughAlb(url, '/');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ env: 'nap' });
  });

  it('refuses to resume an environment that is not paused', async () => {
    const refused = await e2e.api('POST', '/environments/nap/resume');
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body).toMatchObject({
      error: 'InvalidStateError',
      message: 'environment "nap" is not paused (status ready); nothing to resume',
    });
  });

  it('tears down after a pause and resume, leaving nothing', async () => {
    const deleted = await e2e.api('DELETE', '/environments/nap');
    const execution = await e2e.waitForExecution(deleted.body.executionArn);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    await e2e.assertNothingLeft('nap');
  });
});

describe('pause and resume a Fargate environment', () => {
  it('sets the desired count to 0 and back, and the same URL answers', async () => {
    const started = await e2e.api(
      'POST',
      '/environments',
      spec('nimbus', { launchType: 'FARGATE', cpu: 256, memory: 512, desiredCount: 2 }),
    );
    expect((await e2e.waitForExecution(started.body.executionArn)).status).toBe('SUCCEEDED');
    const url = (await e2e.api('GET', '/environments/nimbus')).body.url;

    const paused = await e2e.api('POST', '/environments/nimbus/pause');
    const pauseRun = await e2e.waitForExecution(paused.body.executionArn);
    expect(pauseRun.status, pauseRun.cause).toBe('SUCCEEDED');
    const describe = () =>
      e2e.clients.ecs.send(
        new DescribeServicesCommand({ cluster: 'berth-nimbus', services: ['berth-nimbus'] }),
      );
    expect((await describe()).services?.[0]).toMatchObject({ desiredCount: 0, runningCount: 0 });

    const resumed = await e2e.api('POST', '/environments/nimbus/resume');
    const resumeRun = await e2e.waitForExecution(resumed.body.executionArn);
    expect(resumeRun.status, resumeRun.cause).toBe('SUCCEEDED');
    expect((await describe()).services?.[0]).toMatchObject({ desiredCount: 2, runningCount: 2 });
    expect((await e2e.api('GET', '/environments/nimbus')).body).toMatchObject({ status: 'ready', url });
    expect((await e2e.throughAlb(url, '/')).status).toBe(200);

    const deleted = await e2e.api('DELETE', '/environments/nimbus');
    expect((await e2e.waitForExecution(deleted.body.executionArn)).status).toBe('SUCCEEDED');
    await e2e.assertNothingLeft('nimbus');
  });
});

describe('wake on request through the local ALB', () => {
  it('answers the waking page, resumes by itself, then serves the workload at the same URL', async () => {
    const started = await e2e.api('POST', '/environments', spec('doze'));
    expect((await e2e.waitForExecution(started.body.executionArn)).status).toBe('SUCCEEDED');
    const url = (await e2e.api('GET', '/environments/doze')).body.url;
    const paused = await e2e.api('POST', '/environments/doze/pause');
    expect((await e2e.waitForExecution(paused.body.executionArn)).status).toBe('SUCCEEDED');

    const first = await e2e.throughAlb(url, '/');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(String(first.body)).toContain('doze is waking up');

    // No other action: the page's own refresh (here: polling the same URL) reaches the workload again.
    const deadline = Date.now() + 60_000;
    let answer = first;
    while (answer.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await e2e.throughAlb(url, '/');
    }
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ env: 'doze' });
    const described = (await e2e.api('GET', '/environments/doze')).body;
    const resume = described.operations.find((op: { operation: string }) => op.operation === 'resume');
    expect(resume).toMatchObject({ requestedBy: 'wake' });
    await e2e.waitForExecution(resume.executionArn);
    expect((await e2e.api('GET', '/environments/doze')).body).toMatchObject({
      status: 'ready',
      paused: null,
    });

    const deleted = await e2e.api('DELETE', '/environments/doze');
    expect((await e2e.waitForExecution(deleted.body.executionArn)).status).toBe('SUCCEEDED');
    await e2e.assertNothingLeft('doze');
  });
});
