import type { ObservedEnvironment, ObservedTaskDefinition, Tags } from './observed.ts';
import { scheduleOwnershipTags } from './schedules.ts';
import { assertOwned } from './tags.ts';

/** Human labels of an environment's resources, used in plan steps and ownership errors. */
export const labels = {
  albSecurityGroup: (name: string) => `security group ${name}`,
  instanceSecurityGroup: (name: string) => `security group ${name}`,
  targetGroup: (name: string) => `target group ${name}`,
  loadBalancer: (name: string) => `load balancer ${name}`,
  listener: (port: number, loadBalancer: string) => `listener :${port} of ${loadBalancer}`,
  listenerRule: (priority: string | number) => `listener rule (priority ${priority}) on the shared listener`,
  cluster: (name: string) => `ECS cluster ${name}`,
  launchTemplate: (name: string) => `launch template ${name}`,
  autoScalingGroup: (name: string) => `Auto Scaling group ${name}`,
  capacityProvider: (name: string) => `capacity provider ${name}`,
  taskDefinition: (family: string, revision?: number) =>
    revision === undefined ? `task definition ${family}` : `task definition ${family}:${revision}`,
  service: (name: string) => `ECS service ${name}`,
  logGroup: (name: string) => `log group ${name}`,
  schedule: (group: string, name: string) => `schedule ${group}/${name}`,
} as const;

/** Present resources that carry tags, with their labels (ECS clusters/services that are INACTIVE are gone). */
function taggedResources(observed: ObservedEnvironment): { label: string; tags: Tags }[] {
  const found: { label: string; tags: Tags }[] = [];
  const add = (
    resource: { readonly name: string; readonly tags: Tags } | undefined,
    label: (name: string) => string,
  ) => {
    if (resource) found.push({ label: label(resource.name), tags: resource.tags });
  };
  const { securityGroups: sg } = observed;
  add(sg.alb, labels.albSecurityGroup);
  add(sg.instances, labels.instanceSecurityGroup);
  add(observed.targetGroup, labels.targetGroup);
  add(observed.wakeTargetGroup, labels.targetGroup);
  add(observed.loadBalancer, labels.loadBalancer);
  if (observed.listenerRule) {
    found.push({
      label: labels.listenerRule(observed.listenerRule.priority),
      tags: observed.listenerRule.tags,
    });
  }
  add(clusterPresent(observed) ? observed.cluster : undefined, labels.cluster);
  add(capacityProviderPresent(observed) ? observed.capacityProvider : undefined, labels.capacityProvider);
  add(observed.autoScalingGroup, labels.autoScalingGroup);
  add(observed.launchTemplate, labels.launchTemplate);
  add(servicePresent(observed) ? observed.service : undefined, labels.service);
  add(observed.logGroup, labels.logGroup);
  const schedules = observed.schedules;
  if (schedules) {
    for (const schedule of [schedules.sleep, schedules.wake]) {
      if (schedule === undefined) continue;
      found.push({
        label: labels.schedule(schedules.group, schedule.name),
        tags: scheduleOwnershipTags(schedules, schedule),
      });
    }
  }
  return found;
}

/** Throws `OwnershipConflictError` for the first present resource not tagged as `observed.env`'s. */
export function assertAllOwned(observed: ObservedEnvironment): void {
  for (const resource of taggedResources(observed)) assertOwned(resource.label, resource.tags, observed.env);
}

/** ECS keeps deleted clusters as INACTIVE for a while: they count as gone. */
export const clusterPresent = (observed: ObservedEnvironment): boolean =>
  observed.cluster !== undefined && observed.cluster.status !== 'INACTIVE';

/** ECS keeps deleted services as INACTIVE (and DRAINING while deleting). INACTIVE counts as gone. */
export const servicePresent = (observed: ObservedEnvironment): boolean =>
  observed.service !== undefined && observed.service.status !== 'INACTIVE';

/** Deleted capacity providers stay INACTIVE for a while: they count as gone. */
export const capacityProviderPresent = (observed: ObservedEnvironment): boolean =>
  observed.capacityProvider !== undefined && observed.capacityProvider.status !== 'INACTIVE';

/** ACTIVE task definition revisions, oldest first. */
export const activeRevisions = (observed: ObservedEnvironment): ObservedTaskDefinition[] =>
  (observed.taskDefinitions ?? [])
    .filter((definition) => definition.status === 'ACTIVE')
    .sort((a, b) => a.revision - b.revision);

/** The newest ACTIVE task definition revision, if any. */
export const latestRevision = (observed: ObservedEnvironment): ObservedTaskDefinition | undefined =>
  activeRevisions(observed).at(-1);
