import type { EnvSpec } from './env-spec.ts';
import { resourceNames } from './names.ts';
import type { ObservedEnvironment, ObservedTaskDefinition } from './observed.ts';
import { type PlanStep, step } from './plan.ts';
import {
  assertAllOwned,
  capacityProviderPresent,
  clusterPresent,
  labels,
  latestRevision,
  servicePresent,
} from './resources.ts';

/** Differences between the newest task definition revision and the spec (empty when it matches). */
export function taskDefinitionDrift(revision: ObservedTaskDefinition, spec: EnvSpec): string[] {
  const drift: string[] = [];
  const compare = (what: string, observed: string | number | undefined, wanted: string | number) => {
    if (observed !== undefined && observed !== wanted) drift.push(`${what} ${observed} → ${wanted}`);
  };
  compare('image', revision.image, spec.image);
  compare('cpu', revision.cpu, spec.cpu);
  compare('memory', revision.memory, spec.memory);
  compare('memoryReservation', revision.memoryReservation, spec.memoryReservation);
  compare('containerPort', revision.containerPort, spec.containerPort);
  compare('networkMode', revision.networkMode, spec.networkMode);
  return drift;
}

/**
 * Plans `up`: per resource, `create` when missing, `keep` when present and matching,
 * `update` when drifted (ASG capacity, task definition image/cpu/memory/port, service
 * desired count or revision), ending with a `verify` wait. Stages, in order: `network`,
 * `load-balancer`, `cluster`, `task-definition`, `service`, `verify`.
 *
 * @throws OwnershipConflictError when a present resource is not tagged as the environment's
 * @example planUp({ env: 'demo', securityGroups: {} }, spec).every((s) => s.action !== 'delete') // true
 */
export function planUp(observed: ObservedEnvironment, spec: EnvSpec): PlanStep[] {
  assertAllOwned(observed);
  const names = resourceNames(spec.name);
  const steps: PlanStep[] = [];
  const shared = spec.loadBalancer.mode === 'shared';
  const ec2 = spec.launchType === 'EC2';

  // network
  const albSg = labels.albSecurityGroup(names.albSecurityGroup);
  if (shared) steps.push(step('network', 'skip', albSg, 'shared mode uses the shared ALB security group'));
  else if (observed.securityGroups.alb) steps.push(step('network', 'keep', albSg, 'exists'));
  else steps.push(step('network', 'create', albSg, 'allow 80/443 from the allowed CIDR'));
  const instancesSg = labels.instanceSecurityGroup(names.instanceSecurityGroup);
  if (observed.securityGroups.instances) steps.push(step('network', 'keep', instancesSg, 'exists'));
  else {
    const from = shared ? 'the shared ALB security group' : names.albSecurityGroup;
    const ports = spec.networkMode === 'bridge' ? '32768–65535' : String(spec.containerPort);
    steps.push(step('network', 'create', instancesSg, `allow ${ports} from ${from}`));
  }

  // load-balancer
  const tg = labels.targetGroup(names.targetGroup);
  if (observed.targetGroup) steps.push(step('load-balancer', 'keep', tg, 'exists'));
  else {
    const targetType = spec.networkMode === 'awsvpc' ? 'ip' : 'instance';
    steps.push(
      step(
        'load-balancer',
        'create',
        tg,
        `${targetType} targets, health check ${spec.healthCheck.path} on ${spec.healthCheck.port}`,
      ),
    );
  }
  if (shared) {
    const route = [spec.loadBalancer.host, spec.loadBalancer.pathPrefix && `${spec.loadBalancer.pathPrefix}*`]
      .filter(Boolean)
      .join(' + ');
    if (observed.listenerRule) {
      steps.push(
        step('load-balancer', 'keep', labels.listenerRule(observed.listenerRule.priority), 'exists'),
      );
    } else
      steps.push(step('load-balancer', 'create', 'listener rule on the shared listener', `forward ${route}`));
  } else {
    const alb = labels.loadBalancer(names.loadBalancer);
    if (observed.loadBalancer) {
      const state = observed.loadBalancer.state;
      steps.push(step('load-balancer', 'keep', alb, state === 'active' ? 'exists' : `exists (${state})`));
    } else steps.push(step('load-balancer', 'create', alb, 'internet-facing ALB in the public subnets'));
    const listener = labels.listener(80, names.loadBalancer);
    if (observed.listener) steps.push(step('load-balancer', 'keep', listener, 'exists'));
    else steps.push(step('load-balancer', 'create', listener, `forward to ${names.targetGroup}`));
  }

  // cluster
  const cluster = labels.cluster(names.cluster);
  if (clusterPresent(observed)) steps.push(step('cluster', 'keep', cluster, 'exists'));
  else steps.push(step('cluster', 'create', cluster, 'new cluster'));
  if (ec2 && spec.capacity) {
    const capacity = spec.capacity;
    const lt = labels.launchTemplate(names.launchTemplate);
    if (observed.launchTemplate) steps.push(step('cluster', 'keep', lt, 'exists'));
    else steps.push(step('cluster', 'create', lt, `${capacity.instanceType}, ECS-optimized AMI`));
    const asg = labels.autoScalingGroup(names.autoScalingGroup);
    const group = observed.autoScalingGroup;
    if (group) {
      const drift: string[] = [];
      if (group.minSize !== capacity.minSize) drift.push(`min ${group.minSize} → ${capacity.minSize}`);
      if (group.maxSize !== capacity.maxSize) drift.push(`max ${group.maxSize} → ${capacity.maxSize}`);
      if (group.desiredCapacity !== capacity.desiredCapacity) {
        drift.push(`desired ${group.desiredCapacity} → ${capacity.desiredCapacity}`);
      }
      steps.push(
        drift.length > 0
          ? step('cluster', 'update', asg, drift.join(', '))
          : step('cluster', 'keep', asg, 'capacity matches'),
      );
    } else {
      steps.push(
        step(
          'cluster',
          'create',
          asg,
          `min ${capacity.minSize}, max ${capacity.maxSize}, desired ${capacity.desiredCapacity}`,
        ),
      );
    }
    const cp = labels.capacityProvider(names.capacityProvider);
    if (capacityProviderPresent(observed)) {
      const attached = observed.cluster?.capacityProviders.includes(names.capacityProvider) ?? false;
      steps.push(
        attached
          ? step('cluster', 'keep', cp, 'exists and attached')
          : step('cluster', 'update', cp, `attach to ${names.cluster}`),
      );
    } else
      steps.push(
        step(
          'cluster',
          'create',
          cp,
          `managed scaling of ${names.autoScalingGroup}, attach to ${names.cluster}`,
        ),
      );
  } else {
    steps.push(step('cluster', 'skip', 'EC2 capacity', 'FARGATE needs no instances'));
  }

  // task-definition
  const latest = latestRevision(observed);
  let newRevision = false;
  if (latest === undefined) {
    steps.push(
      step('task-definition', 'create', labels.taskDefinition(names.taskFamily), `image ${spec.image}`),
    );
    newRevision = true;
  } else {
    const drift = taskDefinitionDrift(latest, spec);
    if (drift.length > 0) {
      steps.push(
        step(
          'task-definition',
          'update',
          labels.taskDefinition(names.taskFamily),
          `new revision: ${drift.join(', ')}`,
        ),
      );
      newRevision = true;
    } else {
      steps.push(
        step(
          'task-definition',
          'keep',
          labels.taskDefinition(latest.family, latest.revision),
          'matches the spec',
        ),
      );
    }
  }

  // service
  const service = labels.service(names.service);
  if (servicePresent(observed) && observed.service) {
    const current = observed.service;
    const drift: string[] = [];
    if (current.desiredCount !== spec.desiredCount)
      drift.push(`desired count ${current.desiredCount} → ${spec.desiredCount}`);
    if (newRevision) drift.push('deploy the new task definition revision');
    else if (latest && current.taskDefinition !== latest.arn)
      drift.push(`deploy ${latest.family}:${latest.revision}`);
    steps.push(
      drift.length > 0
        ? step('service', 'update', service, drift.join(', '))
        : step('service', 'keep', service, 'matches the spec'),
    );
  } else {
    steps.push(
      step('service', 'create', service, `${spec.desiredCount} task(s), circuit breaker with rollback`),
    );
  }

  steps.push(
    step(
      'verify',
      'wait',
      `environment ${spec.name}`,
      'deployment COMPLETED, every desired task a healthy target, HTTP probe 2xx/3xx',
    ),
  );
  return steps;
}
