import { ValidationError } from '../core/errors.ts';
import { resourceNames } from '../core/names.ts';
import { ownershipTags } from '../core/tags.ts';
import { requireConfig } from './config.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  type LoadBalancerResult,
  runStep,
  specOf,
} from './runtime.ts';
import { ec2Adapter, elbv2Adapter, registryAdapter } from './wiring.ts';

export type CreateLoadBalancerDeps = Pick<HandlerDeps, 'config' | 'elbv2' | 'ec2' | 'registry' | 'logger'>;

/**
 * Converges the target group (`instance` targets for bridge/host, `ip` for awsvpc; health check
 * from the spec) and either a dedicated internet-facing ALB with an HTTP:80 listener, or (shared
 * mode) a tagged host/path rule on `BERTH_SHARED_LISTENER_ARN`. Does not wait for the ALB.
 * @returns `{ targetGroupArn, loadBalancerArn?, listenerArn?, ruleArn?, dnsName, url }`
 */
export function makeHandler(deps: CreateLoadBalancerDeps) {
  return async (state: LifecycleState): Promise<LoadBalancerResult> =>
    runStep(deps.logger, 'create-load-balancer', state, async () => {
      const env = envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const names = resourceNames(env);
      const tags = ownershipTags(env, spec.owner);
      const vpcId = requireConfig(deps.config.vpcId, 'BERTH_VPC_ID');
      const tg = await deps.elbv2.ensureTargetGroup({
        env,
        name: names.targetGroup,
        vpcId,
        port: spec.containerPort,
        targetType: spec.networkMode === 'awsvpc' ? 'ip' : 'instance',
        healthCheck: spec.healthCheck,
        tags,
      });

      if (spec.loadBalancer.mode === 'shared') {
        const listenerArn = requireConfig(deps.config.sharedListenerArn, 'BERTH_SHARED_LISTENER_ARN');
        const rule = await deps.elbv2.ensureListenerRule({
          env,
          listenerArn,
          targetGroupArn: tg.arn,
          ...(spec.loadBalancer.host !== undefined ? { host: spec.loadBalancer.host } : {}),
          ...(spec.loadBalancer.pathPrefix !== undefined ? { pathPrefix: spec.loadBalancer.pathPrefix } : {}),
          tags,
        });
        const shared = await deps.elbv2.observeLoadBalancerOfListener(listenerArn);
        const dnsName = shared?.dnsName ?? '';
        const host = spec.loadBalancer.host ?? dnsName;
        return {
          targetGroupArn: tg.arn,
          ruleArn: rule.arn,
          dnsName,
          url: `http://${host}${spec.loadBalancer.pathPrefix ?? '/'}`,
        };
      }

      let albSecurityGroupId = state.resources?.network?.albSecurityGroupId;
      if (albSecurityGroupId === undefined) {
        const observed = await deps.ec2.observeSecurityGroup(vpcId, names.albSecurityGroup);
        if (!observed) {
          throw new ValidationError(
            'resources.network',
            'create-network must run before create-load-balancer',
          );
        }
        albSecurityGroupId = observed.id;
      }
      const alb = await deps.elbv2.ensureLoadBalancer({
        env,
        name: names.loadBalancer,
        subnets: requireConfig(deps.config.publicSubnets, 'BERTH_PUBLIC_SUBNETS'),
        securityGroupIds: [albSecurityGroupId],
        tags,
      });
      const listener = await deps.elbv2.ensureListener({
        loadBalancerArn: alb.arn,
        targetGroupArn: tg.arn,
        tags,
      });
      return {
        targetGroupArn: tg.arn,
        loadBalancerArn: alb.arn,
        listenerArn: listener.arn,
        dnsName: alb.dnsName,
        url: `http://${alb.dnsName}/`,
      };
    });
}

export const handler = makeHandler(
  defaultDeps(['BERTH_VPC_ID'], { ec2: ec2Adapter, elbv2: elbv2Adapter, registry: registryAdapter }),
);
