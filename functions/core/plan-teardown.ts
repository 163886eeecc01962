import { keepDaysOf, logsExpiry, TAG_LOGS_EXPIRE_AT } from './logs.ts';
import { resourceNames } from './names.ts';
import type {
  ObservedAutoScalingGroup,
  ObservedCluster,
  ObservedEnvironment,
  ObservedNetworkInterface,
} from './observed.ts';
import { NOOP, type PlanAction, plural, type TeardownAction, type TeardownStep, typedStep } from './plan.ts';
import {
  activeRevisions,
  assertAllOwned,
  capacityProviderPresent,
  clusterPresent,
  labels,
  servicePresent,
} from './resources.ts';

/** Stages of the ordered teardown, in order; each teardown handler executes one. */
export const TEARDOWN_STAGES = [
  'service',
  'load-balancer',
  'capacity',
  'cluster',
  'network',
  'task-definitions',
] as const;
export type TeardownStage = (typeof TEARDOWN_STAGES)[number];

/**
 * How long (AWS seconds) teardown waits for a cluster its capacity resources show was created but
 * `DescribeClusters` answers `MISSING`: ECS's propagation takes seconds; a cluster still missing after
 * this is taken as really gone (AWS forgets an INACTIVE cluster after a while), so the rest goes on.
 */
export const CLUSTER_PROPAGATION_WAIT_SECONDS = 120;
const step = (
  stage: TeardownStage,
  action: PlanAction,
  resource: string,
  reason: string,
  todo: TeardownAction,
): TeardownStep & { readonly stage: TeardownStage } => typedStep(stage, action, resource, reason, todo);

/**
 * What still holds a security group, for the wait reason and a timeout:
 * `still used by 2 network interfaces: eni-1 (ELB app/berth-demo-alb/50dc6c495c0c9188, available), eni-2 (instance i-0abc, in-use)`.
 */
function describeHolders(interfaces: readonly ObservedNetworkInterface[], shown = 3): string {
  const what = (eni: ObservedNetworkInterface): string => {
    const owner =
      eni.instanceId !== undefined
        ? `instance ${eni.instanceId}`
        : eni.description !== ''
          ? eni.description
          : eni.requesterManaged
            ? 'requester-managed'
            : 'unattached';
    return `${eni.id} (${owner}, ${eni.status})`;
  };
  const listed = interfaces.slice(0, shown).map(what).join(', ');
  const more = interfaces.length > shown ? ` and ${interfaces.length - shown} more` : '';
  return `still used by ${plural(interfaces.length, 'network interface')}: ${listed}${more}`;
}

/**
 * Lifecycle states in which Auto Scaling accepts SetInstanceProtection; Pending and Terminating
 * instances answer ValidationError (guardian/riff-raff PR #510). The force delete terminates the
 * others anyway.
 */
const PROTECTABLE_INSTANCE_STATES = new Set(['InService', 'EnteringStandby', 'Standby']);

/** Instances whose scale-in protection the teardown removes: protected, and in a protectable state. */
export function instancesToUnprotect(group: ObservedAutoScalingGroup): string[] {
  return group.instances
    .filter(
      (instance) => instance.protectedFromScaleIn && PROTECTABLE_INSTANCE_STATES.has(instance.lifecycleState),
    )
    .map((instance) => instance.id);
}

/**
 * The capacity resource `up` created after the cluster and teardown has not started on (the launch
 * template; the provider unless being deleted; the group unless being deleted or scaled to 0), as a
 * label, or undefined: what shows the environment's cluster was created.
 */
export function clusterCreatedEvidence(observed: ObservedEnvironment): string | undefined {
  if (observed.launchTemplate) return labels.launchTemplate(observed.launchTemplate.name);
  const provider = observed.capacityProvider;
  if (
    provider &&
    capacityProviderPresent(observed) &&
    provider.updateStatus !== 'DELETE_IN_PROGRESS' &&
    provider.updateStatus !== 'DELETE_FAILED'
  ) {
    return labels.capacityProvider(provider.name);
  }
  const group = observed.autoScalingGroup;
  if (group && !group.status && (group.desiredCapacity > 0 || group.minSize > 0)) {
    return labels.autoScalingGroup(group.name);
  }
  return undefined;
}

/** Attachments of `capacityProvider` on the cluster that AWS has not finished deleting. */
function pendingAttachments(cluster: ObservedCluster | undefined, capacityProvider: string): number {
  return (cluster?.attachments ?? []).filter(
    (attachment) => attachment.capacityProvider === capacityProvider && attachment.status !== 'DELETED',
  ).length;
}

/**
 * Plans `down`: THE ordered teardown (DESIGN §1, reordered by docs/decisions/0009-teardown-order.md).
 * Service desired → 0; wait for tasks to drain; delete the service; delete the listener rule (shared)
 * or listener (dedicated), the ALB (its deletion and the release of its network interfaces, minutes,
 * overlap everything after) and the target group; detach the capacity provider (asynchronous: it
 * overlaps what follows); remove scale-in protection from InService/Standby instances; ASG → 0 and
 * delete (force); delete the launch template; wait until the provider's cluster attachment is gone,
 * delete the provider and wait until it is INACTIVE; delete the cluster; delete the instances then
 * the ALB security group once no network interface lists them; deregister task definition revisions;
 * last, delete the log group — or, when its tags say to keep the logs N days, tag it with its expiry
 * (`now` + N days) for the nightly job. Steps of resources already gone are omitted, so a partially
 * deleted environment yields only what remains. Each wait says what it waits for (`until`), which
 * sizes the state machine's Wait (core `teardownWait`).
 *
 * @throws OwnershipConflictError when any present resource lacks the environment's tags —
 *   before planning anything, so a foreign resource is never deleted
 * @example planTeardown({ env: 'demo', securityGroups: {} }, 'demo', new Date()) // []
 */
export function planTeardown(
  observed: ObservedEnvironment,
  env: string,
  now: Date,
): (TeardownStep & { readonly stage: TeardownStage })[] {
  assertAllOwned({ ...observed, env });
  const names = resourceNames(env);
  const steps: (TeardownStep & { readonly stage: TeardownStage })[] = [];

  // cluster not described yet.
  // ECS is eventually consistent: right after CreateCluster, DescribeClusters can answer the new cluster
  // as a MISSING failure (ECS API reference, "eventual consistency"; terraform-provider-aws PR #11701).
  // `up` creates the cluster before its launch template, Auto Scaling group and capacity provider, and
  // teardown deletes those before the cluster, so when any of them exists the cluster was created: wait
  // (bounded) until it is described, or the service and cluster would be left behind. An INACTIVE
  // cluster is described, so this is only the MISSING case.
  const evidence = observed.cluster === undefined ? clusterCreatedEvidence(observed) : undefined;
  if (evidence !== undefined) {
    steps.push(
      step(
        'service',
        'wait',
        labels.cluster(names.cluster),
        `${evidence} exists but DescribeClusters does not describe the cluster yet (ECS eventual consistency)`,
        { kind: 'wait', until: 'cluster-propagation', boundSeconds: CLUSTER_PROPAGATION_WAIT_SECONDS },
      ),
    );
  }

  // schedules first: a sleep or wake must not fire on an environment being taken down
  const schedules = observed.schedules;
  for (const schedule of [schedules?.sleep, schedules?.wake]) {
    if (schedules === undefined || schedule === undefined) continue;
    steps.push(
      step('service', 'delete', labels.schedule(schedules.group, schedule.name), 'sleep/wake schedule', {
        kind: 'deleteSchedule',
        group: schedules.group,
        name: schedule.name,
      }),
    );
  }

  // service
  if (servicePresent(observed) && observed.service) {
    const service = observed.service;
    const label = labels.service(service.name);
    const target = { cluster: names.cluster, service: service.name };
    // A task draining from the target group is DEACTIVATING, then STOPPING: counted neither running
    // nor pending ("runningCount: the tasks in the RUNNING state", ECS API reference; task lifecycle,
    // ECS developer guide), yet it still needs its target group and its capacity. The stage observes
    // the service's tasks, and a task that has not reached STOPPED is still draining.
    const stopping = (observed.tasks ?? []).filter(
      (t) => t.lastStatus !== 'STOPPED' && t.lastStatus !== 'RUNNING' && t.lastStatus !== 'PENDING',
    ).length;
    const tasks = service.runningCount + service.pendingCount + stopping;
    if (service.status === 'DRAINING') {
      steps.push(
        step('service', 'wait', label, `service is being deleted (${plural(tasks, 'task')} left)`, {
          kind: 'wait',
          until: 'service-deletion',
        }),
      );
    } else {
      // A scalable target a user registered on the service would bring tasks back (its minimum) between the
      // scale to 0 and the delete, and DeleteService refuses a service scaled above 0: suspend its scaling
      // first (deleting the service deregisters the target, as AWS does).
      const scaler = observed.scalableTarget;
      const suspending =
        scaler !== undefined &&
        !(
          scaler.suspended.dynamicScalingInSuspended &&
          scaler.suspended.dynamicScalingOutSuspended &&
          scaler.suspended.scheduledScalingSuspended
        );
      if (scaler !== undefined && suspending) {
        steps.push(
          step(
            'service',
            'update',
            `Application Auto Scaling target ${scaler.resourceId}`,
            `suspend scaling (min ${scaler.minCapacity}): the scaler would bring tasks back before the delete`,
            { kind: 'suspendScaling', resourceId: scaler.resourceId },
          ),
        );
      }
      steps.push(
        service.desiredCount > 0 || suspending
          ? step('service', 'update', label, `scale to 0 (desired count ${service.desiredCount})`, {
              kind: 'scaleServiceToZero',
              ...target,
            })
          : step('service', 'skip', label, 'already scaled to 0', NOOP),
      );
      steps.push(
        tasks > 0
          ? step(
              'service',
              'wait',
              label,
              `service still has ${plural(service.runningCount, 'running task')}${service.pendingCount > 0 ? ` and ${service.pendingCount} pending` : ''}${stopping > 0 ? ` and ${stopping} stopping` : ''}`,
              { kind: 'wait', until: 'tasks-draining' },
            )
          : step('service', 'skip', label, 'no tasks left to drain', NOOP),
      );
      steps.push(
        step('service', 'delete', label, 'scaled to 0 and drained', { kind: 'deleteService', ...target }),
      );
    }
  }

  // load-balancer: right after the service, so that the longest wait of the teardown (the ALB's
  // network interfaces outlive it by minutes) starts first and overlaps the capacity's. Deleting the
  // ALB deletes its listeners, so its target group can go at once; the network stage waits on the
  // interfaces that hold the security groups (the ALB's among them), not on the ALB itself.
  if (observed.listenerRule) {
    steps.push(
      step(
        'load-balancer',
        'delete',
        labels.listenerRule(observed.listenerRule.priority),
        'shared mode route of this environment',
        { kind: 'deleteListenerRule', ruleArn: observed.listenerRule.arn },
      ),
    );
  }
  if (observed.listener) {
    const lbName = observed.loadBalancer?.name ?? names.loadBalancer;
    steps.push(
      step('load-balancer', 'delete', labels.listener(observed.listener.port, lbName), 'dedicated listener', {
        kind: 'deleteListener',
        listenerArn: observed.listener.arn,
      }),
    );
  }
  if (observed.loadBalancer) {
    const { arn, name, state } = observed.loadBalancer;
    const label = labels.loadBalancer(name);
    steps.push(
      step('load-balancer', 'delete', label, `dedicated ALB (${state})`, {
        kind: 'deleteLoadBalancer',
        arn,
        name,
      }),
    );
  }
  if (observed.targetGroup) {
    const { arn, name, loadBalancerArns } = observed.targetGroup;
    const attached = loadBalancerArns.length;
    steps.push(
      step(
        'load-balancer',
        'delete',
        labels.targetGroup(name),
        attached > 0
          ? `after its ${plural(attached, 'load balancer')} release it`
          : 'not used by any load balancer',
        { kind: 'deleteTargetGroup', arn, name },
      ),
    );
  }
  if (observed.wakeTargetGroup) {
    const { arn, name } = observed.wakeTargetGroup;
    steps.push(
      step('load-balancer', 'delete', labels.targetGroup(name), 'waking page of the paused environment', {
        kind: 'deleteTargetGroup',
        arn,
        name,
      }),
    );
  }

  // capacity: detach the provider first, so its asynchronous detachment overlaps the group's deletion
  const cluster = clusterPresent(observed) ? observed.cluster : undefined;
  const attachedHere = cluster?.capacityProviders.includes(names.capacityProvider) ?? false;
  if (cluster && attachedHere) {
    steps.push(
      step(
        'capacity',
        'update',
        labels.cluster(cluster.name),
        `detach capacity provider ${names.capacityProvider}`,
        { kind: 'detachCapacityProviders', cluster: cluster.name },
      ),
    );
  }
  const group = observed.autoScalingGroup;
  if (group) {
    const label = labels.autoScalingGroup(group.name);
    if (group.status !== undefined && group.status.length > 0) {
      steps.push(
        step('capacity', 'wait', label, `being deleted (${group.status})`, {
          kind: 'wait',
          until: 'group-deletion',
        }),
      );
    } else {
      const protectedIds = instancesToUnprotect(group);
      if (protectedIds.length > 0) {
        steps.push(
          step(
            'capacity',
            'update',
            label,
            `remove scale-in protection from ${plural(protectedIds.length, 'instance')} (${protectedIds.join(', ')})`,
            { kind: 'unprotectInstances', group: group.name, instanceIds: protectedIds },
          ),
        );
      }
      steps.push(
        group.desiredCapacity > 0 || group.minSize > 0
          ? step(
              'capacity',
              'update',
              label,
              `scale to 0 (min ${group.minSize}, desired ${group.desiredCapacity})`,
              { kind: 'scaleGroupToZero', group: group.name },
            )
          : step('capacity', 'skip', label, 'already scaled to 0', NOOP),
      );
      const live = group.instances.filter((instance) => instance.lifecycleState !== 'Terminated').length;
      steps.push(
        step(
          'capacity',
          'delete',
          label,
          live > 0 ? `force delete, terminating ${plural(live, 'instance')}` : 'force delete (no instances)',
          { kind: 'deleteAutoScalingGroup', group: group.name },
        ),
      );
    }
  }
  if (observed.launchTemplate) {
    const template = observed.launchTemplate;
    steps.push(
      step('capacity', 'delete', labels.launchTemplate(template.name), 'used only by this environment', {
        kind: 'deleteLaunchTemplate',
        name: template.name,
      }),
    );
  }
  if (capacityProviderPresent(observed) && observed.capacityProvider) {
    const provider = observed.capacityProvider;
    const label = labels.capacityProvider(provider.name);
    if (provider.updateStatus === 'DELETE_IN_PROGRESS') {
      steps.push(
        step('capacity', 'wait', label, 'being deleted (DELETE_IN_PROGRESS)', {
          kind: 'wait',
          until: 'provider-deletion',
        }),
      );
    } else {
      // DeleteCapacityProvider answers DELETE_FAILED while an attachment remains (aws-nuke PR #542).
      const detaching = attachedHere ? 1 : pendingAttachments(cluster, provider.name);
      if (cluster && detaching > 0) {
        steps.push(
          step(
            'capacity',
            'wait',
            labels.cluster(cluster.name),
            `until its attachment of capacity provider ${provider.name} is deleted (detachment is asynchronous)`,
            { kind: 'awaitDetachment', cluster: cluster.name, capacityProvider: provider.name },
          ),
        );
      }
      steps.push(
        step(
          'capacity',
          'delete',
          label,
          provider.updateStatus === 'DELETE_FAILED'
            ? `again; the last attempt failed: ${provider.updateStatusReason ?? 'DELETE_FAILED'}`
            : 'detached from the cluster',
          { kind: 'deleteCapacityProvider', name: provider.name },
        ),
      );
    }
  }

  if (attachedHere && !capacityProviderPresent(observed)) {
    // ECS is eventually consistent: right after CreateCapacityProvider, DescribeCapacityProviders can answer
    // the provider as MISSING while the cluster already lists it (ECS API reference, "eventual consistency";
    // terraform-provider-aws PR #11701). An attached provider exists (ECS refuses to delete it), so wait
    // until it is described rather than tear down around it and leave it behind.
    steps.push(
      step(
        'capacity',
        'wait',
        labels.capacityProvider(names.capacityProvider),
        'attached to the cluster but not described yet (ECS eventual consistency)',
        { kind: 'wait', until: 'provider-propagation' },
      ),
    );
  }

  // cluster
  if (cluster) {
    const left = cluster.registeredContainerInstances;
    steps.push(
      step(
        'cluster',
        'delete',
        labels.cluster(cluster.name),
        left > 0
          ? `after ${plural(left, 'container instance')} deregister`
          : 'no services or container instances left',
        { kind: 'deleteCluster', cluster: cluster.name },
      ),
    );
  }

  // network: a group goes only once no network interface lists it (instances group first: its rule
  // references the ALB group). An ALB's interfaces outlive it by minutes (terraform-provider-aws
  // issue #40), so the stage waits on the interfaces themselves rather than retrying blind.
  for (const [sg, label] of [
    [observed.securityGroups.instances, labels.instanceSecurityGroup],
    [observed.securityGroups.alb, labels.albSecurityGroup],
  ] as const) {
    if (sg && (sg.networkInterfaces?.length ?? 0) > 0) {
      steps.push(
        step('network', 'wait', label(sg.name), `${sg.id} ${describeHolders(sg.networkInterfaces ?? [])}`, {
          kind: 'wait',
          until: 'network-interfaces',
        }),
      );
    } else if (sg) {
      steps.push(
        step('network', 'delete', label(sg.name), `${sg.id}; no network interface uses it`, {
          kind: 'deleteSecurityGroup',
          groupId: sg.id,
          name: sg.name,
        }),
      );
    }
  }

  // task-definitions
  for (const revision of activeRevisions(observed)) {
    steps.push(
      step(
        'task-definitions',
        'delete',
        labels.taskDefinition(revision.family, revision.revision),
        'deregister the ACTIVE revision',
        { kind: 'deregisterTaskDefinition', arn: revision.arn },
      ),
    );
  }
  const logGroup = observed.logGroup;
  if (logGroup) {
    const label = labels.logGroup(logGroup.name);
    const keepDays = keepDaysOf(logGroup.tags);
    const expiry = logGroup.tags[TAG_LOGS_EXPIRE_AT];
    if (keepDays === 0) {
      steps.push(
        step('task-definitions', 'delete', label, 'the workload logs go with the environment', {
          kind: 'deleteLogGroup',
          name: logGroup.name,
        }),
      );
    } else if (expiry !== undefined) {
      steps.push(step('task-definitions', 'skip', label, `logs kept until ${expiry}`, NOOP));
    } else {
      const expiresAt = logsExpiry(keepDays, now).toISOString();
      steps.push(
        step(
          'task-definitions',
          'update',
          label,
          `keep the logs ${keepDays} day${keepDays === 1 ? '' : 's'}: tag expiry ${expiresAt}`,
          { kind: 'keepLogGroup', arn: logGroup.arn, name: logGroup.name, expiresAt },
        ),
      );
    }
  }
  return steps;
}
