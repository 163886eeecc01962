/**
 * The executor shared by the create handlers, `scale` and `redeploy`: observe (ownership is decided
 * there, once), let core plan (`planUp`, `planScale`, `planRedeploy`), execute the typed steps in
 * order, report what ran. The dry run (`plan.ts`) prints the same plans.
 */
import type { AwsAutoScalingAdapter } from '../adapters/autoscaling.ts';
import type { AwsEc2Adapter } from '../adapters/ec2.ts';
import type { AwsEcsAdapter } from '../adapters/ecs.ts';
import type { AwsElbv2Adapter } from '../adapters/elbv2.ts';
import type { AwsLogsAdapter } from '../adapters/logs.ts';
import { type ObservedPart, observeEnvironment } from '../adapters/observe-environment.ts';
import type { AwsSchedulerAdapter } from '../adapters/scheduler.ts';
import type { EnvSpec } from '../core/env-spec.ts';
import {
  ConfigError,
  DependencyPendingError,
  ResourceNotReadyError,
  ValidationError,
} from '../core/errors.ts';
import { amiParameterFor } from '../core/instance-architecture.ts';
import { logStreamPrefix } from '../core/logs.ts';
import { resourceNames } from '../core/names.ts';
import type { ObservedEnvironment, Tags } from '../core/observed.ts';
import {
  assertNever,
  type IngressRule,
  pendingSteps,
  type SecurityGroupRole,
  stageSteps,
  type UpStep,
} from '../core/plan.ts';
import { planUp, type UpStage } from '../core/plan-up.ts';
import { ownershipTags } from '../core/tags.ts';
import { type Config, requireConfig } from './config.ts';
import type { HandlerDeps, LifecycleState, LogPort, SomeConfig } from './lifecycle-deps.ts';
import { describeStep } from './teardown-stage.ts';

/** The AWS calls the up executor makes (narrow ports: fakes need only these). */
export interface UpPorts {
  readonly ecs: Pick<
    AwsEcsAdapter,
    | 'createCluster'
    | 'createCapacityProvider'
    | 'attachCapacityProvider'
    | 'detachCapacityProviders'
    | 'deleteCapacityProvider'
    | 'registerTaskDefinition'
    | 'registerRevisionFrom'
    | 'createService'
    | 'updateService'
  >;
  readonly elbv2: Pick<
    AwsElbv2Adapter,
    'createTargetGroup' | 'createLoadBalancer' | 'createListener' | 'createListenerRule'
  >;
  readonly autoScaling: Pick<AwsAutoScalingAdapter, 'createGroup' | 'updateCapacity'>;
  readonly ec2: Pick<
    AwsEc2Adapter,
    'createSecurityGroup' | 'authorizeIngress' | 'createLaunchTemplate' | 'observeSecurityGroup'
  >;
  readonly logs: Pick<AwsLogsAdapter, 'createLogGroup' | 'updateLogGroup'>;
  readonly scheduler: Pick<AwsSchedulerAdapter, 'createScheduleGroup' | 'putSchedule' | 'deleteSchedule'>;
}

/**
 * The executor's ports from a handler's dependencies, read lazily: a handler is wired only with the
 * adapters of its own step, and a plan of that step never calls another one (if it did, the call
 * fails with `ConfigError` naming the adapter).
 */
export function wiredPorts(deps: Partial<UpPorts>): UpPorts {
  const notWired = (name: string) =>
    new Proxy({} as never, {
      get: (_target, method) => () => {
        throw new ConfigError(`this handler is not wired with the ${name} adapter (${String(method)})`);
      },
    });
  return {
    get ecs() {
      return deps.ecs ?? notWired('ecs');
    },
    get elbv2() {
      return deps.elbv2 ?? notWired('elbv2');
    },
    get autoScaling() {
      return deps.autoScaling ?? notWired('autoScaling');
    },
    get ec2() {
      return deps.ec2 ?? notWired('ec2');
    },
    get logs() {
      return deps.logs ?? notWired('logs');
    },
    get scheduler() {
      return deps.scheduler ?? notWired('scheduler');
    },
  };
}

/** What a run knows besides its steps: who, where (configuration) and what earlier stages produced. */
export interface UpExecution {
  readonly env: string;
  readonly tags: Tags;
  /** The handler's settings; a step that needs one the handler did not declare fails with ConfigError. */
  readonly config: SomeConfig;
  readonly resources?: LifecycleState['resources'];
  /** Extra tags on a revision registered by `redeploy` (request id, the revision it replaces). */
  readonly revisionTags?: Tags;
}

/** What the executed steps produced or found (identifiers later steps and the stage result use). */
export interface UpOutputs {
  securityGroups: Partial<Record<SecurityGroupRole, string>>;
  targetGroupArn?: string;
  ruleArn?: string;
  loadBalancerArn?: string;
  dnsName?: string;
  listenerArn?: string;
  clusterArn?: string;
  autoScalingGroupArn?: string;
  /** The group's CreatedTime (ISO), when the plan observed it or this step created it. */
  autoScalingGroupCreatedTime?: string;
  /** The environment's log group (a registered revision's container logs there through `awslogs`). */
  logGroup?: { name: string; arn: string };
  taskDefinitionArn?: string;
  taskDefinitionImage?: string;
  serviceArn?: string;
  /** `<action> <resource>: <reason>` of every step that changed something. */
  executed: string[];
}

const fail = (field: string, message: string): never => {
  throw new ValidationError(field, message);
};
const missing = (field: string, hint: string): never => fail(field, `is required (${hint})`);

/**
 * Executes typed `up`/`scale`/`redeploy` steps in order and returns what they produced. Matching on
 * `kind` is exhaustive: a kind added to core's `UpAction` and not handled here does not compile.
 */
export async function executeUpSteps(
  ports: UpPorts,
  run: UpExecution,
  steps: readonly UpStep[],
): Promise<UpOutputs> {
  const out: UpOutputs = { securityGroups: {}, executed: [] };
  const { env, tags, config } = run;
  const names = resourceNames(env);
  const network = run.resources?.network;
  const groupOf = async (role: SecurityGroupRole): Promise<string> => {
    const known =
      out.securityGroups[role] ??
      (role === 'alb' ? network?.albSecurityGroupId : network?.instanceSecurityGroupId);
    if (known !== undefined) return known;
    const name = role === 'alb' ? names.albSecurityGroup : names.instanceSecurityGroup;
    const observed = await ports.ec2.observeSecurityGroup(requireConfig(config.vpcId, 'BERTH_VPC_ID'), name);
    return observed?.id ?? missing('resources.network', 'create-network must run first');
  };
  const resolve = async (rules: readonly IngressRule[]) =>
    Promise.all(
      rules.map(async ({ from, to, note, source }) =>
        'cidr' in source
          ? { from, to, note, cidr: source.cidr }
          : { from, to, note, groupId: 'groupId' in source ? source.groupId : await groupOf(source.role) },
      ),
    );
  const taskDefinition = () =>
    out.taskDefinitionArn ??
    run.resources?.taskDefinition?.taskDefinitionArn ??
    missing('resources.taskDefinition.taskDefinitionArn', 'create-task-definition first');

  for (const s of steps) {
    switch (s.kind) {
      case 'noop':
      case 'verify':
        break;
      case 'createSecurityGroup': {
        const id = await ports.ec2.createSecurityGroup({
          env,
          vpcId: requireConfig(config.vpcId, 'BERTH_VPC_ID'),
          name: s.name,
          description: s.description,
          tags,
        });
        out.securityGroups[s.role] = id;
        break;
      }
      case 'useSecurityGroup':
        out.securityGroups[s.role] = s.groupId;
        break;
      case 'useSharedSecurityGroup':
        out.securityGroups.alb = requireConfig(
          config.sharedAlbSecurityGroupId,
          'BERTH_SHARED_ALB_SECURITY_GROUP_ID',
        );
        break;
      case 'authorizeIngress': {
        // A group created by this `up` (in create-network) is named by its role.
        const groupId = s.groupId ?? (await groupOf(s.role));
        out.securityGroups[s.role] = groupId;
        await ports.ec2.authorizeIngress(groupId, await resolve(s.rules));
        break;
      }
      case 'createTargetGroup':
        out.targetGroupArn = (
          await ports.elbv2.createTargetGroup({
            env,
            name: s.name,
            vpcId: requireConfig(config.vpcId, 'BERTH_VPC_ID'),
            port: s.port,
            targetType: s.targetType,
            healthCheck: s.healthCheck,
            tags,
          })
        ).arn;
        break;
      case 'useTargetGroup':
        out.targetGroupArn = s.arn;
        break;
      case 'createListenerRule':
        out.ruleArn = (
          await ports.elbv2.createListenerRule({
            env,
            listenerArn: requireConfig(config.sharedListenerArn, 'BERTH_SHARED_LISTENER_ARN'),
            targetGroupArn: out.targetGroupArn ?? missing('targetGroupArn', 'a target group step first'),
            ...(s.host !== undefined ? { host: s.host } : {}),
            ...(s.pathPrefix !== undefined ? { pathPrefix: s.pathPrefix } : {}),
            tags,
          })
        ).arn;
        break;
      case 'useListenerRule':
        out.ruleArn = s.arn;
        break;
      case 'createLoadBalancer': {
        const alb = await ports.elbv2.createLoadBalancer({
          env,
          name: s.name,
          subnets: requireConfig(config.publicSubnets, 'BERTH_PUBLIC_SUBNETS'),
          securityGroupIds: [await groupOf('alb')],
          tags,
        });
        out.loadBalancerArn = alb.arn;
        out.dnsName = alb.dnsName;
        break;
      }
      case 'useLoadBalancer':
        out.loadBalancerArn = s.arn;
        out.dnsName = s.dnsName;
        break;
      case 'createListener':
        out.listenerArn = (
          await ports.elbv2.createListener({
            loadBalancerArn: out.loadBalancerArn ?? missing('loadBalancerArn', 'a load balancer step first'),
            targetGroupArn: out.targetGroupArn ?? missing('targetGroupArn', 'a target group step first'),
            tags,
          })
        ).arn;
        break;
      case 'useListener':
        out.listenerArn = s.arn;
        break;
      case 'createCluster':
        out.clusterArn = (await ports.ecs.createCluster({ env, name: s.name, tags, fargate: s.fargate })).arn;
        break;
      case 'useCluster':
        out.clusterArn = s.arn;
        break;
      case 'createLaunchTemplate':
        await ports.ec2.createLaunchTemplate({
          env,
          name: s.name,
          clusterName: s.cluster,
          instanceType: s.instanceType,
          instanceProfileArn: requireConfig(config.instanceProfileArn, 'BERTH_INSTANCE_PROFILE_ARN'),
          securityGroupIds: [await groupOf('instances')],
          // The public ECS-optimized parameter of the instance type's architecture (core decides).
          amiParameter: amiParameterFor(
            requireConfig(config.amiParameter, 'BERTH_AMI_PARAMETER'),
            s.instanceType,
          ),
          tags,
        });
        break;
      case 'createAutoScalingGroup': {
        const group = await ports.autoScaling.createGroup({
          env,
          name: s.name,
          launchTemplateName: s.launchTemplate,
          subnets: requireConfig(config.privateSubnets, 'BERTH_PRIVATE_SUBNETS'),
          minSize: s.minSize,
          maxSize: s.maxSize,
          desiredCapacity: s.desiredCapacity,
          tags,
        });
        out.autoScalingGroupArn = group.arn;
        if (group.createdTime !== undefined) out.autoScalingGroupCreatedTime = group.createdTime;
        break;
      }
      case 'updateAutoScalingGroup':
        await ports.autoScaling.updateCapacity(s.name, {
          ...(s.minSize !== undefined ? { minSize: s.minSize } : {}),
          ...(s.maxSize !== undefined ? { maxSize: s.maxSize } : {}),
          ...(s.desiredCapacity !== undefined ? { desiredCapacity: s.desiredCapacity } : {}),
        });
        out.autoScalingGroupArn = s.arn;
        if (s.createdTime !== undefined) out.autoScalingGroupCreatedTime = s.createdTime;
        break;
      case 'useAutoScalingGroup':
        out.autoScalingGroupArn = s.arn;
        if (s.createdTime !== undefined) out.autoScalingGroupCreatedTime = s.createdTime;
        break;
      case 'createCapacityProvider':
        await ports.ecs.createCapacityProvider({
          env,
          name: s.name,
          autoScalingGroupArn:
            out.autoScalingGroupArn ?? missing('autoScalingGroupArn', 'an Auto Scaling group step first'),
          tags,
        });
        await ports.ecs.attachCapacityProvider(names.cluster, s.name);
        break;
      case 'attachCapacityProvider':
        await ports.ecs.attachCapacityProvider(s.cluster, s.name);
        break;
      case 'replaceCapacityProvider':
        await replaceCapacityProvider(ports, s);
        break;
      case 'createLogGroup': {
        const group = await ports.logs.createLogGroup({
          env,
          name: s.name,
          retentionInDays: s.retentionInDays,
          tags: s.tags,
        });
        out.logGroup = { name: group.name, arn: group.arn };
        break;
      }
      case 'updateLogGroup':
        await ports.logs.updateLogGroup({
          arn: s.arn,
          name: s.name,
          ...(s.retentionInDays !== undefined ? { retentionInDays: s.retentionInDays } : {}),
          ...(s.tags !== undefined ? { tags: s.tags } : {}),
          ...(s.removeTags !== undefined ? { removeTags: s.removeTags } : {}),
        });
        out.logGroup = { name: s.name, arn: s.arn };
        break;
      case 'useLogGroup':
        out.logGroup = { name: s.name, arn: s.arn };
        break;
      case 'registerTaskDefinition': {
        const {
          kind: _kind,
          stage: _stage,
          action: _action,
          resource: _resource,
          reason: _reason,
          ...input
        } = s;
        const registered = await ports.ecs.registerTaskDefinition({
          ...input,
          env,
          ...(config.executionRoleArn ? { executionRoleArn: config.executionRoleArn } : {}),
          ...(out.logGroup
            ? {
                logs: {
                  group: out.logGroup.name,
                  // arn:aws:logs:<region>:<account>:log-group:<name>
                  region: out.logGroup.arn.split(':')[3] ?? '',
                  streamPrefix: logStreamPrefix(s.containerName),
                },
              }
            : {}),
          tags,
        });
        out.taskDefinitionArn = registered.arn;
        out.taskDefinitionImage = registered.image ?? s.image;
        break;
      }
      case 'registerRevisionFrom': {
        const registered = await ports.ecs.registerRevisionFrom(s.from, {
          ...(s.image !== undefined ? { image: s.image } : {}),
          tags: { ...tags, ...run.revisionTags },
        });
        out.taskDefinitionArn = registered.arn;
        if (registered.image !== undefined) out.taskDefinitionImage = registered.image;
        break;
      }
      case 'useTaskDefinition':
        out.taskDefinitionArn = s.arn;
        break;
      case 'awaitServiceInactive':
        throw new ResourceNotReadyError(`${s.resource}: ${s.reason}`);
      case 'createService': {
        const awsvpc = s.awsvpc
          ? {
              subnets: requireConfig(config.privateSubnets, 'BERTH_PRIVATE_SUBNETS'),
              securityGroups: [
                network?.instanceSecurityGroupId ??
                  fail(
                    'resources.network.instanceSecurityGroupId',
                    'is required for awsvpc (create-network first)',
                  ),
              ],
            }
          : undefined;
        const created = await ports.ecs.createService({
          env,
          cluster: s.cluster,
          name: s.name,
          taskDefinitionArn: s.taskDefinitionArn ?? taskDefinition(),
          desiredCount: s.desiredCount,
          targetGroupArn:
            out.targetGroupArn ??
            run.resources?.loadBalancer?.targetGroupArn ??
            missing('resources.loadBalancer.targetGroupArn', 'create-load-balancer first'),
          containerName: s.containerName,
          containerPort: s.containerPort,
          healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds,
          ...(s.launchType === 'FARGATE' ? { fargate: true } : {}),
          ...(s.capacityProvider !== undefined ? { capacityProvider: s.capacityProvider } : {}),
          ...(awsvpc ? { awsvpc } : {}),
          tags,
        });
        out.serviceArn = created.arn;
        break;
      }
      case 'updateService': {
        const updated = await ports.ecs.updateService({
          cluster: s.cluster,
          service: s.service,
          ...(s.desiredCount !== undefined ? { desiredCount: s.desiredCount } : {}),
          ...(s.taskDefinition !== undefined
            ? { taskDefinition: s.taskDefinition === 'new' ? taskDefinition() : s.taskDefinition }
            : {}),
          ...(s.forceNewDeployment !== undefined ? { forceNewDeployment: s.forceNewDeployment } : {}),
        });
        out.serviceArn = updated.arn;
        break;
      }
      case 'useService':
        out.serviceArn = s.arn;
        break;
      case 'createScheduleGroup':
        await ports.scheduler.createScheduleGroup(s.name, s.tags);
        break;
      case 'createSchedule':
      case 'updateSchedule':
        await ports.scheduler.putSchedule(
          {
            group: s.group,
            name: s.name,
            expression: s.expression,
            timezone: s.timezone,
            input: s.input,
            targetArn: requireConfig(
              config.scheduledActionFunctionArn,
              'BERTH_SCHEDULED_ACTION_FUNCTION_ARN',
            ),
            roleArn: requireConfig(config.schedulerRoleArn, 'BERTH_SCHEDULER_ROLE_ARN'),
          },
          s.kind === 'createSchedule' ? 'create' : 'update',
        );
        break;
      case 'deleteSchedule':
        await ports.scheduler.deleteSchedule(s.group, s.name);
        break;
      case 'useSchedule':
        break;
      default:
        assertNever(s, 'up step');
    }
    if (s.action !== 'keep' && s.action !== 'skip' && s.kind !== 'verify') out.executed.push(describeStep(s));
  }
  return out;
}

/** The create stages of `up` (verify is the verify loop, not a create handler). */
export type CreateStage = Exclude<UpStage, 'verify'>;

/** What each create stage observes: its own resources, and what its steps refer to. */
const UP_STAGE_PARTS: Record<CreateStage, readonly ObservedPart[]> = {
  network: ['network'],
  // The security groups' rules are authorized in this stage, after the load balancer is requested.
  'load-balancer': ['network', 'load-balancer'],
  cluster: ['cluster', 'capacity'],
  'task-definition': ['logs', 'latest-revision'],
  service: ['service', 'task-definitions'],
};

/** The settings `planUp` decides with (every create stage plans the whole environment). */
type UpConfig = SomeConfig & Pick<Config, 'allowedCidr' | 'sharedAlbSecurityGroupId'>;

/** A create handler's dependencies: configuration, logger, and the adapters its stage calls. */
export type UpStageDeps<C extends UpConfig = UpConfig> = Pick<HandlerDeps<C>, 'config' | 'logger'> &
  Partial<Pick<HandlerDeps, 'ecs' | 'elbv2' | 'autoScaling' | 'ec2' | 'logs' | 'scheduler'>>;

/** The settings `planUp` decides with, from a function's configuration. */
export const upSettings = (
  config: Pick<Config, 'allowedCidr' | 'sharedAlbSecurityGroupId'> &
    Partial<Pick<Config, 'scheduledActionFunctionArn'>>,
) => ({
  allowedCidr: config.allowedCidr,
  ...(config.scheduledActionFunctionArn !== undefined
    ? { scheduledActionFunctionArn: config.scheduledActionFunctionArn }
    : {}),
  ...(config.sharedAlbSecurityGroupId !== undefined
    ? { sharedAlbSecurityGroupId: config.sharedAlbSecurityGroupId }
    : {}),
});

/**
 * Runs one create stage of `up`: observe its parts → `planUp` → execute this stage's steps → report.
 * @throws OwnershipConflictError (from planUp) before anything is created when a same-named
 *   resource is not the environment's.
 */
export async function runUpStage(
  deps: UpStageDeps,
  stage: CreateStage,
  state: LifecycleState,
  spec: EnvSpec,
): Promise<UpOutputs> {
  const env = spec.name;
  // Fargate has no EC2 capacity to observe (no Auto Scaling, launch template or provider calls).
  const parts: readonly ObservedPart[] =
    stage === 'cluster' && spec.launchType === 'FARGATE'
      ? ['cluster']
      : // The sleep/wake schedules converge with the service, where the handler is wired with Scheduler.
        stage === 'service' && deps.scheduler !== undefined
        ? [...UP_STAGE_PARTS[stage], 'schedules']
        : UP_STAGE_PARTS[stage];
  // `deps` itself: its adapters are read only by the parts observed (each handler has its own clients).
  const observed: ObservedEnvironment = await observeEnvironment(deps, {
    env,
    parts,
    ...(deps.config.vpcId ? { vpcId: deps.config.vpcId } : {}),
    ...(deps.config.sharedListenerArn ? { sharedListenerArn: deps.config.sharedListenerArn } : {}),
  });
  const steps = stageSteps(planUp(observed, spec, upSettings(deps.config)), stage);
  const out = await executeUpSteps(
    wiredPorts(deps),
    {
      env,
      tags: ownershipTags(env, spec.owner),
      config: deps.config,
      ...(state.resources ? { resources: state.resources } : {}),
    },
    steps,
  );
  logExecuted(deps.logger, `create-${stage}`, steps, out);
  return out;
}

/** Logs the plan a step executed: every change, and how many steps were already in place. */
export function logExecuted(logger: LogPort, step: string, steps: readonly UpStep[], out: UpOutputs): void {
  logger.info(`${step} plan executed`, {
    step,
    executed: out.executed,
    unchanged: steps.length - pendingSteps(steps).length,
  });
}

/**
 * Moves a stale capacity provider out of the way (see core `staleProviderReason`): detach it, or
 * delete it, and throw `ResourceNotReadyError` so the state machine retries `create-cluster` (bounded)
 * until the provider is gone and the plan creates it again.
 * @throws ResourceNotReadyError always
 */
async function replaceCapacityProvider(
  ports: UpPorts,
  s: Extract<UpStep, { kind: 'replaceCapacityProvider' }>,
): Promise<never> {
  if (s.deleting) throw new ResourceNotReadyError(`${s.resource}: ${s.reason}`);
  if (s.attached) {
    await ports.ecs.detachCapacityProviders(s.cluster);
    throw new ResourceNotReadyError(`${s.resource}: ${s.reason}; detached it, deleting it next`);
  }
  try {
    await ports.ecs.deleteCapacityProvider(s.name);
  } catch (err) {
    if (err instanceof DependencyPendingError) {
      throw new ResourceNotReadyError(`${s.resource}: ${s.reason}; ${err.message}`, { cause: err });
    }
    throw err;
  }
  throw new ResourceNotReadyError(`${s.resource}: ${s.reason}; deleting it before creating it again`);
}
