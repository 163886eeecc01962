import type { ObservedSchedules } from './schedules.ts';

/**
 * What adapters observe of an environment in AWS. Core plans and assessments take these
 * plain shapes; adapters fill them. Every resource carries its tags so ownership can be checked.
 */
export type Tags = Readonly<Record<string, string>>;

/** A network interface that lists a security group (and so keeps it from being deleted). */
export interface ObservedNetworkInterface {
  readonly id: string;
  /** `ELB app/<name>/<id>` for an ALB's, `arn:aws:ecs:…:attachment/…` for an awsvpc task's, '' for an instance's. */
  readonly description: string;
  /** `in-use` (attached) or `available` (detached, not deleted yet). */
  readonly status: string;
  readonly requesterManaged: boolean;
  readonly instanceId?: string;
}

/** One TCP ingress permission of a security group: a port range from a CIDR or from another group. */
export interface ObservedIngress {
  readonly from: number;
  readonly to: number;
  readonly cidr?: string;
  readonly groupId?: string;
}

export interface ObservedSecurityGroup {
  readonly id: string;
  readonly name: string;
  readonly tags: Tags;
  /** Interfaces that list the group (observed for teardown): while any is left, EC2 refuses the delete. */
  readonly networkInterfaces?: readonly ObservedNetworkInterface[];
  /** TCP ingress permissions, one entry per source (adapters fill it when they read the group's rules). */
  readonly ingress?: readonly ObservedIngress[];
}

export interface ObservedTarget {
  readonly id: string;
  readonly port: number;
  /** AWS target health state: initial | healthy | unhealthy | unused | draining | unavailable */
  readonly state: string;
  /** AWS reason code, e.g. Target.ResponseCodeMismatch, Elb.RegistrationInProgress */
  readonly reason?: string;
  readonly description?: string;
}

export interface ObservedTargetGroup {
  readonly arn: string;
  readonly name: string;
  readonly tags: Tags;
  readonly loadBalancerArns: readonly string[];
  readonly targets: readonly ObservedTarget[];
}

export interface ObservedLoadBalancer {
  readonly arn: string;
  readonly name: string;
  readonly dnsName: string;
  /** provisioning | active | active_impaired | failed */
  readonly state: string;
  /** ISO time of CreateLoadBalancer (DescribeLoadBalancers `CreatedTime`). */
  readonly createdTime?: string;
  readonly tags: Tags;
}

export interface ObservedListener {
  readonly arn: string;
  readonly port: number;
  /** The target groups its default action forwards to (when the adapter reads them). */
  readonly forwardsTo?: readonly string[];
}

export interface ObservedListenerRule {
  readonly arn: string;
  readonly priority: string;
  readonly tags: Tags;
  /** Non-default rules on the listener, this one included (the environments sharing its load balancer). */
  readonly rulesOnListener?: number;
  /** The target groups its action forwards to (when the adapter reads them). */
  readonly forwardsTo?: readonly string[];
}

export interface ObservedCluster {
  readonly arn: string;
  readonly name: string;
  /** ACTIVE | PROVISIONING | DEPROVISIONING | FAILED | INACTIVE */
  readonly status: string;
  readonly tags: Tags;
  readonly registeredContainerInstances: number;
  readonly activeServices: number;
  readonly runningTasks: number;
  readonly capacityProviders: readonly string[];
  /**
   * Capacity-provider attachments not yet deleted (DescribeClusters include ATTACHMENTS). Detaching a
   * provider is asynchronous: its attachment stays `DELETING` for a while after
   * PutClusterCapacityProviders, and DeleteCluster fails meanwhile.
   */
  readonly attachments?: readonly ObservedClusterAttachment[];
}

interface ObservedClusterAttachment {
  readonly capacityProvider: string;
  /** PRECREATED | CREATED | DELETING | … */
  readonly status: string;
}

export interface ObservedCapacityProvider {
  readonly name: string;
  readonly arn: string;
  /** PROVISIONING | ACTIVE | INACTIVE | … */
  readonly status: string;
  /** DELETE_IN_PROGRESS (pending), DELETE_FAILED (with `updateStatusReason`), CREATE_COMPLETE, … */
  readonly updateStatus?: string;
  readonly updateStatusReason?: string;
  /** The Auto Scaling group it scales (a replaced group has another ARN). */
  readonly autoScalingGroupArn?: string;
  readonly tags: Tags;
}

interface ObservedInstance {
  readonly id: string;
  /** Pending | InService | Terminating | Terminated | … */
  readonly lifecycleState: string;
  readonly protectedFromScaleIn: boolean;
}

export interface ObservedAutoScalingGroup {
  readonly name: string;
  readonly arn: string;
  readonly desiredCapacity: number;
  readonly minSize: number;
  readonly maxSize: number;
  readonly instances: readonly ObservedInstance[];
  /** Set while AWS is deleting the group. */
  readonly status?: string;
  readonly tags: Tags;
  /** ISO time of CreateAutoScalingGroup (DescribeAutoScalingGroups `CreatedTime`). */
  readonly createdTime?: string;
}

export interface ObservedLaunchTemplate {
  readonly id: string;
  readonly name: string;
  readonly tags: Tags;
}

export interface ObservedDeployment {
  readonly id: string;
  /** PRIMARY | ACTIVE | INACTIVE */
  readonly status: string;
  /** IN_PROGRESS | COMPLETED | FAILED */
  readonly rolloutState?: string;
  readonly rolloutStateReason?: string;
  readonly taskDefinition: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly failedTasks: number;
}

export interface ObservedService {
  readonly arn: string;
  readonly name: string;
  /** ACTIVE | DRAINING | INACTIVE */
  readonly status: string;
  readonly desiredCount: number;
  readonly runningCount: number;
  readonly pendingCount: number;
  readonly taskDefinition: string;
  readonly deployments: readonly ObservedDeployment[];
  readonly tags: Tags;
  /**
   * Messages of the service's most recent events, newest first (adapters keep a few, plus the
   * newest `(service x) (instance i-1) (port 32768) is unhealthy in (target-group arn) due to
   * (reason …).` event when it is older than those).
   */
  readonly events?: readonly string[];
}

export interface ObservedTask {
  readonly arn: string;
  /** PROVISIONING | PENDING | RUNNING | DEPROVISIONING | STOPPED */
  readonly lastStatus: string;
  readonly taskDefinitionArn: string;
  /** ISO time the task reached RUNNING (its targets are registered then). */
  readonly startedAt?: string;
  readonly stoppedReason?: string;
  readonly stopCode?: string;
}

export interface ObservedTaskDefinition {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  /** ACTIVE | INACTIVE */
  readonly status: string;
  readonly image?: string;
  /** Task-level CPU units, when the adapter reads them. */
  readonly cpu?: number;
  /** Task-level (or container hard) memory in MiB. */
  readonly memory?: number;
  /** Container soft memory limit in MiB. */
  readonly memoryReservation?: number;
  readonly containerPort?: number;
  /** bridge | awsvpc | host */
  readonly networkMode?: string;
  /**
   * Launch types the revision runs on: its `requiresCompatibilities`, else what ECS computed in
   * `compatibilities` (EC2 when neither is reported). Filled when the revision is described.
   */
  readonly launchTypes?: readonly string[];
  /** The `awslogs-group` its container logs to (`''`: none), when the adapter describes the revision. */
  readonly logGroup?: string;
}

export interface ObservedProbe {
  readonly url: string;
  readonly status?: number;
  readonly error?: string;
  readonly body?: string;
}

/** The environment's CloudWatch Logs group (`/berth/<env>`). */
export interface ObservedLogGroup {
  readonly name: string;
  /** `logGroupArn` (without `:*`). */
  readonly arn: string;
  readonly tags: Tags;
  readonly retentionInDays?: number;
}

/** Everything Berth can see of one environment; a missing key means the resource does not exist. */
/** Which scaling activities of an Application Auto Scaling target are suspended (AWS `SuspendedState`). */
export interface ScalingSuspension {
  readonly dynamicScalingInSuspended: boolean;
  readonly dynamicScalingOutSuspended: boolean;
  readonly scheduledScalingSuspended: boolean;
}

/**
 * The service's Application Auto Scaling target (`ecs:service:DesiredCount`, resource id
 * `service/<cluster>/<service>`), when someone registered one: its bounds and what is suspended. It has no
 * tags of Berth's (a user registers it), so it is recognised by its resource id.
 */
export interface ObservedScalableTarget {
  readonly resourceId: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly suspended: ScalingSuspension;
}

export interface ObservedEnvironment {
  readonly env: string;
  readonly securityGroups: {
    readonly alb?: ObservedSecurityGroup;
    readonly instances?: ObservedSecurityGroup;
  };
  readonly targetGroup?: ObservedTargetGroup;
  /** The `lambda` target group that serves the waking page while the environment is paused. */
  readonly wakeTargetGroup?: ObservedTargetGroup;
  readonly loadBalancer?: ObservedLoadBalancer;
  readonly listener?: ObservedListener;
  readonly listenerRule?: ObservedListenerRule;
  readonly cluster?: ObservedCluster;
  readonly capacityProvider?: ObservedCapacityProvider;
  readonly autoScalingGroup?: ObservedAutoScalingGroup;
  readonly launchTemplate?: ObservedLaunchTemplate;
  readonly service?: ObservedService;
  /** Observed by pause and resume only. */
  readonly scalableTarget?: ObservedScalableTarget;
  readonly tasks?: readonly ObservedTask[];
  readonly taskDefinitions?: readonly ObservedTaskDefinition[];
  readonly logGroup?: ObservedLogGroup;
  /** The environment's sleep/wake schedules (EventBridge Scheduler), when observed. */
  readonly schedules?: ObservedSchedules;
  readonly probe?: ObservedProbe;
}
