import {
  ApplicationAutoScalingClient,
  ConcurrentUpdateException,
  DescribeScalableTargetsCommand,
  ObjectNotFoundException,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsApplicationAutoScalingAdapter } from '../../../functions/adapters/application-autoscaling.ts';
import { applicationAutoScalingClient } from '../../../functions/adapters/aws/clients.ts';

const aas = mockClient(ApplicationAutoScalingClient);
const adapter = new AwsApplicationAutoScalingAdapter(
  applicationAutoScalingClient({ region: 'us-east-1', maxAttempts: 1 }),
);
const ID = 'service/berth-demo/berth-demo';

beforeEach(() => aas.reset());

describe('AwsApplicationAutoScalingAdapter', () => {
  it("observes the service's target by resource id and dimension, with its bounds and suspended state", async () => {
    aas.on(DescribeScalableTargetsCommand).resolves({
      ScalableTargets: [
        {
          ServiceNamespace: 'ecs',
          ResourceId: ID,
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: 1,
          MaxCapacity: 3,
          RoleARN: 'arn:role',
          CreationTime: new Date(0),
          SuspendedState: { ScheduledScalingSuspended: true },
        },
      ],
    });

    const target = await adapter.observeScalableTarget('berth-demo', 'berth-demo');

    expect(aas).toHaveReceivedCommandWith(DescribeScalableTargetsCommand, {
      ServiceNamespace: 'ecs',
      ResourceIds: [ID],
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    expect(target).toEqual({
      resourceId: ID,
      minCapacity: 1,
      maxCapacity: 3,
      suspended: {
        dynamicScalingInSuspended: false,
        dynamicScalingOutSuspended: false,
        scheduledScalingSuspended: true,
      },
    });
  });

  it('answers undefined when no target is registered', async () => {
    aas.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });

    expect(await adapter.observeScalableTarget('berth-demo', 'berth-demo')).toBeUndefined();
  });

  it('suspends every scaling activity without touching the bounds', async () => {
    aas.on(RegisterScalableTargetCommand).resolves({});

    await adapter.suspendScaling(ID);

    const input = aas.commandCalls(RegisterScalableTargetCommand)[0]?.args[0].input;
    expect(input).toEqual({
      ServiceNamespace: 'ecs',
      ResourceId: ID,
      ScalableDimension: 'ecs:service:DesiredCount',
      SuspendedState: {
        DynamicScalingInSuspended: true,
        DynamicScalingOutSuspended: true,
        ScheduledScalingSuspended: true,
      },
    });
  });

  it('restores exactly the given bounds and suspended state', async () => {
    aas.on(RegisterScalableTargetCommand).resolves({});

    await adapter.restoreScaling({
      resourceId: ID,
      minCapacity: 1,
      maxCapacity: 3,
      suspended: {
        dynamicScalingInSuspended: false,
        dynamicScalingOutSuspended: false,
        scheduledScalingSuspended: true,
      },
    });

    expect(aas).toHaveReceivedCommandWith(RegisterScalableTargetCommand, {
      ResourceId: ID,
      MinCapacity: 1,
      MaxCapacity: 3,
      SuspendedState: {
        DynamicScalingInSuspended: false,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: true,
      },
    });
  });

  it('maps a concurrent update to a retryable TransientAwsError and a missing target to AwsRequestError', async () => {
    aas
      .on(RegisterScalableTargetCommand)
      .rejectsOnce(new ConcurrentUpdateException({ message: 'Concurrent update', $metadata: {} }))
      .rejectsOnce(new ObjectNotFoundException({ message: 'No scalable target registered', $metadata: {} }));

    await expect(adapter.suspendScaling(ID)).rejects.toMatchObject({
      name: 'TransientAwsError',
      retryable: true,
    });
    await expect(adapter.suspendScaling(ID)).rejects.toMatchObject({
      name: 'AwsRequestError',
      message: expect.stringContaining(`application-autoscaling.RegisterScalableTarget ${ID}`),
    });
  });
});
