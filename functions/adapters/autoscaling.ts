import {
  type AutoScalingClient,
  type AutoScalingGroup,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  SetInstanceProtectionCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { DependencyPendingError, TransientAwsError } from '../core/errors.ts';
import type { ObservedAutoScalingGroup, Tags } from '../core/observed.ts';
import { fromAwsTags } from '../core/tags.ts';
import { deleteUnlessGone, hasAwsCode, mapAwsError } from './map-aws-error.ts';

const ASG_GONE_MESSAGE = /AutoScalingGroup name not found|not found|does not exist/i;
/** SetInstanceProtection on an instance that left InService meanwhile (guardian/riff-raff PR #510). */
const NOT_PROTECTABLE = /is not in InService or EnteringStandby or Standby/i;

export interface AutoScalingGroupInput {
  readonly env: string;
  readonly name: string;
  readonly launchTemplateName: string;
  readonly subnets: readonly string[];
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
  readonly tags: Tags;
}

const toObserved = (g: AutoScalingGroup): ObservedAutoScalingGroup => ({
  name: g.AutoScalingGroupName ?? '',
  arn: g.AutoScalingGroupARN ?? '',
  desiredCapacity: g.DesiredCapacity ?? 0,
  minSize: g.MinSize ?? 0,
  maxSize: g.MaxSize ?? 0,
  instances: (g.Instances ?? []).map((i) => ({
    id: i.InstanceId ?? '',
    lifecycleState: i.LifecycleState ?? '',
    protectedFromScaleIn: i.ProtectedFromScaleIn ?? false,
  })),
  ...(g.Status ? { status: g.Status } : {}),
  tags: fromAwsTags(g.Tags),
  ...(g.CreatedTime ? { createdTime: g.CreatedTime.toISOString() } : {}),
});

/**
 * Auto Scaling side of an environment: the group behind the EC2 capacity provider.
 *
 * @example
 * const asg = new AwsAutoScalingAdapter(clients.autoScaling);
 * await asg.ensureGroup({ env: 'demo', name: 'berth-demo-asg', launchTemplateName: 'berth-demo-lt', ... });
 */
export class AwsAutoScalingAdapter {
  constructor(private readonly client: AutoScalingClient) {}

  /** The group (with instances and tags), or `undefined`. */
  async observeGroup(name: string): Promise<ObservedAutoScalingGroup | undefined> {
    try {
      const out = await this.client.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
      );
      const g = out.AutoScalingGroups?.find((x) => x.AutoScalingGroupName === name);
      return g ? toObserved(g) : undefined;
    } catch (err) {
      throw mapAwsError(err, `autoscaling.DescribeAutoScalingGroups ${name}`);
    }
  }

  /**
   * Creates the group from the launch template in the private subnets, new instances
   * protected from scale-in (required by managed termination protection), tags propagated.
   * @throws OwnershipConflictError for a foreign same-named group.
   */
  async createGroup(input: AutoScalingGroupInput): Promise<ObservedAutoScalingGroup> {
    try {
      await this.client.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: input.name,
          LaunchTemplate: { LaunchTemplateName: input.launchTemplateName, Version: '$Latest' },
          MinSize: input.minSize,
          MaxSize: input.maxSize,
          DesiredCapacity: input.desiredCapacity,
          VPCZoneIdentifier: input.subnets.join(','),
          NewInstancesProtectedFromScaleIn: true,
          Tags: Object.entries({ ...input.tags, Name: input.name }).map(([Key, Value]) => ({
            Key,
            Value,
            PropagateAtLaunch: true,
            ResourceId: input.name,
            ResourceType: 'auto-scaling-group',
          })),
        }),
      );
    } catch (err) {
      // Core planned a create because Describe did not list the group, yet it exists: created moments ago
      // (by an earlier attempt of this step) and not visible yet. The retry observes it once Auto Scaling
      // is consistent.
      if (hasAwsCode(err, ['AlreadyExists', 'AlreadyExistsFault'])) {
        throw new TransientAwsError(
          `autoscaling.CreateAutoScalingGroup ${input.name}: exists but DescribeAutoScalingGroups does not list it yet (eventual consistency); will retry`,
          { cause: err },
        );
      }
      throw mapAwsError(err, `autoscaling.CreateAutoScalingGroup ${input.name}`);
    }
    const created = await this.observeGroup(input.name);
    if (!created) {
      // Auto Scaling is eventually consistent: a new group may be missing from DescribeAutoScalingGroups
      // for a moment (terraform-provider-aws PR #40088). Retryable: the step is idempotent.
      throw new TransientAwsError(
        `autoscaling.DescribeAutoScalingGroups ${input.name}: not listed yet right after CreateAutoScalingGroup (eventual consistency); will retry`,
      );
    }
    return created;
  }

  /** Sets min/max/desired (only the given fields). */
  async updateCapacity(
    name: string,
    capacity: { readonly minSize?: number; readonly maxSize?: number; readonly desiredCapacity?: number },
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          ...(capacity.minSize !== undefined ? { MinSize: capacity.minSize } : {}),
          ...(capacity.maxSize !== undefined ? { MaxSize: capacity.maxSize } : {}),
          ...(capacity.desiredCapacity !== undefined ? { DesiredCapacity: capacity.desiredCapacity } : {}),
        }),
      );
    } catch (err) {
      throw mapAwsError(err, `autoscaling.UpdateAutoScalingGroup ${name}`);
    }
  }

  /**
   * Removes scale-in protection from the given instances (batches of 50). Auto Scaling accepts this
   * only for InService/Standby instances: pass only those (core `instancesToUnprotect`).
   * @throws DependencyPendingError when an instance changed state since it was observed (observe again)
   */
  async unprotectInstances(name: string, instanceIds: readonly string[]): Promise<void> {
    for (let i = 0; i < instanceIds.length; i += 50) {
      try {
        await this.client.send(
          new SetInstanceProtectionCommand({
            AutoScalingGroupName: name,
            InstanceIds: instanceIds.slice(i, i + 50),
            ProtectedFromScaleIn: false,
          }),
        );
      } catch (err) {
        if (hasAwsCode(err, [], NOT_PROTECTABLE)) {
          throw new DependencyPendingError(
            `autoscaling.SetInstanceProtection ${name}: ${String((err as Error).message)}`,
            {
              cause: err,
            },
          );
        }
        throw mapAwsError(err, `autoscaling.SetInstanceProtection ${name}`);
      }
    }
  }

  /** `DeleteAutoScalingGroup` with ForceDelete (terminates instances); gone → `false`. */
  async forceDelete(name: string): Promise<boolean> {
    return deleteUnlessGone(`autoscaling.DeleteAutoScalingGroup ${name}`, { message: ASG_GONE_MESSAGE }, () =>
      this.client.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true })),
    );
  }
}
