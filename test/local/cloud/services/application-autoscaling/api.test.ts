import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCALER_TICK_AWS_MS } from '../../../../../local/cloud/services/application-autoscaling/backend.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { publicSubnets, until } from '../../helpers/dataplane-fixtures.ts';
import { expectAwsError } from '../../helpers/errors.ts';

/**
 * Application Auto Scaling in the local cloud, through the SDK: scalable targets of ECS services, the clamp
 * on registration, the scaler that brings a service back inside its bounds unless suspended, policies, and
 * AWS's error codes and messages.
 */
let tc: TestCloud;
let aas: ApplicationAutoScalingClient;

const ID = (service: string) => `service/aas/${service}`;
const target = (service: string) => ({
  ServiceNamespace: 'ecs' as const,
  ResourceId: ID(service),
  ScalableDimension: 'ecs:service:DesiredCount' as const,
});

async function service(name: string, desiredCount: number): Promise<void> {
  const { subnetIds: subnets } = await publicSubnets(tc);
  const td = await tc.clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: `aas-${name}`,
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'app', image: 'busybox' }],
    }),
  );
  await tc.clients.ecs.send(
    new CreateServiceCommand({
      cluster: 'aas',
      serviceName: name,
      taskDefinition: td.taskDefinition?.taskDefinitionArn,
      desiredCount,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets } },
    }),
  );
}

/** The service's desired count; asks again while ECS does not describe the new service yet (MISSING). */
async function desired(name: string): Promise<number> {
  return until(async () => {
    const out = await tc.clients.ecs.send(new DescribeServicesCommand({ cluster: 'aas', services: [name] }));
    const count = out.services?.[0]?.desiredCount;
    return count === undefined ? undefined : { count };
  }).then((d) => d.count);
}

/** Waits past several scaler periods (the scaler runs once a scaled minute). */
const scalerPeriods = (n: number) =>
  new Promise((r) => setTimeout(r, n * tc.cloud.clock.ms(SCALER_TICK_AWS_MS) + 50));

beforeAll(async () => {
  tc = await startTestCloud();
  aas = new ApplicationAutoScalingClient({
    endpoint: tc.url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await tc.clients.ecs.send(new CreateClusterCommand({ clusterName: 'aas' }));
});
afterAll(async () => {
  aas?.destroy();
  await tc?.stop();
});

describe('Application Auto Scaling', () => {
  it('registers a target, describes it with its bounds and suspended state, and raises the desired count to the minimum', async () => {
    await service('clamp', 0);
    const out = await aas.send(
      new RegisterScalableTargetCommand({ ...target('clamp'), MinCapacity: 2, MaxCapacity: 4 }),
    );
    expect(out.ScalableTargetARN).toMatch(
      /^arn:aws:application-autoscaling:us-east-1:\d{12}:scalable-target\/[0-9a-f]+$/,
    );
    const described = await aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [ID('clamp')] }),
    );
    expect(described.ScalableTargets).toEqual([
      expect.objectContaining({
        ...target('clamp'),
        MinCapacity: 2,
        MaxCapacity: 4,
        SuspendedState: {
          DynamicScalingInSuspended: false,
          DynamicScalingOutSuspended: false,
          ScheduledScalingSuspended: false,
        },
        ScalableTargetARN: out.ScalableTargetARN,
        RoleARN: expect.stringContaining('AWSServiceRoleForApplicationAutoScaling_ECSService'),
      }),
    ]);
    expect(described.ScalableTargets?.[0]?.CreationTime).toBeInstanceOf(Date);
    expect(await desired('clamp')).toBe(2);
  });

  it('lowers the desired count to a new maximum on registration, and changes only what an update names', async () => {
    await service('lower', 5);
    await aas.send(new RegisterScalableTargetCommand({ ...target('lower'), MinCapacity: 1, MaxCapacity: 6 }));
    expect(await desired('lower')).toBe(5);
    await aas.send(
      new RegisterScalableTargetCommand({
        ...target('lower'),
        MaxCapacity: 3,
        SuspendedState: { DynamicScalingInSuspended: true },
      }),
    );
    expect(await desired('lower')).toBe(3);
    const [t] =
      (
        await aas.send(
          new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [ID('lower')] }),
        )
      ).ScalableTargets ?? [];
    expect(t).toMatchObject({
      MinCapacity: 1,
      MaxCapacity: 3,
      SuspendedState: {
        DynamicScalingInSuspended: true,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
      },
    });
  });

  it('brings a service scaled below its minimum back when a policy exists and scale-out is not suspended', async () => {
    await service('fight', 1);
    await aas.send(new RegisterScalableTargetCommand({ ...target('fight'), MinCapacity: 1, MaxCapacity: 3 }));
    await aas.send(
      new PutScalingPolicyCommand({
        ...target('fight'),
        PolicyName: 'cpu',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 50,
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        },
      }),
    );
    // The update's own answer shows the 0: a describe after it can already see the scaler's 1 on a loaded machine.
    const updated = await tc.clients.ecs.send(
      new UpdateServiceCommand({ cluster: 'aas', service: 'fight', desiredCount: 0 }),
    );
    expect(updated.service?.desiredCount).toBe(0);
    await until(async () => (await desired('fight')) === 1);
    const events = (
      await tc.clients.ecs.send(new DescribeServicesCommand({ cluster: 'aas', services: ['fight'] }))
    ).services?.[0]?.events;
    expect(events?.map((e) => e.message)).toContainEqual(
      expect.stringContaining('desired count set to 1 by Application Auto Scaling'),
    );
  });

  it('leaves a service scaled below its minimum alone while dynamic scaling is suspended', async () => {
    await service('asleep', 2);
    await aas.send(
      new RegisterScalableTargetCommand({ ...target('asleep'), MinCapacity: 2, MaxCapacity: 3 }),
    );
    await aas.send(
      new PutScalingPolicyCommand({
        ...target('asleep'),
        PolicyName: 'cpu',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: { TargetValue: 50 },
      }),
    );
    await aas.send(
      new RegisterScalableTargetCommand({
        ...target('asleep'),
        SuspendedState: {
          DynamicScalingInSuspended: true,
          DynamicScalingOutSuspended: true,
          ScheduledScalingSuspended: true,
        },
      }),
    );
    await tc.clients.ecs.send(
      new UpdateServiceCommand({ cluster: 'aas', service: 'asleep', desiredCount: 0 }),
    );
    await scalerPeriods(3);
    expect(await desired('asleep')).toBe(0);
  });

  it('stores, describes and deletes scaling policies', async () => {
    await service('policies', 1);
    await aas.send(
      new RegisterScalableTargetCommand({ ...target('policies'), MinCapacity: 0, MaxCapacity: 2 }),
    );
    const put = await aas.send(
      new PutScalingPolicyCommand({
        ...target('policies'),
        PolicyName: 'steps',
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', Cooldown: 60 },
      }),
    );
    expect(put.PolicyARN).toContain(':policyName/steps');
    const described = await aas.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: ID('policies') }),
    );
    expect(described.ScalingPolicies).toEqual([
      expect.objectContaining({
        PolicyName: 'steps',
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', Cooldown: 60 },
      }),
    ]);
    await aas.send(new DeleteScalingPolicyCommand({ ...target('policies'), PolicyName: 'steps' }));
    expect(
      (
        await aas.send(
          new DescribeScalingPoliciesCommand({ ServiceNamespace: 'ecs', ResourceId: ID('policies') }),
        )
      ).ScalingPolicies,
    ).toEqual([]);
  });

  it('deregisters a target, then answers ObjectNotFoundException as AWS words it', async () => {
    await service('gone', 1);
    await aas.send(new RegisterScalableTargetCommand({ ...target('gone'), MinCapacity: 0, MaxCapacity: 2 }));
    await aas.send(new DeregisterScalableTargetCommand(target('gone')));
    await expectAwsError(
      aas.send(new DeregisterScalableTargetCommand(target('gone'))),
      'ObjectNotFoundException',
      'No scalable target registered for service namespace: ecs, resource ID: service/aas/gone, scalable dimension: ecs:service:DesiredCount',
    );
    await expectAwsError(
      aas.send(new PutScalingPolicyCommand({ ...target('gone'), PolicyName: 'p' })),
      'ObjectNotFoundException',
      /^No scalable target registered for service namespace: ecs/,
    );
  });

  it('deregisters the target with its ECS service', async () => {
    await service('deleted', 0);
    await aas.send(
      new RegisterScalableTargetCommand({ ...target('deleted'), MinCapacity: 0, MaxCapacity: 2 }),
    );
    await tc.clients.ecs.send(new DeleteServiceCommand({ cluster: 'aas', service: 'deleted' }));
    const out = await aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [ID('deleted')] }),
    );
    expect(out.ScalableTargets).toEqual([]);
  });

  it('rejects bad registrations with ValidationException naming the value', async () => {
    await service('bad', 1);
    await expectAwsError(
      aas.send(new RegisterScalableTargetCommand({ ...target('missing'), MinCapacity: 0, MaxCapacity: 1 })),
      'ValidationException',
      "ECS service doesn't exist: service/aas/missing",
    );
    await expectAwsError(
      aas.send(new RegisterScalableTargetCommand(target('bad'))),
      'ValidationException',
      'MinCapacity and MaxCapacity are required when registering a new scalable target',
    );
    await expectAwsError(
      aas.send(new RegisterScalableTargetCommand({ ...target('bad'), MinCapacity: 3, MaxCapacity: 1 })),
      'ValidationException',
      'Minimum capacity (3) cannot be greater than maximum capacity (1)',
    );
    await expectAwsError(
      aas.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'nope' as 'ecs',
          ResourceId: ID('bad'),
          ScalableDimension: 'ecs:service:DesiredCount',
        }),
      ),
      'ValidationException',
      /^1 validation error detected: Value 'nope' at 'serviceNamespace' failed to satisfy constraint/,
    );
    await expectAwsError(
      aas.send(
        new RegisterScalableTargetCommand({
          ...target('bad'),
          ResourceId: 'cluster/aas',
          MinCapacity: 0,
          MaxCapacity: 1,
        }),
      ),
      'ValidationException',
      "Unsupported resource ID cluster/aas: an ECS service's is service/<cluster-name>/<service-name>",
    );
  });
});
