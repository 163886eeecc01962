import { ValidationError } from '../core/errors.ts';
import { amiParameterFor } from '../core/instance-architecture.ts';
import { resourceNames } from '../core/names.ts';
import { ownershipTags } from '../core/tags.ts';
import { requireConfig } from './config.ts';
import {
  type ClusterResult,
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  specOf,
} from './runtime.ts';
import { autoScalingAdapter, ec2WithAmiAdapter, ecsAdapter, registryAdapter } from './wiring.ts';

export type CreateClusterDeps = Pick<
  HandlerDeps,
  'config' | 'ecs' | 'ec2' | 'autoScaling' | 'registry' | 'logger'
>;

/**
 * Converges the ECS cluster and, for EC2, its capacity: launch template (the ECS-optimized AMI of
 * the instance type's architecture, from SSM; instance profile, instances group, user data
 * `ECS_CLUSTER=<cluster>`), Auto Scaling group (private subnets, new instances protected from
 * scale-in), capacity provider (managed scaling,
 * managed termination protection) set as the cluster's default strategy.
 * @returns `{ clusterArn, autoScalingGroupName?, capacityProviderName? }`
 */
export function makeHandler(deps: CreateClusterDeps) {
  return async (state: LifecycleState): Promise<ClusterResult> =>
    runStep(deps.logger, 'create-cluster', state, async () => {
      const env = envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const names = resourceNames(env);
      const tags = ownershipTags(env, spec.owner);
      const fargate = spec.launchType === 'FARGATE';
      const cluster = await deps.ecs.ensureCluster({ env, name: names.cluster, tags, fargate });
      if (fargate || spec.capacity === undefined) return { clusterArn: cluster.arn };

      let instanceSg = state.resources?.network?.instanceSecurityGroupId;
      if (instanceSg === undefined) {
        const vpcId = requireConfig(deps.config.vpcId, 'BERTH_VPC_ID');
        const observed = await deps.ec2.observeSecurityGroup(vpcId, names.instanceSecurityGroup);
        if (!observed) {
          throw new ValidationError('resources.network', 'create-network must run before create-cluster');
        }
        instanceSg = observed.id;
      }
      await deps.ec2.ensureLaunchTemplate({
        env,
        name: names.launchTemplate,
        clusterName: names.cluster,
        instanceType: spec.capacity.instanceType,
        instanceProfileArn: requireConfig(deps.config.instanceProfileArn, 'BERTH_INSTANCE_PROFILE_ARN'),
        securityGroupIds: [instanceSg],
        amiParameter: amiParameterFor(deps.config.amiParameter, spec.capacity.instanceType),
        tags,
      });
      const group = await deps.autoScaling.ensureGroup({
        env,
        name: names.autoScalingGroup,
        launchTemplateName: names.launchTemplate,
        subnets: requireConfig(deps.config.privateSubnets, 'BERTH_PRIVATE_SUBNETS'),
        minSize: spec.capacity.minSize,
        maxSize: spec.capacity.maxSize,
        desiredCapacity: spec.capacity.desiredCapacity,
        tags,
      });
      await deps.ecs.ensureCapacityProvider({
        env,
        name: names.capacityProvider,
        autoScalingGroupArn: group.arn,
        tags,
      });
      await deps.ecs.attachCapacityProvider(cluster, names.capacityProvider);
      return {
        clusterArn: cluster.arn,
        autoScalingGroupName: names.autoScalingGroup,
        capacityProviderName: names.capacityProvider,
      };
    });
}

export const handler = makeHandler(
  defaultDeps([], {
    autoScaling: autoScalingAdapter,
    ec2: ec2WithAmiAdapter,
    ecs: ecsAdapter,
    registry: registryAdapter,
  }),
);
