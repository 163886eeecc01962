import type { EnvSpec } from './env-spec.ts';

/**
 * AWS-side durations verification must allow for (seconds). Each is an upper expectation with its
 * public source, not a typical value: verification that gives up before AWS could have finished
 * rolls back a healthy environment.
 */
const AWS_DURATIONS = {
  /**
   * A new ALB is `provisioning` for minutes before `active`. The SDK's `LoadBalancerAvailable`
   * waiter allows 40 × 15 s = 10 min; users report up to 30 min in some regions, so the budget
   * takes the 30 minutes.
   */
  albProvisioning: 1800,
  /**
   * An ECS-optimized instance boots and its agent registers the container instance: a few minutes.
   */
  instanceBootAndRegistration: 300,
  /**
   * Managed scaling's default `instanceWarmupPeriod` (ECS CreateCapacityProvider API reference:
   * "If this parameter is omitted, the default value of 300 seconds is used").
   */
  managedScalingWarmup: 300,
  /** Fargate provisions an awsvpc task (ENI attachment) before pulling its image. */
  fargateProvisioning: 120,
  /** Image pull and container start. */
  taskStart: 120,
} as const;

/** One part of the budget: a step verification may be waiting on, and the seconds allowed for it. */
interface VerifyBudgetPart {
  readonly step: string;
  readonly seconds: number;
}

/** How long verification of an operation may stay Pending before it times out (AWS seconds). */
export interface VerifyBudget {
  readonly seconds: number;
  /** The parts, for the timeout message and `--dry-run`. */
  readonly parts: readonly VerifyBudgetPart[];
  /** `max(ALB provisioning 1800 s, instance boot … 300 s + task start 120 s) + health checks 185 s = 1985 s` */
  readonly formula: string;
}

type Operation = 'up' | 'scale' | 'redeploy' | string;

/**
 * The verify deadline derived from the spec and the operation: what runs in parallel (the ALB
 * provisions while instances boot and tasks start) counts once, as its longest branch; then the
 * target must pass `healthyThreshold` checks `intervalSeconds` apart (ALB health checks start only
 * once the ALB is active, ELBv2 TargetHealth `Elb.RegistrationInProgress`), the first up to one
 * interval after registration, each allowed its `timeoutSeconds`; a redeploy or scale-in also waits
 * for the old targets to drain (the target group's deregistration delay).
 *
 * @example
 * verifyBudget(parseEnvSpec({ name: 'demo', image: 'nginx', owner: 'ana' }), 'up').seconds // 1985
 */
export function verifyBudget(
  spec: EnvSpec,
  operation: Operation,
  options: { readonly deregistrationDelaySeconds?: number } = {},
): VerifyBudget {
  const parts: VerifyBudgetPart[] = [];
  const ec2 = spec.launchType === 'EC2';
  const compute: VerifyBudgetPart[] = [];
  if (ec2 && operation === 'up') {
    compute.push({
      step: 'instance boot and registration',
      seconds: AWS_DURATIONS.instanceBootAndRegistration,
    });
  }
  if (ec2 && operation === 'scale') {
    compute.push(
      { step: 'managed scaling warm-up', seconds: AWS_DURATIONS.managedScalingWarmup },
      { step: 'instance boot and registration', seconds: AWS_DURATIONS.instanceBootAndRegistration },
    );
  }
  if (!ec2) compute.push({ step: 'Fargate task provisioning', seconds: AWS_DURATIONS.fargateProvisioning });
  compute.push({ step: 'image pull and task start', seconds: AWS_DURATIONS.taskStart });
  const computeSeconds = compute.reduce((sum, part) => sum + part.seconds, 0);
  const alb =
    operation === 'up' && spec.loadBalancer.mode === 'dedicated'
      ? { step: 'ALB provisioning', seconds: AWS_DURATIONS.albProvisioning }
      : undefined;

  const hc = spec.healthCheck;
  const health: VerifyBudgetPart = {
    step: `health checks (${hc.healthyThreshold} × ${hc.intervalSeconds} s, timeout ${hc.timeoutSeconds} s)`,
    seconds: hc.intervalSeconds * (hc.healthyThreshold + 1) + hc.timeoutSeconds,
  };
  const drain =
    operation === 'redeploy' || operation === 'scale'
      ? { step: 'old targets draining', seconds: options.deregistrationDelaySeconds ?? 300 }
      : undefined;

  const computeText = compute.map((part) => `${part.step} ${part.seconds} s`).join(' + ');
  const critical = Math.max(alb?.seconds ?? 0, computeSeconds);
  parts.push(...(alb ? [alb] : []), ...compute, health, ...(drain ? [drain] : []));
  const seconds = critical + health.seconds + (drain?.seconds ?? 0);
  const head = alb ? `max(${alb.step} ${alb.seconds} s, ${computeText})` : computeText;
  const formula = `${head} + ${health.step} ${health.seconds} s${drain ? ` + ${drain.step} ${drain.seconds} s` : ''} = ${seconds} s`;
  return { seconds, parts, formula };
}
