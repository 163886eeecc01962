import { hex } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { BASE_DELAYS } from '../../core/time-profile.ts';
import { ec2Backend } from '../ec2/backend.ts';
import { removeListener } from './listeners.ts';
import { type LoadBalancer, type Tags, validation } from './model.ts';
import { type Elbv2State, getLoadBalancer } from './state.ts';

/**
 * ELBv2 load balancers: creation (subnets, zones, groups; `provisioning`, then `active`), lookup,
 * deletion (listeners first; its network interfaces outlive it) and attributes.
 */

const DEFAULT_LB_ATTRIBUTES: Record<string, string> = {
  'deletion_protection.enabled': 'false',
  'idle_timeout.timeout_seconds': '60',
  'routing.http2.enabled': 'true',
  'access_logs.s3.enabled': 'false',
};

export function createLoadBalancer(
  elb: Elbv2State,
  input: {
    name: string;
    subnets: string[];
    securityGroups: string[];
    scheme?: string;
    type?: string;
    ipAddressType?: string;
    tags?: Tags;
  },
): LoadBalancer {
  const { name } = input;
  if (!name) throw validation('A load balancer name must be specified');
  if (name.length > 32)
    throw validation(`Load balancer name '${name}' cannot be longer than '32' characters`);
  if (!/^[a-zA-Z0-9-]+$/.test(name))
    throw validation(`Load balancer name '${name}' must contain only alphanumeric characters or hyphens`);
  if (name.startsWith('-') || name.endsWith('-'))
    throw validation(`Load balancer name '${name}' cannot begin or end with '-' character`);
  if (name.startsWith('internal-'))
    throw validation(`Load balancer name '${name}' cannot begin with 'internal-'`);
  const type = input.type ?? 'application';
  const scheme = input.scheme ?? 'internet-facing';
  const ec2 = ec2Backend(elb.cloud, elb.accountId, elb.region);
  const zones: { subnetId: string; zoneName: string }[] = [];
  const vpcs = new Set<string>();
  for (const subnetId of input.subnets) {
    const subnet = ec2.getSubnet(subnetId);
    if (!subnet) throw new ServiceError('SubnetNotFound', `The subnet ID '${subnetId}' is not valid`);
    if (zones.some((z) => z.zoneName === subnet.availabilityZone))
      throw new ServiceError(
        'InvalidConfigurationRequest',
        'A load balancer cannot be attached to multiple subnets in the same Availability Zone',
      );
    zones.push({ subnetId, zoneName: subnet.availabilityZone });
    vpcs.add(subnet.vpcId);
  }
  if (type === 'application' && zones.length < 2)
    throw validation('At least two subnets in two different Availability Zones must be specified');
  if (zones.length === 0) throw validation('At least one subnet must be specified');
  if (vpcs.size > 1)
    throw new ServiceError('InvalidConfigurationRequest', 'The subnets must all belong to the same VPC');
  for (const sg of input.securityGroups) {
    if (!ec2.getSecurityGroup(sg))
      throw new ServiceError('InvalidSecurityGroup', `Security group '${sg}' does not exist`);
  }
  const existing = [...elb.loadBalancers.values()].find((lb) => lb.name === name);
  if (existing) {
    const same =
      existing.scheme === scheme &&
      existing.type === type &&
      existing.zones
        .map((z) => z.subnetId)
        .sort()
        .join() === [...input.subnets].sort().join() &&
      existing.securityGroups.slice().sort().join() === [...input.securityGroups].sort().join();
    if (same && !existing.deleting) return existing;
    throw new ServiceError(
      'DuplicateLoadBalancerName',
      `A load balancer with the same name '${name}' exists, but with different settings`,
    );
  }
  const id = hex(16);
  const arn = `arn:aws:elasticloadbalancing:${elb.region}:${elb.accountId}:loadbalancer/${type === 'network' ? 'net' : 'app'}/${name}/${id}`;
  const digits = String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)).slice(0, 10);
  const dnsName =
    `${scheme === 'internal' ? 'internal-' : ''}${name}-${digits}.${elb.region}.elb.localhost`.toLowerCase();
  const lb: LoadBalancer = {
    arn,
    name,
    dnsName,
    scheme,
    type,
    ipAddressType: input.ipAddressType ?? 'ipv4',
    vpcId: [...vpcs][0] ?? '',
    zones,
    securityGroups: [...input.securityGroups],
    state: 'provisioning',
    createdTime: elb.cloud.clock.now(),
    attributes: { ...DEFAULT_LB_ATTRIBUTES },
    deleting: false,
  };
  for (const z of zones) ec2.holdSubnet(z.subnetId, arn); // its ENIs: DeleteSubnet → DependencyViolation
  // Its network interfaces (one per subnet) hold the security groups, and outlive it (deleteLoadBalancer).
  ec2.createLoadBalancerInterfaces(
    arn,
    zones.map((z) => z.subnetId),
    lb.securityGroups,
  );
  lb.cancel = elb.cloud.clock.timer(BASE_DELAYS.albProvisioning, () => {
    lb.state = 'active';
  });
  elb.loadBalancers.set(arn, lb);
  elb.tags.set(arn, { ...(input.tags ?? {}) });
  elb.registerDnsName(dnsName);
  return lb;
}

export function describeLoadBalancers(elb: Elbv2State, arns: string[], names: string[]): LoadBalancer[] {
  const all = [...elb.loadBalancers.values()];
  if (arns.length > 0) return arns.map((a) => getLoadBalancer(elb, a));
  if (names.length > 0)
    return names.map((n) => {
      const lb = all.find((l) => l.name === n);
      if (!lb) throw new ServiceError('LoadBalancerNotFound', `Load balancers '[${n}]' not found`);
      return lb;
    });
  return all;
}

export function deleteLoadBalancer(elb: Elbv2State, arn: string): void {
  const lb = elb.loadBalancers.get(arn);
  if (!lb || lb.deleting) return;
  if (lb.attributes['deletion_protection.enabled'] === 'true')
    throw new ServiceError(
      'OperationNotPermitted',
      `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`,
    );
  for (const listener of [...elb.listeners.values()]) {
    if (listener.loadBalancerArn === arn) removeListener(elb, listener);
  }
  lb.deleting = true;
  lb.cancel?.();
  elb.unregisterDnsName(lb.dnsName);
  lb.cancel = elb.cloud.clock.timer(BASE_DELAYS.albDeletion, () => {
    elb.loadBalancers.delete(arn);
    elb.tags.delete(arn);
    // Gone from DescribeLoadBalancers, but its interfaces stay (`available`) for minutes more,
    // so DeleteSecurityGroup (and DeleteSubnet) still answer DependencyViolation (terraform-provider-aws issue #40).
    const ec2 = ec2Backend(elb.cloud, elb.accountId, elb.region);
    ec2.networkInterfaces.release(arn, BASE_DELAYS.albNetworkInterfaceRelease, () => {
      for (const z of lb.zones) ec2.releaseSubnet(z.subnetId, arn);
    });
  });
}

export function modifyLoadBalancerAttributes(
  elb: Elbv2State,
  arn: string,
  attributes: Record<string, string>,
): Record<string, string> {
  const lb = getLoadBalancer(elb, arn);
  Object.assign(lb.attributes, attributes);
  return lb.attributes;
}
