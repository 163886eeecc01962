import { type ConfigOf, requireConfig } from './config.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  type LoadBalancerResult,
  runStep,
  specOf,
} from './lifecycle-deps.ts';
import { runUpStage, type UpStageDeps } from './up-stage.ts';
import { ec2Adapter, elbv2Adapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

/** The up-stage dependencies (`elbv2`, and `ec2` for the ALB group when the state lacks it) and the registry. */
export type CreateLoadBalancerDeps = UpStageDeps<ConfigOf<'create-load-balancer'>> &
  Pick<HandlerDeps, 'elbv2' | 'registry'>;

/**
 * Stage `load-balancer` of `up` (core `planUp`): converges the target group (`instance` targets for
 * bridge/host, `ip` for awsvpc; health check from the spec) and either a dedicated internet-facing
 * ALB with an HTTP:80 listener, or (shared mode) a tagged host/path rule on
 * `BERTH_SHARED_LISTENER_ARN`. Does not wait for the ALB.
 * @returns `{ targetGroupArn, loadBalancerArn?, listenerArn?, ruleArn?, dnsName, url }`
 */
export function makeHandler(deps: CreateLoadBalancerDeps) {
  return async (state: LifecycleState): Promise<LoadBalancerResult> =>
    runStep(deps.logger, 'create-load-balancer', state, async () => {
      envOf(state);
      const spec = await specOf(state, () => deps.registry);
      requireConfig(deps.config.vpcId, 'BERTH_VPC_ID');
      const shared = spec.loadBalancer.mode === 'shared';
      if (shared) requireConfig(deps.config.sharedListenerArn, 'BERTH_SHARED_LISTENER_ARN');
      const out = await runUpStage(deps, 'load-balancer', state, spec);
      const targetGroupArn = out.targetGroupArn;
      if (targetGroupArn === undefined) {
        throw new TypeError('create-load-balancer: the plan did not yield a target group');
      }
      if (shared) {
        const listenerArn = requireConfig(deps.config.sharedListenerArn, 'BERTH_SHARED_LISTENER_ARN');
        const sharedAlb = await deps.elbv2.observeLoadBalancerOfListener(listenerArn);
        const dnsName = sharedAlb?.dnsName ?? '';
        const host = spec.loadBalancer.host ?? dnsName;
        return {
          targetGroupArn,
          ...(out.ruleArn !== undefined ? { ruleArn: out.ruleArn } : {}),
          dnsName,
          url: `http://${host}${spec.loadBalancer.pathPrefix ?? '/'}`,
        };
      }
      const dnsName = out.dnsName ?? '';
      return {
        targetGroupArn,
        ...(out.loadBalancerArn !== undefined ? { loadBalancerArn: out.loadBalancerArn } : {}),
        ...(out.listenerArn !== undefined ? { listenerArn: out.listenerArn } : {}),
        dnsName,
        url: `http://${dnsName}/`,
      };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('create-load-balancer', { ec2: ec2Adapter, elbv2: elbv2Adapter, registry: registryAdapter }),
);
