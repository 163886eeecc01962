import type { AwsApplicationAutoScalingAdapter } from '../adapters/application-autoscaling.ts';
import { ConfigError, DependencyTimeoutError } from '../core/errors.ts';
import { nextCheck } from '../core/next-check.ts';
import { pendingSteps, type RestoreScalingAction, type StepDescription, type UpStep } from '../core/plan.ts';
import { planResume, resumeWaitingFor } from '../core/plan-pause.ts';
import { ownershipTags } from '../core/tags.ts';
import type { ConfigOf } from './config.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  machineWaited,
  runStep,
  specOf,
} from './lifecycle-deps.ts';
import { observeForPause } from './pause.ts';
import { describeStep } from './teardown-stage.ts';
import { executeUpSteps, logExecuted, wiredPorts } from './up-stage.ts';
import { applicationAutoScalingAdapter, autoScalingAdapter, ecsAdapter, elbv2Adapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

export interface ResumeResult {
  readonly done: boolean;
  /** `<action> <resource>: <reason>` of the steps left. */
  readonly remaining: readonly string[];
  /** Steps executed by this invocation. */
  readonly executed: readonly string[];
  /** The restored desired count (the verify loop waits for that many tasks). */
  readonly desiredCount: number;
  /** AWS seconds this resume has waited for instances so far. */
  readonly waitedSeconds: number;
  /** Not done: what the first step left waits for (`instances`, `health-checks`). */
  readonly waitingFor?: string;
  /** Not done: seconds to wait before the next call (adaptive polling), sized by core `nextCheck`. */
  readonly waitSeconds?: number;
  /** Not done: 0 for the first wait for `waitingFor`, then 1, 2, … as it backs off. */
  readonly waitStep?: number;
}

/**
 * How long resume waits (AWS seconds) for the restored instances to register before it gives up with
 * `DependencyTimeoutError`: an instance boots and registers in a few minutes; 15 is well past that.
 */
const RESUME_WAIT_BOUND_SECONDS = 15 * 60;

export type ResumeDeps = Pick<
  HandlerDeps<ConfigOf<'resume'>>,
  'config' | 'logger' | 'ecs' | 'autoScaling' | 'elbv2' | 'registry'
> & {
  readonly scaling?:
    | Pick<AwsApplicationAutoScalingAdapter, 'observeScalableTarget' | 'restoreScaling'>
    | undefined;
};

type RestoreStep = StepDescription & RestoreScalingAction;

/** The previous result of this resume when it was not done (the machine waited after it), else undefined. */
function previousWait(state: LifecycleState): Partial<ResumeResult> | undefined {
  const previous = state['resume'] as Partial<ResumeResult> | undefined;
  return previous?.done === false ? previous : undefined;
}

/**
 * AWS seconds waited before this call: the previous result's, plus the Wait after it when it was not done — its
 * `waitSeconds` (adaptive polling); with fixed polling (`timing.polling: 'fixed'`) or without one,
 * `timing.drainIntervalSeconds` (default 35).
 */
function waitedBefore(state: LifecycleState): number {
  const previous = previousWait(state);
  if (previous === undefined) return 0;
  return (
    (previous.waitedSeconds ?? 0) + machineWaited(state, previous.waitSeconds, 'drainIntervalSeconds', 35)
  );
}

/**
 * `resume`: observe the service, the cluster and the Auto Scaling group, core `planResume` (restore exactly
 * what `pause` remembered: the group's min/max/desired, then — once that many instances registered — the
 * service's desired count), execute up to the first wait. Called again after a Wait until `done`; the
 * state machine then verifies as `up` does. Nothing is created.
 * @returns `{ done, remaining, executed, desiredCount, waitedSeconds }`
 * @throws InvalidStateError when the environment has no remembered counts (not paused)
 * @throws DependencyTimeoutError when the instances have not registered after {@link RESUME_WAIT_BOUND_SECONDS}
 */
export function makeHandler(deps: ResumeDeps) {
  return async (state: LifecycleState): Promise<ResumeResult> =>
    runStep(deps.logger, 'resume', state, async () => {
      const env = envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const remembered = (await deps.registry.getEnvironment(env))?.paused;
      const observed = await observeForPause(
        {
          ecs: deps.ecs,
          autoScaling: deps.autoScaling,
          elbv2: deps.config.wakeFunctionArn === undefined ? undefined : deps.elbv2,
          scaling: deps.scaling,
        },
        env,
        spec.launchType,
        { cluster: true, sharedListenerArn: deps.config.sharedListenerArn },
      );
      const steps = pendingSteps(planResume(observed, spec, remembered));
      const desiredCount = remembered?.desiredCount ?? spec.desiredCount;
      const waitedSeconds = waitedBefore(state);
      const waitAt = steps.findIndex((s) => s.kind === 'wait');
      const due = waitAt === -1 ? steps : steps.slice(0, waitAt);
      // The counts in plan order — the group, the scalable target's bounds, then the service (registering the
      // bounds clamps the desired count into them) — and the route back to the environment's target group
      // (wake on request) last.
      const counts = due.filter(
        (s): s is UpStep | RestoreStep => s.kind !== 'forwardTo' && s.kind !== 'wait',
      );
      const run = { env, tags: ownershipTags(env, spec.owner), config: deps.config };
      const out = await executeUpSteps(wiredPorts(deps), run, []);
      for (const s of counts) {
        if (s.kind === 'restoreScaling') {
          if (deps.scaling === undefined)
            throw new ConfigError(
              'resume: restoring the scalable target needs the Application Auto Scaling adapter',
            );
          await deps.scaling.restoreScaling(s);
          out.executed.push(describeStep(s));
          continue;
        }
        const next = await executeUpSteps(wiredPorts(deps), run, [s]);
        out.executed.push(...next.executed);
      }
      for (const s of due) {
        if (s.kind !== 'forwardTo') continue;
        await deps.elbv2.forwardTo(
          s.ruleArn !== undefined ? { ruleArn: s.ruleArn } : { listenerArn: s.listenerArn ?? '' },
          s.targetGroupArn,
        );
        out.executed.push(describeStep(s));
      }
      logExecuted(
        deps.logger,
        'resume',
        counts.filter((s): s is UpStep => s.kind !== 'restoreScaling'),
        out,
      );
      const executed = due.filter((s) => s.kind !== 'verify' && s.kind !== 'wait').map(describeStep);
      if (waitAt === -1) return { done: true, remaining: [], executed, desiredCount, waitedSeconds };
      const waiting = steps[waitAt];
      if (waiting !== undefined && waitedSeconds >= RESUME_WAIT_BOUND_SECONDS) {
        throw new DependencyTimeoutError(
          `resume: ${waiting.resource} still waited for after ${waitedSeconds} s (bound ${RESUME_WAIT_BOUND_SECONDS} s): ${waiting.reason}`,
        );
      }
      // Sized to what it waits for, as verify's checks are: instances boot and register in about a minute
      // after the group is restored; the health checks need `healthyThreshold` passes `intervalSeconds` apart
      // after the service is restored; then the waits back off.
      const waitingFor = resumeWaitingFor(waiting ?? { stage: 'capacity' });
      const previous = previousWait(state);
      const next = nextCheck(
        waitingFor,
        spec,
        previous === undefined
          ? undefined
          : {
              ...(previous.waitingFor !== undefined ? { waitingFor: previous.waitingFor } : {}),
              ...(previous.waitSeconds !== undefined ? { waitSeconds: previous.waitSeconds } : {}),
              ...(previous.waitStep !== undefined ? { waitStep: previous.waitStep } : {}),
            },
      );
      return {
        done: false,
        remaining: steps.slice(waitAt).map(describeStep),
        executed,
        desiredCount,
        waitedSeconds,
        waitingFor,
        waitSeconds: next.seconds,
        waitStep: next.step,
      };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('resume', {
    autoScaling: autoScalingAdapter,
    ecs: ecsAdapter,
    elbv2: elbv2Adapter,
    registry: registryAdapter,
    scaling: applicationAutoScalingAdapter,
  }),
);
