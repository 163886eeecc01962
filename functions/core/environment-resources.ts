import { resourceNames } from './names.ts';

/** Kinds of AWS resources an environment owns. */
type EnvironmentResourceType =
  | 'securityGroup'
  | 'targetGroup'
  | 'loadBalancer'
  | 'listenerRule'
  | 'cluster'
  | 'launchTemplate'
  | 'autoScalingGroup'
  | 'capacityProvider'
  | 'taskDefinition'
  | 'service';

/** One AWS resource of an environment, by the name Berth gives it. */
export interface EnvironmentResource {
  readonly type: EnvironmentResourceType;
  readonly name: string;
  readonly label: string;
  /** The cluster a service or capacity provider belongs to. */
  readonly cluster?: string;
}

/**
 * The AWS resources Berth creates for an environment with this launch type and load-balancer mode,
 * in creation order: a shared-mode environment has a listener rule instead of its own ALB and ALB
 * security group, a Fargate one no launch template, Auto Scaling group or capacity provider.
 *
 * @example environmentResources('demo', { launchType: 'FARGATE', loadBalancerMode: 'dedicated' }).map((r) => r.name)
 * // ['berth-demo-alb', 'berth-demo-instances', 'berth-demo-tg', 'berth-demo-alb', 'berth-demo', 'berth-demo', 'berth-demo']
 */
export function environmentResources(
  env: string,
  options: { readonly launchType?: string; readonly loadBalancerMode?: string },
): EnvironmentResource[] {
  const names = resourceNames(env);
  const shared = options.loadBalancerMode === 'shared';
  const ec2 = options.launchType !== 'FARGATE';
  const out: EnvironmentResource[] = [];
  if (!shared) out.push({ type: 'securityGroup', name: names.albSecurityGroup, label: 'ALB security group' });
  out.push({ type: 'securityGroup', name: names.instanceSecurityGroup, label: 'task security group' });
  out.push({ type: 'targetGroup', name: names.targetGroup, label: 'target group' });
  if (shared) out.push({ type: 'listenerRule', name: env, label: 'rule on the shared listener' });
  else out.push({ type: 'loadBalancer', name: names.loadBalancer, label: 'load balancer' });
  out.push({ type: 'cluster', name: names.cluster, label: 'ECS cluster' });
  if (ec2) {
    out.push({ type: 'launchTemplate', name: names.launchTemplate, label: 'launch template' });
    out.push({ type: 'autoScalingGroup', name: names.autoScalingGroup, label: 'Auto Scaling group' });
    out.push({
      type: 'capacityProvider',
      name: names.capacityProvider,
      label: 'capacity provider',
      cluster: names.cluster,
    });
  }
  out.push({ type: 'taskDefinition', name: names.taskFamily, label: 'task definition family' });
  out.push({ type: 'service', name: names.service, label: 'ECS service', cluster: names.cluster });
  return out;
}
