import type { EnvSpec } from './env-spec.ts';
import { logGroupName, logGroupTags, TAG_LOGS_EXPIRE_AT } from './logs.ts';
import { resourceNames } from './names.ts';
import type {
  ObservedAutoScalingGroup,
  ObservedCapacityProvider,
  ObservedEnvironment,
  ObservedIngress,
  ObservedTaskDefinition,
} from './observed.ts';
import {
  type IngressRule,
  NOOP,
  type PlanAction,
  type SecurityGroupRole,
  typedStep,
  type UpAction,
  type UpStep,
} from './plan.ts';
import {
  assertAllOwned,
  capacityProviderPresent,
  clusterPresent,
  labels,
  latestRevision,
  servicePresent,
} from './resources.ts';
import {
  desiredSchedules,
  type ObservedSchedule,
  SCHEDULE_KINDS,
  scheduleDrift,
  scheduleGroupTags,
} from './schedules.ts';
import { ownershipTags } from './tags.ts';

/** Bridge/host-mode dynamic host ports on the ECS-optimized AMI. */
const EPHEMERAL_PORTS = { from: 32768, to: 65535 } as const;

/** Stages of `up`, in order; each create handler executes one (verify is the verify loop). */
const UP_STAGES = ['network', 'load-balancer', 'cluster', 'task-definition', 'service', 'verify'] as const;
export type UpStage = (typeof UP_STAGES)[number];

/** Deployment settings that change what `up` decides (the rest — VPC, subnets, roles — only where it happens). */
export interface UpSettings {
  /** CIDR allowed to reach a dedicated ALB on 80/443. */
  readonly allowedCidr: string;
  /** Shared mode: the shared ALB's security group, when known (to tell which ingress rules exist). */
  readonly sharedAlbSecurityGroupId?: string;
  /** The function sleep/wake schedules invoke (`BERTH_SCHEDULED_ACTION_FUNCTION_ARN`): a schedule aiming elsewhere drifts. */
  readonly scheduledActionFunctionArn?: string;
}

/** Differences between the newest task definition revision and the spec (empty when it matches). */
function taskDefinitionDrift(revision: ObservedTaskDefinition, spec: EnvSpec): string[] {
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
  if (revision.logGroup !== undefined && revision.logGroup !== logGroupName(spec.name))
    drift.push(`log group ${revision.logGroup || '(none)'} → ${logGroupName(spec.name)}`);
  // An EC2 awsvpc revision has the same image/sizes/port as a Fargate spec but cannot run on Fargate.
  if (revision.launchTypes !== undefined && !revision.launchTypes.includes(spec.launchType)) {
    drift.push(`launch type ${revision.launchTypes.join('/')} → ${spec.launchType}`);
  }
  return drift;
}

const step = <S extends UpStage>(
  stage: S,
  action: PlanAction,
  resource: string,
  reason: string,
  todo: UpAction,
) => typedStep(stage, action, resource, reason, todo) as UpStep & { readonly stage: S };

/**
 * The environment's log group `/berth/<env>`: created with the spec's retention and the environment's tags
 * plus how long to keep it after `down`; an existing one converged (retention, tags, and an expiry left by an
 * earlier `down` removed: this `up` takes the group back), else kept. Ownership was checked with the rest.
 */
function logGroupStep(observed: ObservedEnvironment, spec: EnvSpec): UpStep {
  const name = logGroupName(spec.name);
  const label = labels.logGroup(name);
  const tags = { ...ownershipTags(spec.name, spec.owner), ...logGroupTags(spec.logs.keepDays) };
  const retentionInDays = spec.logs.retentionDays;
  const group = observed.logGroup;
  if (group === undefined) {
    return step('task-definition', 'create', label, `retention ${retentionInDays} days`, {
      kind: 'createLogGroup',
      name,
      retentionInDays,
      tags,
    });
  }
  const drift: string[] = [];
  const retentionChanged = group.retentionInDays !== retentionInDays;
  if (retentionChanged)
    drift.push(`retention ${group.retentionInDays ?? 'never expire'} → ${retentionInDays} days`);
  const tagsChanged = Object.entries(tags).some(([key, value]) => group.tags[key] !== value);
  if (tagsChanged) drift.push('tags');
  const expiry = group.tags[TAG_LOGS_EXPIRE_AT];
  if (expiry !== undefined) drift.push(`taken back from its expiry ${expiry}`);
  if (drift.length === 0) {
    return step('task-definition', 'keep', label, 'matches the spec', {
      kind: 'useLogGroup',
      arn: group.arn,
      name,
    });
  }
  return step('task-definition', 'update', label, drift.join(', '), {
    kind: 'updateLogGroup',
    arn: group.arn,
    name,
    ...(retentionChanged ? { retentionInDays } : {}),
    ...(tagsChanged ? { tags } : {}),
    ...(expiry !== undefined ? { removeTags: [TAG_LOGS_EXPIRE_AT] } : {}),
  });
}

/**
 * The sleep/wake schedules (spec `schedule`), planned only when the stage observed them: Berth's schedule group
 * created if missing, each schedule the spec asks for created or converged (expression, time zone, action,
 * target), and a schedule the spec no longer asks for deleted. Ownership was checked with the rest.
 */
function scheduleSteps(
  observed: ObservedEnvironment,
  spec: EnvSpec,
  settings: Pick<UpSettings, 'scheduledActionFunctionArn'>,
): UpStep[] {
  const schedules = observed.schedules;
  if (schedules === undefined) return [];
  const group = schedules.group;
  const desired = desiredSchedules(spec.name, spec.schedule);
  const steps: UpStep[] = [];
  if (desired.length > 0 && schedules.groupTags === undefined) {
    steps.push(
      step(
        'service',
        'create',
        `schedule group ${group}`,
        "Berth's schedule group (tagged berth:managed-by)",
        {
          kind: 'createScheduleGroup',
          name: group,
          tags: scheduleGroupTags(),
        },
      ),
    );
  }
  for (const kind of SCHEDULE_KINDS) {
    const want = desired.find((d) => d.kind === kind);
    const have: ObservedSchedule | undefined = schedules[kind];
    const name = want?.name ?? have?.name;
    if (name === undefined) continue;
    const label = labels.schedule(group, name);
    if (want === undefined) {
      steps.push(
        step('service', 'delete', label, `the spec has no ${kind} schedule`, {
          kind: 'deleteSchedule',
          group,
          name,
        }),
      );
      continue;
    }
    const todo = {
      group,
      name,
      expression: want.expression,
      timezone: want.timezone,
      input: want.input,
    };
    if (have === undefined) {
      steps.push(
        step('service', 'create', label, `${want.input.action} at ${want.expression} (${want.timezone})`, {
          kind: 'createSchedule',
          ...todo,
        }),
      );
      continue;
    }
    const drift = scheduleDrift(have, want, settings.scheduledActionFunctionArn);
    steps.push(
      drift.length === 0
        ? step('service', 'keep', label, 'matches the spec', { kind: 'useSchedule', group, name })
        : step('service', 'update', label, drift.join(', '), { kind: 'updateSchedule', ...todo }),
    );
  }
  return steps;
}

/** Whether `ingress` already holds `rule` (a rule whose source group is not known yet never does). */
function holds(
  ingress: readonly ObservedIngress[],
  rule: IngressRule,
  knownGroups: Partial<Record<string, string>>,
) {
  const source = rule.source;
  const groupId =
    'groupId' in source ? source.groupId : 'role' in source ? knownGroups[source.role] : undefined;
  return ingress.some(
    (permission) =>
      permission.from === rule.from &&
      permission.to === rule.to &&
      ('cidr' in source
        ? permission.cidr === source.cidr
        : groupId !== undefined && permission.groupId === groupId),
  );
}

/**
 * Why an existing capacity provider must not be reused, or `undefined` when it may be: it is being
 * deleted, or it scales an Auto Scaling group that is gone or was replaced (a new group of the same
 * name has a new ARN). AWS leaves such a provider ACTIVE when its deletion answered DELETE_FAILED.
 */
function staleProviderReason(
  provider: ObservedCapacityProvider,
  group: ObservedAutoScalingGroup | undefined,
): string | undefined {
  if (provider.updateStatus === 'DELETE_IN_PROGRESS')
    return 'being deleted (DELETE_IN_PROGRESS); waiting until it is gone to create it again';
  if (provider.autoScalingGroupArn === undefined) return undefined;
  if (group === undefined) {
    return `scales Auto Scaling group ${provider.autoScalingGroupArn}, which no longer exists`;
  }
  if (group.arn !== provider.autoScalingGroupArn) {
    return `scales Auto Scaling group ${provider.autoScalingGroupArn}, not the environment's (${group.arn})`;
  }
  return undefined;
}

/**
 * The sleep/wake schedule steps alone, for `berth schedule` (`PATCH /environments/{name}` with `schedule`): the same
 * steps `up` plans for the schedules, after the same ownership check, so a schedule changes in any settled state
 * (ready, paused) without touching anything else. `observed` needs only its `schedules`.
 *
 * @example planSchedules({ env: 'demo', securityGroups: {}, schedules }, spec, { scheduledActionFunctionArn })
 */
export function planSchedules(
  observed: ObservedEnvironment,
  spec: EnvSpec,
  settings: Pick<UpSettings, 'scheduledActionFunctionArn'>,
): UpStep[] {
  assertAllOwned(observed);
  return scheduleSteps(observed, spec, settings);
}

/**
 * Plans `up`: per resource, `create` when missing, `keep` when present and matching,
 * `update` when drifted (security group ingress, ASG capacity, task definition image/cpu/memory/
 * port/network mode/launch type, service desired count or revision), ending with a `verify` wait.
 * Stages, in order: {@link UP_STAGES}. Each create handler observes, takes its stage of this plan
 * and executes it; the dry run prints all of it.
 *
 * @throws OwnershipConflictError when a present resource is not tagged as the environment's
 * @example planUp({ env: 'demo', securityGroups: {} }, spec, { allowedCidr: '0.0.0.0/0' }).every((s) => s.action !== 'delete') // true
 */
export function planUp(observed: ObservedEnvironment, spec: EnvSpec, settings: UpSettings): UpStep[] {
  assertAllOwned(observed);
  const names = resourceNames(spec.name);
  const steps: UpStep[] = [];
  const shared = spec.loadBalancer.mode === 'shared';
  const ec2 = spec.launchType === 'EC2';

  // network: the groups first, their rules after the load balancer's creation (below). Right after
  // CreateSecurityGroup, EC2 answers calls naming the new group InvalidGroup.NotFound for a few
  // seconds ("Eventual consistency in the Amazon EC2 API", EC2 developer guide); authorizing the rules
  // at once made `create-network` fail and be retried before the ALB — the slowest resource of `up` —
  // was even requested. Nothing needs the rules before the ALB is active (health checks, the probe).
  const knownGroups: Partial<Record<string, string>> = {
    alb: shared ? settings.sharedAlbSecurityGroupId : observed.securityGroups.alb?.id,
  };
  const rulesOf: { role: SecurityGroupRole; label: string; rules: readonly IngressRule[] }[] = [];
  const groupStep = (
    role: SecurityGroupRole,
    name: string,
    label: string,
    description: string,
    rules: readonly IngressRule[],
    createReason: string,
  ) => {
    rulesOf.push({ role, label, rules });
    const observedGroup = observed.securityGroups[role];
    return observedGroup
      ? step('network', 'keep', label, 'exists', {
          kind: 'useSecurityGroup',
          role,
          groupId: observedGroup.id,
        })
      : step('network', 'create', label, `${createReason} (rules once the load balancer is requested)`, {
          kind: 'createSecurityGroup',
          role,
          name,
          description,
        });
  };
  const albSg = labels.albSecurityGroup(names.albSecurityGroup);
  if (shared) {
    steps.push(
      step('network', 'skip', albSg, 'shared mode uses the shared ALB security group', {
        kind: 'useSharedSecurityGroup',
        role: 'alb',
      }),
    );
  } else {
    steps.push(
      groupStep(
        'alb',
        names.albSecurityGroup,
        albSg,
        `Berth ${spec.name}: load balancer, HTTP/HTTPS from ${settings.allowedCidr}`,
        [
          { from: 80, to: 80, source: { cidr: settings.allowedCidr }, note: 'HTTP' },
          { from: 443, to: 443, source: { cidr: settings.allowedCidr }, note: 'HTTPS' },
        ],
        'allow 80/443 from the allowed CIDR',
      ),
    );
  }
  const instanceRules: IngressRule[] = [
    { ...EPHEMERAL_PORTS, source: { role: 'alb' }, note: 'ECS dynamic host ports from the ALB' },
  ];
  const port = spec.containerPort;
  if (spec.networkMode !== 'bridge' && (port < EPHEMERAL_PORTS.from || port > EPHEMERAL_PORTS.to)) {
    instanceRules.push({ from: port, to: port, source: { role: 'alb' }, note: 'container port (awsvpc)' });
  }
  const from = shared ? 'the shared ALB security group' : names.albSecurityGroup;
  const ports = spec.networkMode === 'bridge' ? '32768–65535' : String(spec.containerPort);
  steps.push(
    groupStep(
      'instances',
      names.instanceSecurityGroup,
      labels.instanceSecurityGroup(names.instanceSecurityGroup),
      `Berth ${spec.name}: container hosts, dynamic ports from the load balancer only`,
      instanceRules,
      `allow ${ports} from ${from}`,
    ),
  );

  // load-balancer
  const tg = labels.targetGroup(names.targetGroup);
  if (observed.targetGroup) {
    steps.push(
      step('load-balancer', 'keep', tg, 'exists', { kind: 'useTargetGroup', arn: observed.targetGroup.arn }),
    );
  } else {
    const targetType = spec.networkMode === 'awsvpc' ? 'ip' : 'instance';
    const { gracePeriodSeconds: _grace, ...healthCheck } = spec.healthCheck;
    steps.push(
      step(
        'load-balancer',
        'create',
        tg,
        `${targetType} targets, health check ${spec.healthCheck.path} on ${spec.healthCheck.port}`,
        {
          kind: 'createTargetGroup',
          name: names.targetGroup,
          port: spec.containerPort,
          targetType,
          healthCheck,
        },
      ),
    );
  }
  if (shared) {
    const route = [spec.loadBalancer.host, spec.loadBalancer.pathPrefix && `${spec.loadBalancer.pathPrefix}*`]
      .filter(Boolean)
      .join(' + ');
    if (observed.listenerRule) {
      steps.push(
        step('load-balancer', 'keep', labels.listenerRule(observed.listenerRule.priority), 'exists', {
          kind: 'useListenerRule',
          arn: observed.listenerRule.arn,
        }),
      );
    } else {
      steps.push(
        step('load-balancer', 'create', 'listener rule on the shared listener', `forward ${route}`, {
          kind: 'createListenerRule',
          ...(spec.loadBalancer.host !== undefined ? { host: spec.loadBalancer.host } : {}),
          ...(spec.loadBalancer.pathPrefix !== undefined ? { pathPrefix: spec.loadBalancer.pathPrefix } : {}),
        }),
      );
    }
  } else {
    const alb = labels.loadBalancer(names.loadBalancer);
    if (observed.loadBalancer) {
      const { arn, dnsName, state } = observed.loadBalancer;
      steps.push(
        step('load-balancer', 'keep', alb, state === 'active' ? 'exists' : `exists (${state})`, {
          kind: 'useLoadBalancer',
          arn,
          dnsName,
        }),
      );
    } else {
      steps.push(
        step('load-balancer', 'create', alb, 'internet-facing ALB in the public subnets', {
          kind: 'createLoadBalancer',
          name: names.loadBalancer,
        }),
      );
    }
    const listener = labels.listener(80, names.loadBalancer);
    if (observed.listener) {
      steps.push(
        step('load-balancer', 'keep', listener, 'exists', {
          kind: 'useListener',
          arn: observed.listener.arn,
        }),
      );
    } else {
      steps.push(
        step('load-balancer', 'create', listener, `forward to ${names.targetGroup}`, {
          kind: 'createListener',
          port: 80,
        }),
      );
    }
  }

  // the security groups' missing rules (all of them for a group this `up` creates)
  for (const { role, label, rules } of rulesOf) {
    const observedGroup = observed.securityGroups[role];
    const missing = observedGroup
      ? rules.filter((rule) => !holds(observedGroup.ingress ?? [], rule, knownGroups))
      : rules;
    if (missing.length === 0) continue;
    steps.push(
      step('load-balancer', 'update', label, `authorize ${missing.map((rule) => rule.note).join(', ')}`, {
        kind: 'authorizeIngress',
        role,
        ...(observedGroup ? { groupId: observedGroup.id } : {}),
        rules: missing,
      }),
    );
  }

  // cluster
  const cluster = labels.cluster(names.cluster);
  if (clusterPresent(observed) && observed.cluster) {
    steps.push(step('cluster', 'keep', cluster, 'exists', { kind: 'useCluster', arn: observed.cluster.arn }));
  } else {
    steps.push(
      step('cluster', 'create', cluster, 'new cluster', {
        kind: 'createCluster',
        name: names.cluster,
        fargate: !ec2,
      }),
    );
  }
  if (ec2 && spec.capacity) {
    const capacity = spec.capacity;
    const lt = labels.launchTemplate(names.launchTemplate);
    if (observed.launchTemplate) steps.push(step('cluster', 'keep', lt, 'exists', NOOP));
    else {
      steps.push(
        step('cluster', 'create', lt, `${capacity.instanceType}, ECS-optimized AMI`, {
          kind: 'createLaunchTemplate',
          name: names.launchTemplate,
          cluster: names.cluster,
          instanceType: capacity.instanceType,
        }),
      );
    }
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
          ? step('cluster', 'update', asg, drift.join(', '), {
              kind: 'updateAutoScalingGroup',
              name: group.name,
              arn: group.arn,
              minSize: capacity.minSize,
              maxSize: capacity.maxSize,
              desiredCapacity: capacity.desiredCapacity,
              ...(group.createdTime === undefined ? {} : { createdTime: group.createdTime }),
            })
          : step('cluster', 'keep', asg, 'capacity matches', {
              kind: 'useAutoScalingGroup',
              arn: group.arn,
              ...(group.createdTime === undefined ? {} : { createdTime: group.createdTime }),
            }),
      );
    } else {
      steps.push(
        step(
          'cluster',
          'create',
          asg,
          `min ${capacity.minSize}, max ${capacity.maxSize}, desired ${capacity.desiredCapacity}`,
          {
            kind: 'createAutoScalingGroup',
            name: names.autoScalingGroup,
            launchTemplate: names.launchTemplate,
            minSize: capacity.minSize,
            maxSize: capacity.maxSize,
            desiredCapacity: capacity.desiredCapacity,
          },
        ),
      );
    }
    const cp = labels.capacityProvider(names.capacityProvider);
    const attach = {
      kind: 'attachCapacityProvider',
      cluster: names.cluster,
      name: names.capacityProvider,
    } as const;
    const provider = capacityProviderPresent(observed) ? observed.capacityProvider : undefined;
    const attached =
      clusterPresent(observed) &&
      (observed.cluster?.capacityProviders.includes(names.capacityProvider) ?? false);
    const stale = provider ? staleProviderReason(provider, group) : undefined;
    if (provider && stale !== undefined) {
      steps.push(
        step('cluster', 'update', cp, stale, {
          kind: 'replaceCapacityProvider',
          cluster: names.cluster,
          name: names.capacityProvider,
          attached,
          deleting: provider.updateStatus === 'DELETE_IN_PROGRESS',
        }),
      );
    } else if (provider) {
      steps.push(
        attached
          ? step('cluster', 'keep', cp, 'exists and attached', NOOP)
          : step('cluster', 'update', cp, `attach to ${names.cluster}`, attach),
      );
    } else {
      steps.push(
        step(
          'cluster',
          'create',
          cp,
          `managed scaling of ${names.autoScalingGroup}, attach to ${names.cluster}`,
          {
            kind: 'createCapacityProvider',
            name: names.capacityProvider,
          },
        ),
      );
    }
  } else {
    steps.push(step('cluster', 'skip', 'EC2 capacity', 'FARGATE needs no instances', NOOP));
  }

  // task-definition: first the log group its container logs to (issue 15), then the revision
  steps.push(logGroupStep(observed, spec));
  const latest = latestRevision(observed);
  const register = {
    kind: 'registerTaskDefinition',
    family: names.taskFamily,
    containerName: names.containerName,
    image: spec.image,
    cpu: spec.cpu,
    memory: spec.memory,
    ...(spec.memoryReservation !== undefined ? { memoryReservation: spec.memoryReservation } : {}),
    containerPort: spec.containerPort,
    networkMode: spec.networkMode,
    launchType: spec.launchType,
    ...(spec.environment ? { environment: spec.environment } : {}),
  } as const;
  let newRevision = false;
  if (latest === undefined) {
    steps.push(
      step(
        'task-definition',
        'create',
        labels.taskDefinition(names.taskFamily),
        `image ${spec.image}`,
        register,
      ),
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
          register,
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
          {
            kind: 'useTaskDefinition',
            arn: latest.arn,
          },
        ),
      );
    }
  }

  // service
  const service = labels.service(names.service);
  if (observed.service?.status === 'DRAINING') {
    steps.push(
      step(
        'service',
        'wait',
        service,
        'still draining (deleted by an earlier down or rollback): ECS creates it again only once its tasks have stopped and it is INACTIVE',
        { kind: 'awaitServiceInactive', cluster: names.cluster, service: observed.service.name },
      ),
    );
  } else if (servicePresent(observed) && observed.service) {
    const current = observed.service;
    const drift: string[] = [];
    if (current.desiredCount !== spec.desiredCount)
      drift.push(`desired count ${current.desiredCount} → ${spec.desiredCount}`);
    let taskDefinition: string | undefined;
    if (newRevision) {
      drift.push('deploy the new task definition revision');
      taskDefinition = 'new';
    } else if (latest && current.taskDefinition !== latest.arn) {
      drift.push(`deploy ${latest.family}:${latest.revision}`);
      taskDefinition = latest.arn;
    }
    steps.push(
      drift.length > 0
        ? step('service', 'update', service, drift.join(', '), {
            kind: 'updateService',
            cluster: names.cluster,
            service: current.name,
            desiredCount: spec.desiredCount,
            ...(taskDefinition !== undefined ? { taskDefinition } : {}),
          })
        : step('service', 'keep', service, 'matches the spec', { kind: 'useService', arn: current.arn }),
    );
  } else {
    steps.push(
      step('service', 'create', service, `${spec.desiredCount} task(s), circuit breaker with rollback`, {
        kind: 'createService',
        cluster: names.cluster,
        name: names.service,
        desiredCount: spec.desiredCount,
        launchType: spec.launchType,
        ...(ec2 ? { capacityProvider: names.capacityProvider } : {}),
        awsvpc: spec.networkMode === 'awsvpc',
        ...(!newRevision && latest ? { taskDefinitionArn: latest.arn } : {}),
        containerName: names.containerName,
        containerPort: spec.containerPort,
        healthCheckGracePeriodSeconds: spec.healthCheck.gracePeriodSeconds,
      }),
    );
  }

  steps.push(...scheduleSteps(observed, spec, settings));

  steps.push(
    step(
      'verify',
      'wait',
      `environment ${spec.name}`,
      'deployment COMPLETED, every desired task a healthy target, HTTP probe 2xx/3xx',
      { kind: 'verify' },
    ),
  );
  return steps;
}
