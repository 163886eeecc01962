import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCALER_TICK_AWS_MS } from '../../local/cloud/services/application-autoscaling/backend.ts';
import { type E2EPlatform, eventually, spec, startE2EPlatform } from './helpers/platform.ts';

/**
 * Pause and resume of an environment whose service a user registered with Application Auto Scaling (min 1,
 * max 3, a target tracking policy): the local cloud's scaler brings a service below its minimum back unless
 * scaling is suspended, so a pause that forgot the bounds would see its tasks return.
 */
let e2e: E2EPlatform;
let aas: ApplicationAutoScalingClient;
const RESOURCE_ID = 'service/berth-tide/berth-tide';
const TARGET = {
  ServiceNamespace: 'ecs' as const,
  ResourceId: RESOURCE_ID,
  ScalableDimension: 'ecs:service:DesiredCount' as const,
};

beforeAll(async () => {
  // IAM enforced: the handlers' declared Application Auto Scaling permissions (and their conditions) are checked.
  e2e = await startE2EPlatform({ iam: 'enforce' });
  aas = new ApplicationAutoScalingClient({
    endpoint: e2e.platform.urls.cloud,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 2,
  });
});

afterAll(async () => {
  aas?.destroy();
  await e2e?.stop();
});

const service = async () => {
  const out = await e2e.clients.ecs.send(
    new DescribeServicesCommand({ cluster: 'berth-tide', services: ['berth-tide'] }),
  );
  const s = out.services?.[0];
  return { desired: s?.desiredCount, running: s?.runningCount, pending: s?.pendingCount };
};
const target = async () =>
  (
    await aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [RESOURCE_ID] }),
    )
  ).ScalableTargets?.[0];

describe('pause and resume with Application Auto Scaling bounds', () => {
  it('brings up an environment whose service has a scalable target (min 1, max 3) and a policy', async () => {
    await e2e.operate(
      'POST',
      '/environments',
      spec('tide', { launchType: 'FARGATE', cpu: 256, memory: 512, desiredCount: 2 }),
    );
    await aas.send(new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 3 }));
    await aas.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: 'cpu50',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 50,
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        },
      }),
    );
    expect(await service()).toMatchObject({ desired: 2 });
  });

  it('dry-runs pause: the bounds are remembered and scaling is suspended before the service goes to 0', async () => {
    const plan = await e2e.api('POST', '/environments/tide/plan', { operation: 'pause' });
    expect(plan.status, plan.text).toBe(200);
    const pending = plan.body.steps.filter(
      (s: { action: string }) => s.action !== 'keep' && s.action !== 'skip',
    );
    expect(pending.map((s: { kind: string }) => s.kind)).toEqual([
      'rememberCounts',
      'createWakeTargetGroup',
      'forwardTo',
      'suspendScaling',
      'scaleServiceToZero',
      'wait',
    ]);
    expect(pending[0].counts.scalableTarget).toEqual({
      resourceId: RESOURCE_ID,
      minCapacity: 1,
      maxCapacity: 3,
      suspended: {
        dynamicScalingInSuspended: false,
        dynamicScalingOutSuspended: false,
        scheduledScalingSuspended: false,
      },
    });
  });

  it('pauses: tasks go to 0 and stay there while the scaler runs', async () => {
    await e2e.operate('POST', '/environments/tide/pause');
    // Several scaler periods: an unsuspended target with min 1 would have raised the desired count by now.
    const period = e2e.platform.cloud.cloud.clock.ms(SCALER_TICK_AWS_MS);
    await new Promise((r) => setTimeout(r, 4 * period + 100));
    expect(await service()).toEqual({ desired: 0, running: 0, pending: 0 });
    expect(await target()).toMatchObject({
      MinCapacity: 1,
      MaxCapacity: 3,
      SuspendedState: {
        DynamicScalingInSuspended: true,
        DynamicScalingOutSuspended: true,
        ScheduledScalingSuspended: true,
      },
    });
    expect((await e2e.api('GET', '/environments/tide')).body.status).toBe('paused');
  });

  it('resumes: the bounds, suspended state and desired count come back exactly', async () => {
    await e2e.operate('POST', '/environments/tide/resume');
    expect(await target()).toMatchObject({
      MinCapacity: 1,
      MaxCapacity: 3,
      SuspendedState: {
        DynamicScalingInSuspended: false,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
      },
    });
    await eventually(async () => (await service()).running === 2);
    expect(await service()).toMatchObject({ desired: 2, running: 2 });
    expect((await e2e.api('GET', '/environments/tide')).body.status).toBe('ready');
  });

  it('tears down, and the target goes with the service', async () => {
    const deleted = await e2e.api('DELETE', '/environments/tide');
    expect((await e2e.waitForExecution(deleted.body.executionArn)).status).toBe('SUCCEEDED');
    expect(await target()).toBeUndefined();
    await e2e.assertNothingLeft('tide');
    // The scalable target calls were evaluated against the functions' policies, and allowed.
    const used = e2e.platform.cloud.iam
      .usage()
      .filter((u) => u.action.startsWith('application-autoscaling:'))
      .map((u) => `${u.functionName} ${u.action} ${u.allowed ? 'allowed' : 'denied'}`);
    expect([...new Set(used)].sort()).toEqual([
      'berth-pause application-autoscaling:DescribeScalableTargets allowed',
      'berth-pause application-autoscaling:RegisterScalableTarget allowed',
      'berth-plan application-autoscaling:DescribeScalableTargets allowed',
      'berth-resume application-autoscaling:DescribeScalableTargets allowed',
      'berth-resume application-autoscaling:RegisterScalableTarget allowed',
      'berth-teardown-service application-autoscaling:DescribeScalableTargets allowed',
      // The target was restored unsuspended: teardown suspends it before the service goes to 0.
      'berth-teardown-service application-autoscaling:RegisterScalableTarget allowed',
    ]);
  });
});
