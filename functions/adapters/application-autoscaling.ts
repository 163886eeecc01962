import {
  type ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { TransientAwsError } from '../core/errors.ts';
import type { ObservedScalableTarget, ScalingSuspension } from '../core/observed.ts';
import { hasAwsCode, mapAwsError } from './map-aws-error.ts';

const NAMESPACE = 'ecs';
const DIMENSION = 'ecs:service:DesiredCount';

/** Every scaling activity suspended: what pause registers (bounds unchanged). */
const ALL_SUSPENDED: ScalingSuspension = {
  dynamicScalingInSuspended: true,
  dynamicScalingOutSuspended: true,
  scheduledScalingSuspended: true,
};

/** The Application Auto Scaling resource id of an ECS service. */
const serviceResourceId = (cluster: string, service: string): string => `service/${cluster}/${service}`;

const mapError = (err: unknown, context: string) =>
  // Two updates of one target at once: AWS answers ConcurrentUpdateException; asking again succeeds.
  hasAwsCode(err, ['ConcurrentUpdateException'])
    ? new TransientAwsError(`${context}: concurrent update of the scalable target`, { cause: err })
    : mapAwsError(err, context);

/**
 * Application Auto Scaling side of an environment: the scalable target a user may have registered on the
 * environment's ECS service (`ecs:service:DesiredCount`). Berth never creates one; pause suspends its scaling
 * and resume registers it again exactly as it was.
 *
 * @example
 * const scaling = new AwsApplicationAutoScalingAdapter(clients.applicationAutoScaling);
 * await scaling.observeScalableTarget('berth-demo', 'berth-demo'); // { resourceId, minCapacity, … } | undefined
 */
export class AwsApplicationAutoScalingAdapter {
  constructor(private readonly client: ApplicationAutoScalingClient) {}

  /** The service's scalable target, or `undefined` when none is registered. */
  async observeScalableTarget(cluster: string, service: string): Promise<ObservedScalableTarget | undefined> {
    const resourceId = serviceResourceId(cluster, service);
    try {
      const out = await this.client.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: NAMESPACE,
          ResourceIds: [resourceId],
          ScalableDimension: DIMENSION,
        }),
      );
      const t = out.ScalableTargets?.find(
        (x) => x.ResourceId === resourceId && x.ScalableDimension === DIMENSION,
      );
      if (t === undefined) return undefined;
      return {
        resourceId,
        minCapacity: t.MinCapacity ?? 0,
        maxCapacity: t.MaxCapacity ?? 0,
        suspended: {
          dynamicScalingInSuspended: t.SuspendedState?.DynamicScalingInSuspended ?? false,
          dynamicScalingOutSuspended: t.SuspendedState?.DynamicScalingOutSuspended ?? false,
          scheduledScalingSuspended: t.SuspendedState?.ScheduledScalingSuspended ?? false,
        },
      };
    } catch (err) {
      throw mapError(err, `application-autoscaling.DescribeScalableTargets ${resourceId}`);
    }
  }

  /**
   * Suspends dynamic scale-in and scale-out and scheduled scaling of an existing target; its bounds, policies
   * and scheduled actions stay (RegisterScalableTarget with only `SuspendedState` updates just that).
   */
  async suspendScaling(resourceId: string): Promise<void> {
    await this.register(resourceId, { suspended: ALL_SUSPENDED });
  }

  /** Registers the target again with exactly these bounds and suspended state. */
  async restoreScaling(input: {
    readonly resourceId: string;
    readonly minCapacity: number;
    readonly maxCapacity: number;
    readonly suspended: ScalingSuspension;
  }): Promise<void> {
    await this.register(input.resourceId, input);
  }

  private async register(
    resourceId: string,
    input: {
      readonly minCapacity?: number;
      readonly maxCapacity?: number;
      readonly suspended: ScalingSuspension;
    },
  ): Promise<void> {
    try {
      await this.client.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: NAMESPACE,
          ResourceId: resourceId,
          ScalableDimension: DIMENSION,
          ...(input.minCapacity === undefined ? {} : { MinCapacity: input.minCapacity }),
          ...(input.maxCapacity === undefined ? {} : { MaxCapacity: input.maxCapacity }),
          SuspendedState: {
            DynamicScalingInSuspended: input.suspended.dynamicScalingInSuspended,
            DynamicScalingOutSuspended: input.suspended.dynamicScalingOutSuspended,
            ScheduledScalingSuspended: input.suspended.scheduledScalingSuspended,
          },
        }),
      );
    } catch (err) {
      throw mapError(err, `application-autoscaling.RegisterScalableTarget ${resourceId}`);
    }
  }
}
