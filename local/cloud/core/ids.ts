import { randomBytes, randomUUID } from 'node:crypto';

/** `n` random lowercase hex characters. */
export function hex(n: number): string {
  return randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
}

/** A resource id in AWS's 17-hex format: `sg-0123…`, `i-…`, `lt-…`. */
export function resourceId(
  prefix: 'sg' | 'i' | 'lt' | 'subnet' | 'vpc' | 'eni' | 'ami' | 'igw' | 'rtb' | 'rtbassoc' | 'sgr' | 'acl',
): string {
  return `${prefix}-${hex(17)}`;
}

/** A request id (UUID). */
export function requestId(): string {
  return randomUUID();
}

/** A UUID. */
export function uuid(): string {
  return randomUUID();
}

export const ecsArn = {
  cluster: (region: string, account: string, name: string) =>
    `arn:aws:ecs:${region}:${account}:cluster/${name}`,
  service: (region: string, account: string, cluster: string, name: string) =>
    `arn:aws:ecs:${region}:${account}:service/${cluster}/${name}`,
  task: (region: string, account: string, cluster: string, id: string = hex(32)) =>
    `arn:aws:ecs:${region}:${account}:task/${cluster}/${id}`,
  taskDefinition: (region: string, account: string, family: string, revision: number) =>
    `arn:aws:ecs:${region}:${account}:task-definition/${family}:${revision}`,
  containerInstance: (region: string, account: string, cluster: string, id: string = hex(32)) =>
    `arn:aws:ecs:${region}:${account}:container-instance/${cluster}/${id}`,
  capacityProvider: (region: string, account: string, name: string) =>
    `arn:aws:ecs:${region}:${account}:capacity-provider/${name}`,
};

export const elbv2Arn = {
  loadBalancer: (region: string, account: string, name: string, id: string = hex(16)) =>
    `arn:aws:elasticloadbalancing:${region}:${account}:loadbalancer/app/${name}/${id}`,
  targetGroup: (region: string, account: string, name: string, id: string = hex(16)) =>
    `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${name}/${id}`,
  /** `lbArn` is the load balancer's ARN; the listener id is appended. */
  listener: (lbArn: string, id: string = hex(16)) => `${lbArn.replace(':loadbalancer/', ':listener/')}/${id}`,
  /** `listenerArn` is the listener's ARN; the rule id is appended. */
  listenerRule: (listenerArn: string, id: string = hex(16)) =>
    `${listenerArn.replace(':listener/', ':listener-rule/')}/${id}`,
};

/** `arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`. */
export function autoScalingGroupArn(
  region: string,
  account: string,
  name: string,
  id: string = uuid(),
): string {
  return `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:${id}:autoScalingGroupName/${name}`;
}

/** A private IPv4 address inside `cidr` (a /16 or /24 style base such as 10.0.1.0/24). */
export function privateIp(cidr: string): string {
  const base = cidr.split('/')[0]?.split('.') ?? ['10', '0', '0', '0'];
  const host = 4 + ((randomBytes(1)[0] ?? 0) % 250);
  return `${base[0]}.${base[1]}.${base[2]}.${host}`;
}
