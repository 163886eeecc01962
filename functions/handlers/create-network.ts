import { type ConfigOf, requireConfig } from './config.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  type NetworkResult,
  runStep,
  specOf,
} from './lifecycle-deps.ts';
import { runUpStage, type UpStageDeps } from './up-stage.ts';
import { ec2Adapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

/** The up-stage dependencies (only `ec2` is called in this stage) and the registry for the spec. */
export type CreateNetworkDeps = UpStageDeps<ConfigOf<'create-network'>> & Pick<HandlerDeps, 'registry'>;

/**
 * Stage `network` of `up` (core `planUp`): converges the environment's security groups:
 * `berth-<env>-alb` (80/443 from the allowed CIDR; not in shared mode) and `berth-<env>-instances`
 * (32768–65535, plus the container port in awsvpc/host mode, from the ALB group — or the shared ALB
 * group), adding only the ingress rules that are missing.
 * @returns `{ albSecurityGroupId, instanceSecurityGroupId }`
 */
export function makeHandler(deps: CreateNetworkDeps) {
  return async (state: LifecycleState): Promise<NetworkResult> =>
    runStep(deps.logger, 'create-network', state, async () => {
      envOf(state);
      const spec = await specOf(state, () => deps.registry);
      requireConfig(deps.config.vpcId, 'BERTH_VPC_ID');
      const out = await runUpStage(deps, 'network', state, spec);
      const { alb, instances } = out.securityGroups;
      if (alb === undefined || instances === undefined) {
        throw new TypeError('create-network: the network plan did not yield both security groups');
      }
      return { albSecurityGroupId: alb, instanceSecurityGroupId: instances };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('create-network', { ec2: ec2Adapter, registry: registryAdapter }),
);
