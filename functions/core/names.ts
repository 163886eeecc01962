import { createHash } from 'node:crypto';

/** Prefix of every resource Berth names. */
export const NAME_PREFIX = 'berth-';

/** AWS name length limits for the resources Berth names. */
export const NAME_LIMITS = {
  cluster: 255,
  service: 255,
  taskFamily: 255,
  targetGroup: 32,
  wakeTargetGroup: 32,
  loadBalancer: 32,
  autoScalingGroup: 255,
  launchTemplate: 128,
  capacityProvider: 255,
  albSecurityGroup: 255,
  instanceSecurityGroup: 255,
  containerName: 255,
} as const;

/** Deterministic AWS resource names of one environment (docs/architecture.md, "Names and tags"). */
export interface ResourceNames {
  readonly cluster: string;
  readonly service: string;
  readonly taskFamily: string;
  readonly targetGroup: string;
  /** The `lambda` target group serving the waking page while paused. */
  readonly wakeTargetGroup: string;
  readonly loadBalancer: string;
  readonly autoScalingGroup: string;
  readonly launchTemplate: string;
  readonly capacityProvider: string;
  readonly albSecurityGroup: string;
  readonly instanceSecurityGroup: string;
  /** The single container of the task definition, also named in the service's load balancer mapping. */
  readonly containerName: string;
}

/**
 * The names of every resource of environment `env`. For the longest legal name (20
 * characters) every name fits its AWS limit ({@link NAME_LIMITS}).
 *
 * @example resourceNames('demo').targetGroup // 'berth-demo-tg'
 */
export function resourceNames(env: string): ResourceNames {
  const base = `${NAME_PREFIX}${env}`;
  return {
    cluster: base,
    service: base,
    taskFamily: base,
    targetGroup: `${base}-tg`,
    wakeTargetGroup: `${base}-wake`,
    loadBalancer: `${base}-alb`,
    autoScalingGroup: `${base}-asg`,
    launchTemplate: `${base}-lt`,
    capacityProvider: `${base}-cp`,
    albSecurityGroup: `${base}-alb`,
    instanceSecurityGroup: `${base}-instances`,
    containerName: 'app',
  };
}

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Step Functions execution names: at most 80 characters. */
export const MAX_EXECUTION_NAME_LENGTH = 80;
const SAFE = /^[A-Za-z0-9_-]+$/;
const sanitize = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '-');

/**
 * The Step Functions execution name of an operation: `<operation>-<env>-<requestId>`,
 * at most 80 characters of `[A-Za-z0-9_-]`. The same inputs always give the same name, so
 * a retried request starts (or finds) the same execution. A request id that is too long or
 * contains other characters is replaced by a readable prefix plus a hash of the whole id, so
 * distinct request ids keep distinct names.
 *
 * @example executionName('up', 'demo', 'req-1') // 'up-demo-req-1'
 */
export function executionName(operation: string, env: string, requestId: string): string {
  const head = `${sanitize(operation)}-${sanitize(env)}`.slice(0, 40);
  const room = MAX_EXECUTION_NAME_LENGTH - head.length - 1;
  if (requestId.length > 0 && requestId.length <= room && SAFE.test(requestId)) {
    return `${head}-${requestId}`;
  }
  const hash = sha256Hex(requestId).slice(0, 24);
  const prefix = sanitize(requestId).slice(0, Math.max(0, room - hash.length - 1));
  return prefix.length > 0 ? `${head}-${prefix}-${hash}` : `${head}-${hash}`;
}
