/**
 * The ECS data model of the local cloud: resource shapes and pure helpers shared by the ECS
 * backend (control plane) and the data-plane scheduler, so neither imports the other's module.
 */
import { parseAutoScalingGroupArn } from '../../core/ids.ts';
import type { RunningWorkload } from '../../dataplane/workload.ts';

export type Tags = Record<string, string>;

export interface CapacityProviderStrategyItem {
  capacityProvider: string;
  weight: number;
  base: number;
}

export interface Cluster {
  arn: string;
  name: string;
  status: 'ACTIVE' | 'INACTIVE';
  capacityProviders: string[];
  defaultCapacityProviderStrategy: CapacityProviderStrategyItem[];
  settings: { name: string; value: string }[];
  /**
   * The managed-scaling resources ECS attaches per Auto Scaling group capacity provider
   * (`as_policy`). They are created and deleted asynchronously after PutClusterCapacityProviders.
   */
  attachments: ClusterAttachment[];
}

/** A cluster attachment as DescribeClusters (include ATTACHMENTS) shows it. */
export interface ClusterAttachment {
  id: string;
  type: 'as_policy';
  status: 'PRECREATED' | 'CREATED' | 'DELETING' | 'DELETED';
  capacityProviderName: string;
  scalingPolicyName: string;
}

export interface CapacityProvider {
  arn: string;
  name: string;
  /** PROVISIONING right after CreateCapacityProvider, then ACTIVE; INACTIVE once deleted. */
  status: 'PROVISIONING' | 'ACTIVE' | 'INACTIVE';
  autoScalingGroupArn?: string;
  managedScaling?: Record<string, unknown>;
  managedTerminationProtection?: string;
  managedDraining?: string;
  updateStatus?: string;
  updateStatusReason?: string;
  /** Real time (ms) of the first managed-scaling evaluation that found fewer instances needed. */
  lowSince?: number;
  /** AWS time (ms) until which managed scaling waits for the last scale-out. */
  scalingUntil: number;
}

export interface PortMapping {
  containerPort: number;
  hostPort?: number;
  protocol: string;
  name?: string;
}

export interface ContainerDefinition {
  name: string;
  image: string;
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
  essential: boolean;
  portMappings: PortMapping[];
  environment: { name: string; value: string }[];
  [key: string]: unknown;
}

export interface TaskDefinition {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  networkMode: string;
  cpu?: string;
  memory?: string;
  requiresCompatibilities: string[];
  containerDefinitions: ContainerDefinition[];
  registeredAt: Date;
  deregisteredAt?: Date;
  /** Everything else the caller sent (taskRoleArn, executionRoleArn, volumes…), echoed back. */
  extra: Record<string, unknown>;
}

export interface ContainerInstance {
  arn: string;
  id: string;
  clusterName: string;
  ec2InstanceId: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  cpu: number;
  memory: number;
  remainingCpu: number;
  remainingMemory: number;
  usedPorts: Set<number>;
  instanceType: string;
  availabilityZone: string;
  autoScalingGroupName?: string;
  capacityProviderName?: string;
  registeredAt: Date;
  privateIpAddress: string;
}

export interface LoadBalancerRef {
  targetGroupArn: string;
  containerName: string;
  containerPort: number;
}

export interface DeploymentConfig {
  maximumPercent: number;
  minimumHealthyPercent: number;
  circuitBreaker: { enable: boolean; rollback: boolean };
}

export interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinitionArn: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: Date;
  updatedAt: Date;
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  networkConfiguration?: Record<string, unknown>;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
}

interface ServiceEvent {
  id: string;
  createdAt: Date;
  message: string;
}

export interface Service {
  arn: string;
  name: string;
  clusterName: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  taskDefinitionArn: string;
  loadBalancers: LoadBalancerRef[];
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  networkConfiguration?: Record<string, unknown>;
  deploymentConfiguration: DeploymentConfig;
  healthCheckGracePeriodSeconds?: number;
  deployments: Deployment[];
  events: ServiceEvent[];
  createdAt: Date;
  createdBy: string;
  schedulingStrategy: string;
  placementConstraints: unknown[];
  placementStrategy: unknown[];
  enableECSManagedTags: boolean;
  propagateTags: string;
  /** The task definition of the last deployment that completed (circuit-breaker rollback target). */
  lastCompletedTaskDefinitionArn?: string;
  lastCompletedDeploymentId?: string;
  /** False after a change until the service again runs its desired healthy tasks (then a steady-state event). */
  steady?: boolean;
}

export interface TaskContainer {
  arn: string;
  name: string;
  image: string;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
  networkBindings: { bindIP: string; containerPort: number; hostPort: number; protocol: string }[];
  cpu?: number;
  memory?: number;
  memoryReservation?: number;
}

export interface Task {
  arn: string;
  id: string;
  clusterName: string;
  taskDefinitionArn: string;
  taskDefinition: TaskDefinition;
  group: string;
  startedBy?: string;
  serviceName?: string;
  deploymentId?: string;
  launchType: string;
  capacityProviderName?: string;
  containerInstanceArn?: string;
  ec2InstanceId?: string;
  lastStatus: string;
  desiredStatus: 'RUNNING' | 'STOPPED';
  cpu: number;
  memory: number;
  createdAt: Date;
  pullStartedAt?: Date;
  pullStoppedAt?: Date;
  startedAt?: Date;
  connectivityAt?: Date;
  stoppingAt?: Date;
  stoppedAt?: Date;
  stoppedReason?: string;
  stopCode?: string;
  containers: TaskContainer[];
  availabilityZone: string;
  networkMode: string;
  /** Ports reserved on the container instance (released when STOPPED). */
  reservedPorts: number[];
  workloads: RunningWorkload[];
  targets: { targetGroupArn: string; id: string; port: number }[];
  cancels: (() => void)[];
  /** Set once the task was healthy (RUNNING and, with load balancers, healthy targets). */
  wasHealthy: boolean;
  /** Why the task failed (counts for the circuit breaker), if it did. */
  failed: boolean;
  /** Environment name reported by the workload (BERTH_ENV or the family). */
  env?: string;
  overrides: Record<string, unknown>;
}

/** Circuit-breaker threshold: clamp(ceil(0.5 × desired), 3, 200). */
export function circuitBreakerThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(0.5 * desired)));
}

/** `autoScalingGroupName/<name>` part of an ASG ARN (or the value itself). */
export function asgNameOf(arnOrName: string): string {
  return parseAutoScalingGroupArn(arnOrName)?.name ?? arnOrName;
}

/** ECS `[{key, value}]` → record. */
export function tagsFromList(value: unknown): Tags {
  const out: Tags = {};
  if (!Array.isArray(value)) return out;
  for (const t of value) if (t && typeof t.key === 'string') out[t.key] = String(t.value ?? '');
  return out;
}
