import type { ProxyDecision } from '../../dataplane/alb-proxy.ts';
import { cloudWatchBackend } from '../cloudwatch/backend.ts';
import { ec2Backend } from '../ec2/backend.ts';
import { type Condition, globMatch, type Listener, routedTargetGroups } from './model.ts';
import type { Elbv2State } from './state.ts';

/**
 * What the load balancers do with traffic: which clients a listener admits, which targets the load
 * balancer can reach through the security groups, which action and targets a request gets, and the
 * `RequestCount` metric each request publishes.
 */

/** Does the load balancer's security groups' ingress admit `source` on the listener's port? */
export function admitsClient(elb: Elbv2State, listener: Listener, source: string): boolean {
  const lb = elb.loadBalancers.get(listener.loadBalancerArn);
  if (!lb) return false;
  return ec2Backend(elb.cloud, elb.accountId, elb.region).groupStore.ingressAllows(
    lb.securityGroups,
    listener.port,
    {
      address: source,
    },
  );
}

/**
 * Can the target group's load balancers reach a target on `port`? The target's security groups — an
 * instance's, or for an `ip` target of an `awsvpc` task its network interface's (the service's
 * `awsvpcConfiguration.securityGroups`), on the container port — must admit one of the load balancer's
 * groups (or an address of its interfaces); otherwise health checks time out (Target.Timeout), as in a
 * VPC (ELB User Guide, "Security groups for your Application Load Balancer"; ECS Developer Guide,
 * awsvpc network mode: the task's interface carries the service's security groups). An `ip` target no
 * local task stands behind has no groups to apply.
 */
export function reachesTarget(
  elb: Elbv2State,
  targetGroupArn: string,
  targetId: string,
  port: number,
): boolean {
  const ec2 = ec2Backend(elb.cloud, elb.accountId, elb.region);
  let groupIds: readonly string[];
  let checkedPort = port;
  if (targetId.startsWith('i-')) {
    const instance = ec2.instances.get(targetId);
    if (!instance) return true; // not an instance of this EC2 (RegisterTargets does not check): no groups to apply
    groupIds = instance.securityGroupIds;
  } else {
    const endpoint = elb.localIpEndpoints.get(`${targetId}:${port}`);
    const eni = endpoint ? ec2.networkInterfaces.ownedBy(endpoint.interfaceOwner)[0] : undefined;
    if (!endpoint || !eni) return true;
    groupIds = eni.groupIds;
    checkedPort = endpoint.port;
  }
  return elb.routing.loadBalancerArnsOf(targetGroupArn).some((lbArn) => {
    const lb = elb.loadBalancers.get(lbArn);
    if (!lb) return false;
    const addresses = ec2.networkInterfaces.ownedBy(lbArn).map((eni) => eni.privateIpAddress);
    return [undefined, ...addresses].some((address) =>
      ec2.groupStore.ingressAllows(groupIds, checkedPort, {
        groupIds: lb.securityGroups,
        ...(address === undefined ? {} : { address }),
      }),
    );
  });
}

/**
 * Publishes one request to CloudWatch as the load balancer's `RequestCount` (namespace `AWS/ApplicationELB`,
 * value 1, unit Count), under the dimensions ELB publishes it with: `LoadBalancer` (the ARN suffix
 * `app/<name>/<id>`) and `TargetGroup` + `LoadBalancer` (`targetgroup/<name>/<id>`) — ELB User Guide,
 * "CloudWatch metrics for your Application Load Balancer" (the AvailabilityZone dimensions are not modeled).
 * A forward to several weighted groups counts only for the load balancer.
 */
export function countRequest(elb: Elbv2State, loadBalancerArn: string, targetGroupArns: string): void {
  const loadBalancer = /:loadbalancer\/(.+)$/.exec(loadBalancerArn)?.[1];
  if (loadBalancer === undefined) return;
  const metrics = cloudWatchBackend(elb.cloud, elb.accountId, elb.region);
  metrics.record('AWS/ApplicationELB', 'RequestCount', { LoadBalancer: loadBalancer }, 1, 'Count');
  const targetGroup = targetGroupArns.includes(',')
    ? undefined
    : /:(targetgroup\/.+)$/.exec(targetGroupArns)?.[1];
  if (targetGroup !== undefined) {
    metrics.record(
      'AWS/ApplicationELB',
      'RequestCount',
      { TargetGroup: targetGroup, LoadBalancer: loadBalancer },
      1,
      'Count',
    );
  }
}

/** Picks the listener action for a request (rules by priority, then the default) and its healthy targets. */
export function route(elb: Elbv2State, listener: Listener, host: string, path: string): ProxyDecision {
  const rule = listener.rules.find((r) => r.conditions.every((c) => conditionMatches(c, host, path)));
  const actions = rule ? rule.actions : listener.defaultActions;
  const action = [...actions].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))[0];
  if (!action) return { kind: 'fixed', status: 503, contentType: 'text/plain', body: '' };
  if (action.type === 'fixed-response' && action.fixedResponse) {
    return {
      kind: 'fixed',
      status: Number(action.fixedResponse.statusCode),
      contentType: action.fixedResponse.contentType ?? 'text/plain',
      body: action.fixedResponse.messageBody ?? '',
    };
  }
  const tgArns = routedTargetGroups(action);
  const lambdaGroup = tgArns.length === 1 ? elb.targetGroups.get(tgArns[0] as string) : undefined;
  if (lambdaGroup?.targetType === 'lambda') {
    const functionArn = lambdaGroup.lambdaTargets[0];
    return { kind: 'lambda', targetGroupArn: lambdaGroup.arn, ...(functionArn ? { functionArn } : {}) };
  }
  const targets = tgArns.flatMap((a) => elb.targetGroups.get(a)?.tracker.healthyTargets() ?? []);
  return { kind: 'forward', targetGroupArn: tgArns.join(','), targets };
}

/** The front-door listener of an ALB: port 80 if there is one, else the lowest port. */
export function frontDoorListener(elb: Elbv2State, dnsName: string): Listener | undefined {
  const lb = [...elb.loadBalancers.values()].find((l) => l.dnsName === dnsName && !l.deleting);
  if (!lb) return undefined;
  const listeners = [...elb.listeners.values()]
    .filter((l) => l.loadBalancerArn === lb.arn)
    .sort((a, b) => (a.port === 80 ? -1 : b.port === 80 ? 1 : a.port - b.port));
  return listeners[0];
}

function conditionMatches(condition: Condition, host: string, path: string): boolean {
  if (condition.field === 'host-header') return condition.values.some((v) => globMatch(v, host));
  if (condition.field === 'path-pattern') return condition.values.some((v) => globMatch(v, path, true));
  return false;
}
