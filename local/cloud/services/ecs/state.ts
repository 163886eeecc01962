import type { Cloud } from '../../core/cloud.ts';
import type { ServiceScheduler } from '../../dataplane/scheduler.ts';
import type { AutoScalingGroup } from '../autoscaling/model.ts';
import type {
  CapacityProvider,
  Cluster,
  ContainerInstance,
  Service,
  Tags,
  Task,
  TaskDefinition,
} from './model.ts';

/**
 * The ECS state of one account and region, as the modules that implement the API read and change
 * it (clusters.ts, capacity-providers.ts, task-definitions.ts, services.ts, container-instances.ts).
 * `EcsBackend` holds it; the modules take it as their first parameter and never import the
 * backend, so they import each other without an import circle.
 */
export interface EcsState {
  readonly cloud: Cloud;
  readonly accountId: string;
  readonly region: string;
  readonly clusters: Map<string, Cluster>;
  readonly capacityProviders: Map<string, CapacityProvider>;
  /** The revisions of each family, by family name (revision n at index n − 1). */
  readonly taskDefinitions: Map<string, TaskDefinition[]>;
  readonly containerInstances: Map<string, ContainerInstance>;
  /** Services by `<cluster name>/<service name>`. */
  readonly services: Map<string, Service>;
  readonly tasks: Map<string, Task>;
  /** Tags by resource ARN; an ARN present here names a taggable resource. */
  readonly tags: Map<string, Tags>;
  /** The data plane: places and runs tasks, rolls deployments. */
  readonly scheduler: ServiceScheduler;
  /** Container-instance registrations waiting for their delay, by EC2 instance id (cancel functions). */
  readonly pendingRegistrations: Map<string, () => void>;
  /** `arn:aws:ecs:<region>:<account>:<kind>/<rest>`. */
  arn(kind: string, rest: string): string;
  /** Starts a new resource's window of eventual consistency (see `EcsBackend.describable`). */
  markCreated(arn: string): void;
  createServiceLinkedRole(): void;
  serviceLinkedRoleUsable(): boolean;
  /** The Auto Scaling group behind an ARN or name. */
  autoScalingGroup(nameOrArn: string): AutoScalingGroup | undefined;
}

/** The last path part of an ARN, or the value itself. */
export function nameOf(value: string): string {
  return value.startsWith('arn:') ? (value.split('/').pop() ?? value) : value;
}
