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

/** `arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`. */
export function autoScalingGroupArn(
  region: string,
  account: string,
  name: string,
  id: string = uuid(),
): string {
  return `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:${id}:autoScalingGroupName/${name}`;
}

/** The parts of an Auto Scaling group ARN ({@link autoScalingGroupArn}'s format). */
export interface AutoScalingGroupArnParts {
  region: string;
  account: string;
  id: string;
  name: string;
}

const AUTO_SCALING_GROUP_ARN =
  /^arn:aws[a-z-]*:autoscaling:([a-z0-9-]+):(\d{12}):autoScalingGroup:([0-9a-f-]+):autoScalingGroupName\/(.+)$/;

/**
 * Parses `arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`;
 * undefined for anything else (a plain group name, another service's ARN). The one parser of group ARNs:
 * the ECS backend (a capacity provider's `autoScalingGroupArn`) and the Auto Scaling backend both use it.
 */
export function parseAutoScalingGroupArn(value: string): AutoScalingGroupArnParts | undefined {
  const m = AUTO_SCALING_GROUP_ARN.exec(value);
  if (!m) return undefined;
  const [, region, account, id, name] = m as unknown as [string, string, string, string, string];
  return { region, account, id, name };
}

/** A private IPv4 address inside `cidr` (a /16 or /24 style base such as 10.0.1.0/24). */
export function privateIp(cidr: string): string {
  const base = cidr.split('/')[0]?.split('.') ?? ['10', '0', '0', '0'];
  const host = 4 + ((randomBytes(1)[0] ?? 0) % 250);
  return `${base[0]}.${base[1]}.${base[2]}.${host}`;
}
