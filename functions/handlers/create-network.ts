import { resourceNames } from '../core/names.ts';
import { ownershipTags } from '../core/tags.ts';
import { requireConfig } from './config.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  type NetworkResult,
  runStep,
  specOf,
} from './runtime.ts';
import { ec2Adapter, registryAdapter } from './wiring.ts';

export type CreateNetworkDeps = Pick<HandlerDeps, 'config' | 'ec2' | 'registry' | 'logger'>;

/**
 * Converges the environment's security groups: `berth-<env>-alb` (80/443 from the allowed CIDR;
 * not in shared mode) and `berth-<env>-instances` (32768–65535, plus the container port in
 * awsvpc/host mode, from the ALB group — or the shared ALB group).
 * @returns `{ albSecurityGroupId, instanceSecurityGroupId }`
 */
export function makeHandler(deps: CreateNetworkDeps) {
  return async (state: LifecycleState): Promise<NetworkResult> =>
    runStep(deps.logger, 'create-network', state, async () => {
      const env = envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const names = resourceNames(env);
      const shared = spec.loadBalancer.mode === 'shared';
      return deps.ec2.ensureSecurityGroups({
        env,
        vpcId: requireConfig(deps.config.vpcId, 'BERTH_VPC_ID'),
        names: { alb: names.albSecurityGroup, instances: names.instanceSecurityGroup },
        tags: ownershipTags(env, spec.owner),
        allowedCidr: deps.config.allowedCidr,
        ...(shared
          ? {
              sharedAlbSecurityGroupId: requireConfig(
                deps.config.sharedAlbSecurityGroupId,
                'BERTH_SHARED_ALB_SECURITY_GROUP_ID',
              ),
            }
          : {}),
        ...(spec.networkMode !== 'bridge' ? { containerPort: spec.containerPort } : {}),
      });
    });
}

export const handler = makeHandler(
  defaultDeps(['BERTH_VPC_ID'], { ec2: ec2Adapter, registry: registryAdapter }),
);
