import { DEFAULT_DEREGISTRATION_DELAY_SECONDS } from '../adapters/elbv2.ts';
import { observeEnvironment } from '../adapters/observe-environment.ts';
import {
  type AssessHealthOptions,
  assessHealth,
  MAX_REASON_LENGTH,
  type UnhealthyCode,
} from '../core/assess-health.ts';
import type { EnvSpec } from '../core/env-spec.ts';
import { type ObservedUsage, usageFromObserved } from '../core/environment-cost.ts';
import { VerifyTimeoutError } from '../core/errors.ts';
import { logGroupName, taskStreamName, taskToQuote, withLastLines } from '../core/logs.ts';
import { resourceNames } from '../core/names.ts';
import {
  nextCheck,
  type PreviousCheck,
  startedSecondsAgo,
  type WaitingFor,
  waitingFor,
} from '../core/next-check.ts';
import type { ObservedEnvironment, ObservedProbe } from '../core/observed.ts';
import { verifyBudget } from '../core/verify-budget.ts';
import type { ConfigOf } from './config.ts';
import {
  defaultDeps,
  envOf,
  type HandlerDeps,
  type LifecycleState,
  runStep,
  specOf,
} from './lifecycle-deps.ts';
import { ecsAdapter, elbv2Adapter, logsAdapter } from './wiring.ts';
import { registryAdapter } from './wiring-registry.ts';

/** Probe timeout: short, verify is polled by the state machine. */
export const PROBE_TIMEOUT_MS = 3000;

export interface VerifyResult {
  readonly health: 'Healthy' | 'Pending' | 'Unhealthy';
  readonly reason: string;
  readonly url: string;
  readonly code?: UnhealthyCode;
  /** Checks made by this verify loop, this one included (the state machine's deadline counts them). */
  readonly checks: number;
  /** AWS seconds this verify loop has waited before this check (the sum of the waits it asked for). */
  readonly waitedSeconds: number;
  /** The verify deadline (AWS seconds) core `verifyBudget` derives from the spec and the operation. */
  readonly deadlineSeconds: number;
  /** Pending: what the environment waits for, and the seconds the state machine waits before the next check. */
  readonly waitingFor?: WaitingFor;
  readonly waitSeconds?: number;
  /** Healthy: what the environment runs (instances, tasks, load balancer), stored by `record` for its cost. */
  readonly usage?: ObservedUsage;
  /** Pending: 0 for the first wait for `waitingFor`, then 1, 2, … as the waits back off. */
  readonly waitStep?: number;
}

/** The previous check of this verify loop: the state machine keeps the last result at `$.verify`. */
function previousCheck(state: LifecycleState): PreviousCheck & { checks?: number; waitedSeconds?: number } {
  const last = state['verify'];
  if (last === null || typeof last !== 'object') return {};
  const {
    waitingFor: waiting,
    waitSeconds,
    waitStep,
    checks,
    waitedSeconds,
  } = last as Record<string, unknown>;
  return {
    ...(typeof waiting === 'string' ? { waitingFor: waiting } : {}),
    ...(typeof waitSeconds === 'number' ? { waitSeconds } : {}),
    ...(typeof waitStep === 'number' ? { waitStep } : {}),
    ...(typeof checks === 'number' ? { checks } : {}),
    ...(typeof waitedSeconds === 'number' ? { waitedSeconds } : {}),
  };
}

export type VerifyDeps = Pick<
  HandlerDeps<ConfigOf<'verify'>>,
  'config' | 'ecs' | 'elbv2' | 'logs' | 'registry' | 'probe' | 'logger' | 'now'
>;

/** How many of a task's last lines a failure reason quotes at most (see core `withLastLines`). */
export const QUOTED_TASK_LINES = 10;

/**
 * The reason of an Unhealthy verdict with the last lines of the task that failed (stopped, or
 * running but never healthy) from its `awslogs` stream. Reading the logs never fails the step:
 * without lines the reason stays as it was.
 */
async function quoteTaskOutput(
  deps: VerifyDeps,
  env: string,
  observed: ObservedEnvironment,
  reason: string,
  requestedTaskDefinition: string | undefined,
): Promise<string> {
  const taskId = taskToQuote(observed.tasks ?? [], requestedTaskDefinition);
  if (taskId === undefined) return reason;
  try {
    const stream = taskStreamName(resourceNames(env).containerName, taskId);
    const lines = await deps.logs.lastLines(logGroupName(env), stream, QUOTED_TASK_LINES);
    return withLastLines(
      reason,
      taskId,
      lines.map((l) => l.message),
      MAX_REASON_LENGTH,
    );
  } catch (err) {
    deps.logger.warn('verify: could not read the task logs', { env, taskId, error: String(err) });
    return reason;
  }
}

/**
 * Where to probe: the ALB's DNS name on port 80, and the `Host` its listener must see.
 * Dedicated: the health path with `Host` = the DNS name. Shared: `Host` = the environment's host
 * (`<name>.berth.internal` by default, or `loadBalancer.host`; the DNS name when the rule only has a
 * path), and with `loadBalancer.pathPrefix` the health path under the prefix
 * (`/app` + `/health` → `/app/health`), which the rule's `/app/*` pattern matches.
 *
 * @example
 * probeTarget(parseEnvSpec({ ...base, loadBalancer: { mode: 'shared' } }), 'berth-shared-alb-1.elb.localhost');
 * // → { url: 'http://berth-shared-alb-1.elb.localhost:80/health', hostHeader: 'demo.berth.internal' }
 */
export function probeTarget(spec: EnvSpec, dnsName: string): { url: string; hostHeader: string } {
  if (spec.loadBalancer.mode !== 'shared') {
    return { url: `http://${dnsName}:80${spec.healthCheck.path}`, hostHeader: dnsName };
  }
  const prefix = (spec.loadBalancer.pathPrefix ?? '').replace(/\/+$/, '');
  return {
    url: `http://${dnsName}:80${prefix}${spec.healthCheck.path}`,
    hostHeader: spec.loadBalancer.host ?? dnsName,
  };
}

/**
 * Why the verifier cannot probe through the load balancer, or `undefined` when it can. A dedicated
 * ALB's group admits HTTP only from `BERTH_ALLOWED_CIDR`; the verify Lambda runs outside the VPC, on
 * an AWS address no narrowed CIDR can be expected to hold, so unless the CIDR is `0.0.0.0/0` its
 * probe would be dropped and time out (docs/decisions/0004-verify-restricted-alb.md). The shared
 * ALB's group admits the same CIDR (the network stack's `allowedCidr`), so the same holds in shared mode.
 */
export function unreachableBecause(_spec: EnvSpec, allowedCidr: string): string | undefined {
  if (allowedCidr === '0.0.0.0/0') return undefined;
  return `the load balancer admits HTTP only from ${allowedCidr} (BERTH_ALLOWED_CIDR), and the verifier runs outside the VPC`;
}

/**
 * The URL people use: dedicated `http://<alb dns>/`; shared `http://<host><pathPrefix or />` (the
 * host the rule matches, reached through the shared ALB; the DNS name when the rule has no host).
 * With `frontDoor` (`BERTH_PROBE_ENDPOINT`: where the load balancers really answer, e.g. the local
 * cloud's `http://127.0.0.1:4566`) the URL carries that port, so following it works; on AWS the
 * listener's port 80 is implied.
 *
 * @example userUrl(spec, 'berth-demo-alb-1.elb.localhost', 'http://127.0.0.1:4566') // 'http://berth-demo-alb-1.elb.localhost:4566/'
 */
export function userUrl(spec: EnvSpec, dnsName: string, frontDoor?: string): string {
  const port = frontDoor === undefined ? '' : new URL(frontDoor).port;
  const withPort = (host: string): string => (port === '' || port === '80' ? host : `${host}:${port}`);
  if (spec.loadBalancer.mode === 'shared') {
    return `http://${withPort(spec.loadBalancer.host ?? dnsName)}${spec.loadBalancer.pathPrefix ?? '/'}`;
  }
  return dnsName ? `http://${withPort(dnsName)}/` : '';
}

/**
 * Observes the service, tasks (running and stopped), target health and the load balancer, probes
 * through the ALB when it is ready ({@link probeTarget}; with `BERTH_PROBE_ENDPOINT` the probe
 * connects there and names the ALB in `x-berth-load-balancer`), and returns core `assessHealth`'s
 * verdict. Never sleeps: the state machine Waits.
 * Rollback detection compares against `redeploy.taskDefinitionArn` (redeploy) or
 * `resources.taskDefinition.taskDefinitionArn` (up).
 * Pending results say what the environment waits for and how long the state machine should wait before
 * the next check (core `nextCheckSeconds`: sized to what is awaited, then backing off).
 * The deadline is core `verifyBudget` (the spec's health-check settings and AWS's provisioning
 * times): still Pending once the loop has waited that long, it throws `VerifyTimeoutError` naming
 * what it still waits for.
 * A Healthy result carries `usage`: what the environment runs, as observed here (core `usageFromObserved`).
 * @returns `{ health, reason, url, checks, waitedSeconds, deadlineSeconds, code?, waitingFor?, waitSeconds?, usage? }`
 * @throws VerifyTimeoutError past the deadline while Pending
 */
export function makeHandler(deps: VerifyDeps) {
  return async (state: LifecycleState): Promise<VerifyResult> =>
    runStep(deps.logger, 'verify', state, async () => {
      const env = envOf(state);
      const spec = await specOf(state, () => deps.registry);
      const shared = spec.loadBalancer.mode === 'shared';
      const observed: ObservedEnvironment = await observeEnvironment(
        { ecs: deps.ecs, elbv2: deps.elbv2 },
        {
          env,
          parts: ['targets', 'cluster', 'service', 'tasks', 'task-definitions'],
          ...(shared && deps.config.sharedListenerArn
            ? { sharedListenerArn: deps.config.sharedListenerArn }
            : {}),
        },
      );
      let dnsName = observed.loadBalancer?.dnsName ?? state.resources?.loadBalancer?.dnsName ?? '';
      if (shared && deps.config.sharedListenerArn) {
        const sharedLb = await deps.elbv2.observeLoadBalancerOfListener(deps.config.sharedListenerArn);
        dnsName = sharedLb?.dnsName ?? dnsName;
      }
      const reachable = shared
        ? observed.listenerRule !== undefined
        : observed.loadBalancer?.state === 'active';
      const probeSkipped = unreachableBecause(spec, deps.config.allowedCidr);
      let probe: ObservedProbe | undefined;
      if (reachable && dnsName && probeSkipped === undefined) {
        const target = probeTarget(spec, dnsName);
        probe = await deps.probe({
          url: target.url,
          hostHeader: target.hostHeader,
          timeoutMs: PROBE_TIMEOUT_MS,
          ...(deps.config.probeEndpoint ? { connectTo: deps.config.probeEndpoint } : {}),
        });
      }
      const options: { -readonly [K in keyof AssessHealthOptions]: AssessHealthOptions[K] } = {};
      const requested =
        state.redeploy?.taskDefinitionArn ?? state.resources?.taskDefinition?.taskDefinitionArn;
      if (requested) options.taskDefinitionArn = requested;
      if (typeof state.desiredCount === 'number') options.desiredCount = state.desiredCount;
      if (probeSkipped !== undefined) options.probeSkipped = probeSkipped;
      const verdict = assessHealth(probe ? { ...observed, probe } : observed, spec, options);
      const previous = previousCheck(state);
      const checks = (previous.checks ?? 0) + 1;
      const waitedSeconds = (previous.waitedSeconds ?? 0) + (previous.waitSeconds ?? 0);
      const budget = verifyBudget(spec, state.operation, {
        deregistrationDelaySeconds: DEFAULT_DEREGISTRATION_DELAY_SECONDS,
      });
      if (verdict.status === 'Pending' && waitedSeconds >= budget.seconds) {
        throw new VerifyTimeoutError(
          `still waiting after ${waitedSeconds} s, past the verify deadline of ${budget.seconds} s (${budget.formula}): ${verdict.reason}`,
        );
      }
      const reason =
        verdict.status === 'Unhealthy'
          ? await quoteTaskOutput(deps, env, observed, verdict.reason, requested)
          : verdict.reason;
      const base = {
        health: verdict.status,
        reason,
        url: userUrl(spec, dnsName, deps.config.probeEndpoint),
        checks,
        waitedSeconds,
        deadlineSeconds: budget.seconds,
      };
      if (verdict.status === 'Unhealthy') return { ...base, code: verdict.code };
      if (verdict.status === 'Healthy') return { ...base, usage: usageFromObserved(observed, spec) };
      const waiting = waitingFor(observed, spec, options);
      const next = nextCheck(waiting, spec, previous, {
        startedSecondsAgo: startedSecondsAgo(waiting, observed, spec, previous, deps.now(), {
          autoScalingGroupCreatedTime: state.resources?.cluster?.autoScalingGroupCreatedTime,
        }),
      });
      return { ...base, waitingFor: waiting, waitSeconds: next.seconds, waitStep: next.step };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(
  defaultDeps('verify', {
    ecs: ecsAdapter,
    elbv2: elbv2Adapter,
    logs: logsAdapter,
    registry: registryAdapter,
  }),
);
