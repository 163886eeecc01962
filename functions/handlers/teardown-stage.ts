/**
 * The teardown executor shared by the `teardown-*` handlers: observe (ownership is decided there,
 * once, from the tags read), let core `planTeardown` decide, execute only this stage's typed steps
 * in order, report what ran and what is left. A `wait` step (or a deletion AWS completes
 * asynchronously) ends the invocation with `done: false`; the state machine Waits and calls again.
 */
import type { AwsApplicationAutoScalingAdapter } from '../adapters/application-autoscaling.ts';
import type { AwsAutoScalingAdapter } from '../adapters/autoscaling.ts';
import type { AwsEc2Adapter } from '../adapters/ec2.ts';
import type { AwsEcsAdapter } from '../adapters/ecs.ts';
import { type AwsElbv2Adapter, DEFAULT_DEREGISTRATION_DELAY_SECONDS } from '../adapters/elbv2.ts';
import type { AwsLogsAdapter } from '../adapters/logs.ts';
import { type ObservedPart, observeEnvironment } from '../adapters/observe-environment.ts';
import type { AwsSchedulerAdapter } from '../adapters/scheduler.ts';
import { ConfigError, DependencyPendingError, DependencyTimeoutError } from '../core/errors.ts';
import { TAG_LOGS_EXPIRE_AT } from '../core/logs.ts';
import { resourceNames } from '../core/names.ts';
import {
  assertNever,
  pendingSteps,
  type ScaleDownAction,
  type StepDescription,
  stageSteps,
  type TeardownStep,
} from '../core/plan.ts';
import { planTeardown, type TeardownStage } from '../core/plan-teardown.ts';
import { type TeardownWaitingFor, teardownWait } from '../core/teardown-wait.ts';
import { requireConfig } from './config.ts';
import type { HandlerDeps, LifecycleState, SomeConfig } from './lifecycle-deps.ts';
import { envOf, machineWaited, runStep } from './lifecycle-deps.ts';

export interface TeardownResult {
  readonly done: boolean;
  /** `<action> <resource>: <reason>` of the steps left in this stage. */
  readonly remaining: readonly string[];
  /** Steps executed by this invocation. */
  readonly executed: readonly string[];
  /** AWS seconds this stage has waited so far (bounded stages and bounded waits only; see {@link STAGE_WAIT_BOUNDS}). */
  readonly waitedSeconds?: number;
  /** When not done: what the stage waits for, and the AWS seconds to Wait before calling it again (core `teardownWait`). */
  readonly waitingFor?: TeardownWaitingFor;
  readonly waitSeconds?: number;
  /** 0 for the first wait for `waitingFor`, then 1, 2, … as it backs off. */
  readonly waitStep?: number;
  /** ISO time at which this stage called DeleteLoadBalancer (the network stage sizes its wait from it). */
  readonly loadBalancerDeletedAt?: string;
}

/**
 * How long a stage may wait (AWS seconds) before it gives up with `DependencyTimeoutError` naming
 * what it waits for. `network`: an ALB's network interfaces can outlive it by many minutes; iasql
 * raised its wait for them to 20 minutes (alantech/iasql PR #654). Other stages wait unbounded
 * (the machine's own timeout applies).
 */
const STAGE_WAIT_BOUNDS: Partial<Record<TeardownStage, number>> = { network: 20 * 60 };

/** `$.teardown.<key>` of a stage's result (`load-balancer` → `loadBalancer`). */
const resultKey = (stage: TeardownStage): string =>
  stage.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

/** The previous result of `stage` in this teardown (`$.teardown.<stage>`), if any. */
function previousResult(state: LifecycleState, stage: TeardownStage): Partial<TeardownResult> | undefined {
  return (state.teardown as Record<string, Partial<TeardownResult>> | undefined)?.[resultKey(stage)];
}

/**
 * The Wait the machine made after the previous result: its `waitSeconds` (adaptive polling); with fixed
 * polling (`timing.polling: 'fixed'`) or without one, `timing.deleteIntervalSeconds`, else 15.
 */
function waitAfter(state: LifecycleState, previous: Partial<TeardownResult>): number {
  return machineWaited(state, previous.waitSeconds, 'deleteIntervalSeconds', 15);
}

/**
 * AWS seconds the stage has waited before this invocation: its previous result's `waitedSeconds`
 * plus the Wait after it (its `waitSeconds`; `timing.deleteIntervalSeconds`, default 15, without one)
 * when that result was not done.
 */
export function waitedBefore(state: LifecycleState, stage: TeardownStage): number {
  const previous = previousResult(state, stage);
  if (previous === undefined || previous.done !== false) return 0;
  return (previous.waitedSeconds ?? 0) + waitAfter(state, previous);
}

/** What a step that pauses its stage waits for: a wait's `until`; a force-deleted group; a deleted provider. */
function waitingForAfter(s: TeardownStep): TeardownWaitingFor | undefined {
  if (s.kind === 'wait') return s.until;
  if (s.kind === 'deleteAutoScalingGroup') return 'group-deletion';
  if (s.kind === 'deleteCapacityProvider') return 'provider-deletion';
  return undefined;
}

/** AWS seconds since this teardown's load-balancer stage called DeleteLoadBalancer, when it did. */
function loadBalancerDeletedSecondsAgo(state: LifecycleState, now: Date): number | undefined {
  const at = Date.parse(previousResult(state, 'load-balancer')?.loadBalancerDeletedAt ?? '');
  return Number.isFinite(at) ? Math.max(0, (now.getTime() - at) / 1000) : undefined;
}

/** The AWS calls the teardown executor makes, and nothing else (narrow ports: fakes need only these). */
export interface TeardownPorts {
  readonly ecs: Pick<
    AwsEcsAdapter,
    | 'updateService'
    | 'deleteService'
    | 'detachCapacityProviders'
    | 'deleteCapacityProvider'
    | 'deleteCluster'
    | 'deregisterTaskDefinition'
  >;
  readonly elbv2: Pick<
    AwsElbv2Adapter,
    'deleteListenerRule' | 'deleteListener' | 'deleteLoadBalancer' | 'deleteTargetGroup'
  >;
  readonly autoScaling: Pick<AwsAutoScalingAdapter, 'unprotectInstances' | 'updateCapacity' | 'forceDelete'>;
  readonly ec2: Pick<AwsEc2Adapter, 'deleteSecurityGroup' | 'deleteLaunchTemplate'>;
  readonly logs: Pick<AwsLogsAdapter, 'deleteLogGroup' | 'tagLogGroup'>;
  /** The service's Application Auto Scaling target, if one is registered (stage `service`). */
  readonly scaling?: Pick<AwsApplicationAutoScalingAdapter, 'suspendScaling'> | undefined;
  /** Sleep/wake schedules (the `service` stage, when wired with Scheduler). */
  readonly scheduler?: Pick<AwsSchedulerAdapter, 'deleteSchedule'>;
}

export type TeardownDeps = Pick<
  HandlerDeps<SomeConfig>,
  'config' | 'ecs' | 'elbv2' | 'autoScaling' | 'ec2' | 'logs' | 'now' | 'logger' | 'scheduler'
> & {
  readonly scaling?:
    | Pick<AwsApplicationAutoScalingAdapter, 'suspendScaling' | 'observeScalableTarget'>
    | undefined;
};

/** `{ [key]: value }`, or nothing when the value is undefined (exactOptionalPropertyTypes). */
const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

/** What each stage observes. `service` observes everything: ownership is checked before the first deletion. */
const STAGE_PARTS: Record<TeardownStage, readonly ObservedPart[]> = {
  service: [
    'network',
    'load-balancer',
    'cluster',
    'capacity',
    'service',
    'tasks',
    'task-definitions',
    'logs',
  ],
  capacity: ['cluster', 'capacity'],
  cluster: ['cluster', 'capacity', 'service'],
  'load-balancer': ['load-balancer'],
  network: ['network', 'network-interfaces'],
  'task-definitions': ['task-definitions', 'logs'],
};

/** `<action> <resource>: <reason>`, the line a step leaves in `executed`/`remaining`. */
export const describeStep = (s: StepDescription): string => `${s.action} ${s.resource}: ${s.reason}`;

/** The calls scaling down makes (pause and teardown). */
export interface ScaleDownPorts {
  readonly ecs: Pick<AwsEcsAdapter, 'updateService'>;
  readonly autoScaling: Pick<AwsAutoScalingAdapter, 'unprotectInstances' | 'updateCapacity'>;
  /** The service's Application Auto Scaling target, if one is registered. */
  readonly scaling?: Pick<AwsApplicationAutoScalingAdapter, 'suspendScaling'> | undefined;
}

/**
 * Executes one scale-down step (pause and teardown share them) with exactly one AWS call; `handler` names the
 * caller in the error a missing adapter raises.
 */
export async function executeScaleDown(
  ports: ScaleDownPorts,
  s: ScaleDownAction,
  handler: string,
): Promise<void> {
  switch (s.kind) {
    case 'scaleServiceToZero':
      await ports.ecs.updateService({ cluster: s.cluster, service: s.service, desiredCount: 0 });
      return;
    case 'suspendScaling':
      if (ports.scaling === undefined)
        throw new ConfigError(
          `${handler}: suspending the scalable target needs the Application Auto Scaling adapter`,
        );
      await ports.scaling.suspendScaling(s.resourceId);
      return;
    case 'unprotectInstances':
      await ports.autoScaling.unprotectInstances(s.group, s.instanceIds);
      return;
    case 'scaleGroupToZero':
      await ports.autoScaling.updateCapacity(s.group, { minSize: 0, maxSize: 0, desiredCapacity: 0 });
      return;
    default:
      return assertNever(s, 'scale-down step');
  }
}

/**
 * Executes one typed teardown step with exactly one AWS call (none for `wait`/`noop`). Returns
 * `'wait'` when the stage must pause after it: at a `wait` step, and after `DeleteAutoScalingGroup`
 * (instances terminate asynchronously). Matching is exhaustive: a new step kind that is not handled
 * here does not compile.
 *
 * @example await executeTeardownStep(ports, { kind: 'deleteListener', listenerArn, stage: 'load-balancer', … })
 */
export async function executeTeardownStep(
  ports: TeardownPorts,
  s: TeardownStep,
): Promise<'continue' | 'wait'> {
  switch (s.kind) {
    case 'noop':
      return 'continue';
    case 'wait':
      return 'wait';
    case 'scaleServiceToZero':
    case 'suspendScaling':
    case 'unprotectInstances':
    case 'scaleGroupToZero':
      await executeScaleDown(ports, s, 'teardown-service');
      return 'continue';
    case 'deleteService':
      await ports.ecs.deleteService(s.cluster, s.service);
      return 'continue';
    case 'deleteAutoScalingGroup':
      await ports.autoScaling.forceDelete(s.group);
      return 'wait'; // instances terminate asynchronously
    case 'deleteLaunchTemplate':
      await ports.ec2.deleteLaunchTemplate(s.name);
      return 'continue';
    case 'detachCapacityProviders':
      await ports.ecs.detachCapacityProviders(s.cluster);
      return 'continue';
    case 'awaitDetachment':
      // Bounded by the state machine's Retry on DependencyPendingError (statemachine/README.md).
      throw new DependencyPendingError(`${s.resource}: waiting ${s.reason}`);
    case 'deleteCapacityProvider':
      await ports.ecs.deleteCapacityProvider(s.name);
      return 'wait'; // DELETE_IN_PROGRESS until INACTIVE (DELETE_FAILED throws DependencyPendingError)
    case 'deleteCluster':
      await ports.ecs.deleteCluster(s.cluster);
      return 'continue';
    case 'deleteListenerRule':
      await ports.elbv2.deleteListenerRule(s.ruleArn);
      return 'continue';
    case 'deleteListener':
      await ports.elbv2.deleteListener(s.listenerArn);
      return 'continue';
    case 'deleteLoadBalancer':
      await ports.elbv2.deleteLoadBalancer(s.arn, s.name);
      return 'continue';
    case 'deleteTargetGroup':
      await ports.elbv2.deleteTargetGroup(s.arn, s.name);
      return 'continue';
    case 'deleteSecurityGroup':
      await ports.ec2.deleteSecurityGroup(s.groupId, s.name);
      return 'continue';
    case 'deregisterTaskDefinition':
      await ports.ecs.deregisterTaskDefinition(s.arn);
      return 'continue';
    case 'deleteLogGroup':
      await ports.logs.deleteLogGroup(s.name);
      return 'continue';
    case 'keepLogGroup':
      await ports.logs.tagLogGroup(s.arn, { [TAG_LOGS_EXPIRE_AT]: s.expiresAt });
      return 'continue';
    case 'deleteSchedule':
      if (ports.scheduler === undefined)
        throw new ConfigError('teardown: deleting a schedule needs the scheduler adapter');
      await ports.scheduler.deleteSchedule(s.group, s.name);
      return 'continue';
    default:
      return assertNever(s, 'teardown step');
  }
}

/**
 * Runs one teardown stage for the environment in `state`: observe → plan → execute → report.
 * @throws OwnershipConflictError (from planTeardown) before anything is deleted when a present
 *   resource is not the environment's.
 */
export async function runTeardownStage(
  deps: TeardownDeps,
  stage: TeardownStage,
  state: LifecycleState,
): Promise<TeardownResult> {
  return runStep(deps.logger, `teardown-${stage}`, state, async () => {
    const env = envOf(state);
    if (stage === 'network') requireConfig(deps.config.vpcId, 'BERTH_VPC_ID');
    // The `service` stage (the first) also deletes the sleep/wake schedules, when wired with Scheduler.
    const parts: readonly ObservedPart[] =
      stage === 'service' && deps.scheduler !== undefined
        ? [...STAGE_PARTS[stage], 'schedules']
        : STAGE_PARTS[stage];
    const observed = await observeEnvironment(
      // Read on use: each teardown handler is wired with the adapters of its own stage's parts only.
      {
        get ecs() {
          return deps.ecs;
        },
        get elbv2() {
          return deps.elbv2;
        },
        get autoScaling() {
          return deps.autoScaling;
        },
        get ec2() {
          return deps.ec2;
        },
        // Only the stages that observe the log group are wired with CloudWatch Logs.
        ...(parts.includes('logs') ? { logs: deps.logs } : {}),
        ...(parts.includes('schedules') && deps.scheduler !== undefined ? { scheduler: deps.scheduler } : {}),
      },
      {
        env,
        parts,
        ...(deps.config.vpcId ? { vpcId: deps.config.vpcId } : {}),
        ...(deps.config.sharedListenerArn ? { sharedListenerArn: deps.config.sharedListenerArn } : {}),
      },
    );
    // Stage `service` also reads the service's scalable target (its scaling is suspended before the scale to 0).
    const names = resourceNames(env);
    const scalableTarget =
      stage === 'service' && deps.scaling !== undefined && observed.service !== undefined
        ? await deps.scaling.observeScalableTarget(names.cluster, names.service)
        : undefined;
    const steps = pendingSteps(
      stageSteps(
        planTeardown(
          scalableTarget === undefined ? observed : { ...observed, scalableTarget },
          env,
          deps.now(),
        ),
        stage,
      ),
    );
    const bound = STAGE_WAIT_BOUNDS[stage];
    const waited = waitedBefore(state, stage);
    const executed: string[] = [];
    const now = deps.now();
    let loadBalancerDeletedAt: string | undefined;
    for (const [index, s] of steps.entries()) {
      // A wait with its own bound gives up by going on past it (its evidence may be stale).
      if (s.kind === 'wait' && s.boundSeconds !== undefined && waited >= s.boundSeconds) {
        deps.logger.warn('teardown wait bound reached; going on', {
          stage,
          resource: s.resource,
          reason: s.reason,
          waitedSeconds: waited,
          boundSeconds: s.boundSeconds,
        });
        continue;
      }
      if (s.kind === 'wait' && bound !== undefined && waited >= bound) {
        throw new DependencyTimeoutError(
          `teardown-${stage}: ${s.resource} still waited for after ${waited} s (bound ${bound} s): ${s.reason}`,
        );
      }
      const outcome = await executeTeardownStep(deps, s);
      if (s.kind !== 'wait') executed.push(describeStep(s));
      if (s.kind === 'deleteLoadBalancer') loadBalancerDeletedAt = now.toISOString();
      if (outcome === 'wait') {
        const remaining = steps.slice(s.kind === 'wait' ? index : index + 1).map(describeStep);
        const counted = bound !== undefined || (s.kind === 'wait' && s.boundSeconds !== undefined);
        const waitingFor = waitingForAfter(s);
        const previous = previousResult(state, stage);
        const next =
          waitingFor === undefined
            ? undefined
            : teardownWait(waitingFor, observed, {
                deregistrationDelaySeconds: DEFAULT_DEREGISTRATION_DELAY_SECONDS,
                ...optional('loadBalancerDeletedSecondsAgo', loadBalancerDeletedSecondsAgo(state, now)),
                ...(previous?.done === false ? { previous } : {}),
              });
        return {
          done: false,
          remaining: remaining.length > 0 ? remaining : [describeStep(s)],
          executed,
          ...(counted ? { waitedSeconds: waited } : {}),
          ...(next
            ? { waitingFor: next.waitingFor, waitSeconds: next.seconds, waitStep: next.step }
            : { waitSeconds: waitAfter(state, {}) }),
          ...optional('loadBalancerDeletedAt', loadBalancerDeletedAt),
        };
      }
    }
    return {
      done: true,
      remaining: [],
      executed,
      ...optional('loadBalancerDeletedAt', loadBalancerDeletedAt),
    };
  });
}
