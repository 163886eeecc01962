import { resourceNames } from '../core/names.ts';
import type { ConfigOf } from './config.ts';
import {
  type ClusterResult,
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  specOf,
} from './lifecycle-deps.ts';
import { runUpStage, type UpStageDeps } from './up-stage.ts';
import { autoScalingAdapter, ec2WithAmiAdapter, ecsAdapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

/** The up-stage dependencies (`ecs`; for EC2 also `ec2` with SSM and `autoScaling`) and the registry. */
export type CreateClusterDeps = UpStageDeps<ConfigOf<'create-cluster'>> & Pick<HandlerDeps, 'registry'>;

/**
 * Stage `cluster` of `up` (core `planUp`): converges the ECS cluster and, for EC2, its capacity:
 * launch template (the ECS-optimized AMI of the instance type's architecture, from SSM; instance
 * profile, instances group, user data
 * `ECS_CLUSTER=<cluster>`), Auto Scaling group (private subnets, new instances protected from
 * scale-in; min/max/desired brought back to the spec), capacity provider (managed scaling, managed
 * termination protection) set as the cluster's default strategy.
 * @returns `{ clusterArn, autoScalingGroupName?, capacityProviderName?, autoScalingGroupCreatedTime? }` (the
 *   group's CreatedTime, from which verify sizes its first wait for the instances)
 */
export function makeHandler(deps: CreateClusterDeps) {
  return async (state: LifecycleState): Promise<ClusterResult> =>
    runStep(deps.logger, 'create-cluster', state, async () => {
      envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const out = await runUpStage(deps, 'cluster', state, spec);
      if (out.clusterArn === undefined)
        throw new TypeError('create-cluster: the plan did not yield a cluster');
      if (spec.launchType === 'FARGATE' || spec.capacity === undefined) return { clusterArn: out.clusterArn };
      const names = resourceNames(spec.name);
      return {
        clusterArn: out.clusterArn,
        autoScalingGroupName: names.autoScalingGroup,
        capacityProviderName: names.capacityProvider,
        ...(out.autoScalingGroupCreatedTime === undefined
          ? {}
          : { autoScalingGroupCreatedTime: out.autoScalingGroupCreatedTime }),
      };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('create-cluster', {
    autoScaling: autoScalingAdapter,
    ec2: ec2WithAmiAdapter,
    ecs: ecsAdapter,
    registry: registryAdapter,
  }),
);
