/** Named speeds of the local cloud: real delay = AWS-like base delay × factor. */
export type TimeProfileName = 'instant' | 'fast' | 'realistic';

export interface TimeProfile {
  name: TimeProfileName;
  factor: number;
}

/** AWS-like durations (ms) of the slow things the emulator models. */
export const BASE_DELAYS = {
  albProvisioning: 180_000,
  albDeletion: 30_000,
  instanceBoot: 60_000,
  instanceTermination: 30_000,
  containerInstanceRegistration: 5_000,
  imagePull: 10_000,
  taskStart: 3_000,
  taskStop: 2_000,
  /**
   * An ALB's network interfaces outlive it by minutes (terraform-provider-aws issue #40: "some
   * minutes"; iasql PR #654 waits up to 20 minutes): time from the ALB being gone to its interfaces
   * being deleted.
   */
  albNetworkInterfaceRelease: 240_000,
  /**
   * EC2 eventual consistency: for this long after `CreateSecurityGroup`, calls naming the new group
   * by id (`AuthorizeSecurityGroupIngress`, `DescribeSecurityGroups --group-ids`, a rule's source
   * group) answer `InvalidGroup.NotFound` (EC2 developer guide, "Eventual consistency in the Amazon
   * EC2 API": retry with backoff "starting with a couple of seconds").
   */
  securityGroupPropagation: 5_000,
  /**
   * Auto Scaling eventual consistency: for this long after `CreateAutoScalingGroup`,
   * `DescribeAutoScalingGroups` does not list the new group (terraform-provider-aws PR #40088,
   * "autoscaling/group: Handle eventual consistency").
   */
  autoScalingGroupPropagation: 3_000,
  /**
   * ECS eventual consistency: for this long after `CreateCluster`, `CreateCapacityProvider` or
   * `CreateService`, the describe calls naming the new resource (`DescribeClusters`,
   * `DescribeCapacityProviders`, `DescribeServices`) answer it as a `failures` entry with reason
   * `MISSING` instead of describing it (ECS API reference: "The Amazon ECS API follows an eventual
   * consistency model … the result of an API command you run that affects your Amazon ECS resources
   * might not be immediately visible to all subsequent commands you run"; terraform-provider-aws
   * PR #11701 "ECS cluster … missing" right after CreateCluster, PR #3387 and issue #24565 for
   * DescribeServices right after CreateService; reproio/ecs_deploy issue #60, the services-stable
   * waiter failing on MISSING for a new service).
   */
  ecsResourcePropagation: 5_000,
  /** An `awsvpc` task's interface is detached when the task stops and deleted about a minute later. */
  taskNetworkInterfaceRelease: 60_000,
  /**
   * A new capacity provider is not ACTIVE at once: PutClusterCapacityProviders answers
   * InvalidParameterException "… is not in an ACTIVE state" meanwhile (terraform-provider-aws
   * PRs #45567, #45795, issue #45693).
   */
  capacityProviderActivation: 5_000,
  /**
   * Cluster attachments (the managed-scaling policy of an Auto Scaling group provider) are created
   * and deleted asynchronously after PutClusterCapacityProviders; DeleteCluster meanwhile answers
   * ClientException (terraform-provider-aws PR #45794).
   */
  capacityProviderAttachment: 20_000,
  /** DeleteCapacityProvider: DELETE_IN_PROGRESS until the provider turns INACTIVE. */
  capacityProviderDeletion: 15_000,
  /**
   * The ECS service-linked role, created by the account's first CreateCluster, is not usable at
   * once: CreateCapacityProvider answers "ECS Service Linked Role does not exist" meanwhile
   * (aws/containers-roadmap #631).
   */
  serviceLinkedRolePropagation: 15_000,
  /**
   * Managed scaling scales in after its low-utilisation CloudWatch alarm held for 15 one-minute
   * data points (ECS developer guide, cluster auto scaling).
   */
  managedScaleIn: 900_000,
  /**
   * A load balancer's metrics reach CloudWatch in 60-second intervals (ELB User Guide, "CloudWatch metrics for
   * your Application Load Balancer"): a request is readable with GetMetricData up to this long after it passed.
   */
  metricPublication: 60_000,
} as const;

export type DelayName = keyof typeof BASE_DELAYS;

const DEFAULT_FACTORS: Record<TimeProfileName, number> = {
  instant: 0.002,
  fast: 0.01,
  realistic: 1,
};

/** True when `name` is a known profile name. */
export function isTimeProfileName(name: string): name is TimeProfileName {
  return name === 'instant' || name === 'fast' || name === 'realistic';
}

/**
 * Builds a profile. `factor` overrides the profile's default (for `realistic`, it is
 * the given factor, default 1). The factor must be positive: every modeled delay and window of
 * inconsistency exists in every profile, scaled, never zero (issue 9).
 */
export function resolveTimeProfile(name: TimeProfileName = 'instant', factor?: number): TimeProfile {
  if (factor !== undefined && (!Number.isFinite(factor) || factor <= 0)) {
    throw new RangeError(`time factor must be a positive number, got ${factor}`);
  }
  return { name, factor: factor ?? DEFAULT_FACTORS[name] };
}
