import type { Cloud } from '../core/cloud.ts';
import type { AutoScalingGroup } from '../services/autoscaling/model.ts';
import type {
  CapacityProvider,
  Cluster,
  ContainerInstance,
  Deployment,
  Service,
  Tags,
  Task,
  TaskDefinition,
} from '../services/ecs/model.ts';

/**
 * What the scheduler needs from the ECS control plane of its account and region. The ECS
 * backend implements it and hands itself to the scheduler, so the scheduler never imports the
 * backend's module (no import circle between the control plane and the data plane).
 */
export interface SchedulerHost {
  readonly cloud: Cloud;
  readonly accountId: string;
  readonly region: string;
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly capacityProviders: ReadonlyMap<string, CapacityProvider>;
  readonly containerInstances: ReadonlyMap<string, ContainerInstance>;
  readonly services: ReadonlyMap<string, Service>;
  readonly tasks: Map<string, Task>;
  readonly tags: Map<string, Tags>;
  addServiceEvent(service: Service, message: string): void;
  newDeployment(service: Service, taskDefinitionArn: string, reason?: string): Deployment;
  findTaskDefinition(ref: string): TaskDefinition | undefined;
  autoScalingGroup(nameOrArn: string): AutoScalingGroup | undefined;
}
