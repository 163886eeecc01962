import { parseDuration } from './duration.ts';
import { ValidationError } from './errors.ts';
import { IDLE_AFTER_RULE, validIdleAfter } from './idle.ts';
import { MAX_DESIRED_COUNT } from './limits.ts';
import { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_DAYS, MAX_LOG_KEEP_DAYS } from './logs.ts';
import { isTimeZone, parseCronExpression } from './schedule-expression.ts';
import * as z from './zod.ts';

/** One problem with a spec: the dotted field path and the rule it breaks. */
export interface SpecIssue {
  readonly field: string;
  readonly rule: string;
}

/** An EC2 instance type Berth knows how to size tasks for. */
export interface InstanceTypeInfo {
  readonly vcpus: number;
  readonly memoryMiB: number;
}

/** Common ECS instance types (vCPU count and memory). Capacity is checked against this table. */
export const INSTANCE_TYPES: Readonly<Record<string, InstanceTypeInfo>> = {
  't3.micro': { vcpus: 2, memoryMiB: 1024 },
  't3.small': { vcpus: 2, memoryMiB: 2048 },
  't3.medium': { vcpus: 2, memoryMiB: 4096 },
  't3.large': { vcpus: 2, memoryMiB: 8192 },
  't3.xlarge': { vcpus: 4, memoryMiB: 16384 },
  't4g.micro': { vcpus: 2, memoryMiB: 1024 },
  't4g.small': { vcpus: 2, memoryMiB: 2048 },
  't4g.medium': { vcpus: 2, memoryMiB: 4096 },
  't4g.large': { vcpus: 2, memoryMiB: 8192 },
  't4g.xlarge': { vcpus: 4, memoryMiB: 16384 },
  'm5.large': { vcpus: 2, memoryMiB: 8192 },
  'm5.xlarge': { vcpus: 4, memoryMiB: 16384 },
  'm6i.large': { vcpus: 2, memoryMiB: 8192 },
  'm6i.xlarge': { vcpus: 4, memoryMiB: 16384 },
  'm6g.large': { vcpus: 2, memoryMiB: 8192 },
  'm7g.large': { vcpus: 2, memoryMiB: 8192 },
  'c5.large': { vcpus: 2, memoryMiB: 4096 },
  'c6i.large': { vcpus: 2, memoryMiB: 4096 },
  'c6i.xlarge': { vcpus: 4, memoryMiB: 8192 },
  'c6g.large': { vcpus: 2, memoryMiB: 4096 },
  'c7g.large': { vcpus: 2, memoryMiB: 4096 },
  'r6i.large': { vcpus: 2, memoryMiB: 16384 },
};

/** CPU units one task may use on `instanceType` (vCPU × 1024). */
export const usableCpuUnits = (info: InstanceTypeInfo): number => info.vcpus * 1024;

/** Memory (MiB) left for tasks after the OS and ECS agent: memory − max(256, 10 %). */
export const usableMemoryMiB = (info: InstanceTypeInfo): number =>
  info.memoryMiB - Math.max(256, Math.ceil(info.memoryMiB * 0.1));

/** Valid Fargate task sizes: CPU units → allowed memory (MiB). */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
};

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

const RULES = {
  name: 'must be a DNS label of 2–20 lowercase letters, digits or hyphens',
  nameDoubleHyphen: 'must not contain "--"',
  image:
    'must be a container image reference (repository[:tag][@digest]) of at most 255 characters without whitespace',
  port: 'must be an integer from 1 to 65535',
  envKey: 'must be a variable name (letters, digits, _; not starting with a digit)',
  string: 'must be a string',
  boolean: 'must be true or false',
  healthPath: "must start with '/' and contain no whitespace (at most 1024 characters)",
  healthPort: "must be 'traffic-port' or an integer from 1 to 65535",
  matcher: "must be HTTP codes 200–499 or ranges, e.g. '200', '200,302' or '200-299'",
  launchType: "must be 'EC2' or 'FARGATE'",
  networkMode: "must be 'bridge', 'awsvpc' or 'host'",
  lbMode: "must be 'dedicated' or 'shared'",
  host: 'must be a hostname (lowercase labels separated by dots, at most 253 characters)',
  pathPrefix: "must start with '/' and contain only letters, digits and - . _ ~ / (at most 128 characters)",
  ttl: 'must be a duration like 30m, 8h or 2d between 15m and 30d',
  nightly: "must be one of 'destroy', 'pause', 'keep'",
  owner:
    'must be 1–256 letters, digits, spaces or _ . : / = + - @ (an AWS tag value, e.g. an IAM principal ARN or a Slack user)',
  object: 'must be an object',
  retention: `must be one of the CloudWatch Logs retention values: ${LOG_RETENTION_DAYS.join(', ')}`,
  cron: 'must be an EventBridge Scheduler cron expression, cron(minutes hours day-of-month month day-of-week year)',
  timezone: "must be an IANA time zone name such as 'UTC', 'Europe/Paris' or 'Asia/Seoul'",
  scheduleEmpty: 'must give sleep, wake or both',
} as const;

const between = (min: number, max: number): string => `must be an integer from ${min} to ${max}`;
const int = (min: number, max: number, rule = between(min, max)) =>
  z
    .number({ error: rule })
    .check(z.int({ error: rule }), z.gte(min, { error: rule }), z.lte(max, { error: rule }));

const NAME = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE = new RegExp(
  `^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?${COMPONENT}(?:/${COMPONENT})*` +
    '(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?' +
    '(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$',
);
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MATCHER = /^\d{3}(?:-\d{3})?(?:,\d{3}(?:-\d{3})?)*$/;
const HOST =
  /^(?=.{1,253}$)(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const PATH_PREFIX = /^\/[A-Za-z0-9._~/-]{0,127}$/;
const MIN_TTL_SECONDS = 15 * 60;
const MAX_TTL_SECONDS = 30 * 86_400;

function validMatcher(text: string): boolean {
  if (!MATCHER.test(text)) return false;
  return text.split(',').every((part) => {
    const [low, high = low] = part.split('-').map(Number);
    return low !== undefined && high !== undefined && low >= 200 && high <= 499 && low <= high;
  });
}

function validTtl(text: string): boolean {
  try {
    const seconds = parseDuration(text, 'ttl');
    return seconds >= MIN_TTL_SECONDS && seconds <= MAX_TTL_SECONDS;
  } catch {
    return false;
  }
}

/** An environment name: a DNS label of 2–20 characters without `--`. */
export const EnvNameSchema = z.lazy(() =>
  z.string({ error: RULES.name }).check(
    z.minLength(2, { error: RULES.name }),
    z.maxLength(20, { error: RULES.name }),
    z.regex(NAME, { error: RULES.name }),
    z.refine((name) => !name.includes('--'), { error: RULES.nameDoubleHyphen }),
  ),
);

/** A container image reference: `repository[:tag][@digest]`, ≤ 255 characters, no whitespace. */
export const ImageSchema = z.lazy(() =>
  z
    .string({ error: RULES.image })
    .check(
      z.minLength(1, { error: RULES.image }),
      z.maxLength(255, { error: RULES.image }),
      z.regex(IMAGE, { error: RULES.image }),
    ),
);

/** Health check of the target group (and the grace period of the service). */
export const HealthCheckSchema = z.lazy(() =>
  z.strictObject(
    {
      path: z._default(
        z
          .string({ error: RULES.healthPath })
          .check(
            z.maxLength(1024, { error: RULES.healthPath }),
            z.regex(/^\/\S*$/, { error: RULES.healthPath }),
          ),
        '/',
      ),
      port: z._default(
        z.union([z.literal('traffic-port'), int(1, 65535, RULES.healthPort)], { error: RULES.healthPort }),
        'traffic-port',
      ),
      intervalSeconds: z._default(int(5, 300), 30),
      timeoutSeconds: z._default(int(2, 120), 5),
      healthyThreshold: z._default(int(2, 10), 5),
      unhealthyThreshold: z._default(int(2, 10), 2),
      matcher: z._default(
        z.string({ error: RULES.matcher }).check(z.refine(validMatcher, { error: RULES.matcher })),
        '200-399',
      ),
      gracePeriodSeconds: z._default(int(0, 2_147_483_647), 60),
    },
    { error: RULES.object },
  ),
);

/**
 * The workload's logs: the group `/berth/<name>` keeps events `retentionDays` (a CloudWatch Logs
 * retention value); with `keepDays` > 0 the group outlives `down` by that many days (then the
 * nightly job deletes it), otherwise `down` deletes it.
 */
export const LogsSchema = z.lazy(() =>
  z.strictObject(
    {
      retentionDays: z._default(
        z.number({ error: RULES.retention }).check(
          z.refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
            error: RULES.retention,
          }),
        ),
        DEFAULT_LOG_RETENTION_DAYS,
      ),
      keepDays: z._default(int(0, MAX_LOG_KEEP_DAYS), 0),
    },
    { error: RULES.object },
  ),
);

const CronSchema = z.lazy(() =>
  z.string({ error: RULES.cron }).check(
    z.superRefine((text, ctx) => {
      const parsed = parseCronExpression(text);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: `${RULES.cron}; '${text}' ${parsed.reason}` });
    }),
  ),
);

/**
 * Sleep/wake schedules: `sleep` pauses the environment and `wake` resumes it when their cron expression fires,
 * evaluated in `timezone` (EventBridge Scheduler's syntax and time zones; see schedule-expression.ts).
 */
export const ScheduleSchema = z.lazy(() =>
  z.strictObject(
    {
      sleep: z.optional(CronSchema),
      wake: z.optional(CronSchema),
      timezone: z._default(
        z
          .string({ error: RULES.timezone })
          .check(z.refine((zone) => isTimeZone(zone), { error: RULES.timezone })),
        'UTC',
      ),
    },
    { error: RULES.object },
  ),
);

/** EC2 capacity (Auto Scaling group) of an environment. */
export const CapacitySchema = z.lazy(() =>
  z.strictObject(
    {
      instanceType: z._default(
        z.string({ error: 'must be a string' }).check(
          z.refine((type) => Object.hasOwn(INSTANCE_TYPES, type), {
            error: `must be one of the known instance types: ${Object.keys(INSTANCE_TYPES).join(', ')}`,
          }),
        ),
        't3.small',
      ),
      minSize: z._default(int(0, 10), 1),
      maxSize: z._default(int(1, 10), 2),
      desiredCapacity: z._default(int(0, 10), 1),
    },
    { error: RULES.object },
  ),
);

/**
 * How the environment is reached. `dedicated`: its own ALB and port-80 listener.
 * `shared`: a listener rule on the shared ALB that matches `host` and/or `pathPrefix`;
 * when neither is given the rule matches the host `<name>.berth.internal` (filled in by
 * {@link parseEnvSpec}). `host`/`pathPrefix` are rejected in `dedicated` mode.
 */
export const LoadBalancerSchema = z.lazy(() =>
  z.strictObject(
    {
      mode: z._default(z.enum(['dedicated', 'shared'], { error: RULES.lbMode }), 'dedicated'),
      host: z.optional(z.string({ error: RULES.host }).check(z.regex(HOST, { error: RULES.host }))),
      pathPrefix: z.optional(
        z.string({ error: RULES.pathPrefix }).check(z.regex(PATH_PREFIX, { error: RULES.pathPrefix })),
      ),
    },
    { error: RULES.object },
  ),
);

const BaseSchema = z.lazy(() =>
  z.strictObject(
    {
      name: EnvNameSchema,
      image: ImageSchema,
      containerPort: z._default(int(1, 65535), 80),
      environment: z.optional(
        z.record(
          z.string().check(z.regex(ENV_KEY, { error: RULES.envKey })),
          z.string({ error: RULES.string }),
          { error: RULES.object },
        ),
      ),
      healthCheck: z.prefault(HealthCheckSchema, {}),
      cpu: z._default(int(128, 16384, 'must be an integer number of CPU units from 128 to 16384'), 256),
      memory: z._default(int(128, 122880, 'must be an integer number of MiB from 128 to 122880'), 512),
      memoryReservation: z._default(int(6, 122880, 'must be an integer number of MiB from 6 to 122880'), 256),
      desiredCount: z._default(int(0, MAX_DESIRED_COUNT), 1),
      launchType: z._default(z.enum(['EC2', 'FARGATE'], { error: RULES.launchType }), 'EC2'),
      capacity: z.optional(CapacitySchema),
      networkMode: z.optional(z.enum(['bridge', 'awsvpc', 'host'], { error: RULES.networkMode })),
      loadBalancer: z.prefault(LoadBalancerSchema, {}),
      logs: z.prefault(LogsSchema, {}),
      ttl: z._default(z.string({ error: RULES.ttl }).check(z.refine(validTtl, { error: RULES.ttl })), '24h'),
      keep: z._default(z.boolean({ error: RULES.boolean }), false),
      /**
       * What the nightly job does with the environment: `destroy` (absent: the default) takes it down when
       * expired or not kept; `pause` pauses it instead until it expires (then destroys it); `keep` leaves it.
       */
      nightly: z.optional(z.enum(['destroy', 'pause', 'keep'], { error: RULES.nightly })),
      /**
       * Idle sleep: pause the environment once its load balancer saw no request for this long (`30m`, `2h`;
       * 15m–7d), judged from the ALB's RequestCount by the scheduled idle check (core `idle.ts`). Absent: never.
       */
      idleAfter: z.optional(
        z.string({ error: IDLE_AFTER_RULE }).check(z.refine(validIdleAfter, { error: IDLE_AFTER_RULE })),
      ),
      /** Optional sleep/wake schedules (EventBridge Scheduler schedules when deployed). */
      schedule: z.optional(ScheduleSchema),
      keepOnFailure: z._default(z.boolean({ error: RULES.boolean }), false),
      owner: z.string({ error: RULES.owner }).check(
        z.minLength(1, { error: RULES.owner }),
        z.maxLength(256, { error: RULES.owner }), // AWS tag values hold up to 256 characters
        z.regex(/^[\p{L}\p{N} _.:/=+\-@]+$/u, { error: RULES.owner }),
      ),
    },
    { error: RULES.object },
  ),
);

type BaseSpec = z.output<typeof BaseSchema>;
export type HealthCheckSpec = z.output<typeof HealthCheckSchema>;
export type CapacitySpec = z.output<typeof CapacitySchema>;
export type LoadBalancerSpec = z.output<typeof LoadBalancerSchema>;
export type LogsSpec = z.output<typeof LogsSchema>;
export type ScheduleSpec = z.output<typeof ScheduleSchema>;
export type NetworkMode = 'bridge' | 'awsvpc' | 'host';
export type LaunchType = 'EC2' | 'FARGATE';

/** Default host of a shared-mode environment without `host` or `pathPrefix`. */
export const sharedDefaultHost = (name: string): string => `${name}.berth.internal`;

function resolveDefaults(base: BaseSpec) {
  const { capacity, networkMode, loadBalancer, ...rest } = base;
  const isFargate = base.launchType === 'FARGATE';
  const resolvedLb: LoadBalancerSpec =
    loadBalancer.mode === 'shared' && loadBalancer.host === undefined && loadBalancer.pathPrefix === undefined
      ? { ...loadBalancer, host: sharedDefaultHost(base.name) }
      : loadBalancer;
  const resolvedCapacity: CapacitySpec | undefined = isFargate
    ? capacity
    : (capacity ?? CapacitySchema.parse({}));
  return {
    ...rest,
    networkMode: (networkMode ?? (isFargate ? 'awsvpc' : 'bridge')) as NetworkMode,
    loadBalancer: resolvedLb,
    ...(resolvedCapacity === undefined ? {} : { capacity: resolvedCapacity }),
  };
}

type Resolved = ReturnType<typeof resolveDefaults>;

/** Cross-field rules, run on a spec whose fields are each valid (a `capacity` kept for FARGATE was given). */
export function crossFieldIssues(spec: Resolved): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const add = (field: string, rule: string) => issues.push({ field, rule });
  const hc = spec.healthCheck;
  if (hc.timeoutSeconds >= hc.intervalSeconds) {
    add(
      'healthCheck.timeoutSeconds',
      `must be less than healthCheck.intervalSeconds (${hc.intervalSeconds})`,
    );
  }
  if (spec.launchType === 'FARGATE') {
    const memories = FARGATE_SIZES[spec.cpu];
    if (memories === undefined) {
      add('cpu', `must be one of ${Object.keys(FARGATE_SIZES).join(', ')} with launchType 'FARGATE'`);
    } else if (!memories.includes(spec.memory)) {
      add(
        'memory',
        `must be one of ${memories.join(', ')} MiB with launchType 'FARGATE' and cpu ${spec.cpu}`,
      );
    }
  } else if (spec.capacity !== undefined) {
    const type = spec.capacity.instanceType;
    const info = INSTANCE_TYPES[type];
    if (info !== undefined) {
      const cpuFits = usableCpuUnits(info);
      const memoryFits = usableMemoryMiB(info);
      if (spec.cpu > cpuFits) {
        add(
          'cpu',
          `${spec.cpu} CPU units do not fit ${type} (${info.vcpus} vCPU); use at most ${cpuFits} or a larger instance type`,
        );
      }
      if (spec.memory > memoryFits) {
        add(
          'memory',
          `${spec.memory} MiB does not fit ${type} (${info.memoryMiB} MiB, ${memoryFits} MiB usable after OS/agent headroom); use at most ${memoryFits} or a larger instance type`,
        );
      }
    }
  }
  if (spec.memoryReservation > spec.memory) {
    add('memoryReservation', `must be at most memory (${spec.memory} MiB)`);
  }
  if (spec.launchType === 'FARGATE' && spec.capacity !== undefined) {
    add('capacity', "is only allowed with launchType 'EC2'");
  }
  if (spec.capacity !== undefined && spec.launchType === 'EC2') {
    const { minSize, maxSize, desiredCapacity } = spec.capacity;
    if (minSize > maxSize) add('capacity.minSize', `must be at most capacity.maxSize (${maxSize})`);
    else if (desiredCapacity < minSize || desiredCapacity > maxSize) {
      add(
        'capacity.desiredCapacity',
        `must be from capacity.minSize (${minSize}) to capacity.maxSize (${maxSize})`,
      );
    }
  }
  if (spec.launchType === 'FARGATE' && spec.networkMode !== 'awsvpc') {
    add('networkMode', "must be 'awsvpc' with launchType 'FARGATE'");
  }
  if (
    spec.networkMode === 'host' &&
    spec.capacity !== undefined &&
    spec.desiredCount > spec.capacity.maxSize
  ) {
    add(
      'desiredCount',
      `must be at most capacity.maxSize (${spec.capacity.maxSize}) in 'host' network mode (one task per instance per port)`,
    );
  }
  if (spec.schedule !== undefined && spec.schedule.sleep === undefined && spec.schedule.wake === undefined) {
    add('schedule', RULES.scheduleEmpty);
  }
  const lb = spec.loadBalancer;
  if (lb.mode === 'dedicated') {
    if (lb.host !== undefined) add('loadBalancer.host', "is only used with loadBalancer.mode 'shared'");
    if (lb.pathPrefix !== undefined)
      add('loadBalancer.pathPrefix', "is only used with loadBalancer.mode 'shared'");
  }
  return issues;
}

/**
 * The environment spec: field rules, defaults (with `networkMode` `awsvpc` for Fargate,
 * `bridge` otherwise; `capacity` defaults for EC2; a default shared-mode host) and
 * cross-field rules (Fargate sizes, instance fit, soft ≤ hard memory, capacity bounds…).
 * Prefer {@link parseEnvSpec}/{@link validateEnvSpec}: they turn issues into `field: rule`.
 */
export const EnvSpecSchema = z.lazy(() =>
  z.pipe(BaseSchema, z.transform(resolveDefaults)).check(
    z.superRefine((spec, ctx) => {
      for (const issue of crossFieldIssues(spec)) {
        ctx.addIssue({ code: 'custom', path: issue.field.split('.'), message: issue.rule });
      }
    }),
  ),
);

/** A validated spec with every default applied. */
export type EnvSpec = z.output<typeof EnvSpecSchema>;
/** What users write: every defaulted field optional. */
export type EnvSpecInput = z.input<typeof EnvSpecSchema>;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

const fieldOf = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/** Turns zod issues into `{field, rule}` (unknown keys one by one, missing fields `is required`). */
export function toSpecIssues(
  input: unknown,
  issues: readonly z.core.$ZodIssue[],
  root = 'spec',
): SpecIssue[] {
  const result: SpecIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        result.push({ field: fieldOf([...issue.path, key]), rule: 'is not a known field' });
    } else if (issue.code === 'invalid_key') {
      result.push({ field: fieldOf(issue.path), rule: issue.issues[0]?.message ?? RULES.envKey });
    } else if (issue.path.length === 0) {
      result.push({ field: root, rule: RULES.object });
    } else if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
      result.push({ field: fieldOf(issue.path), rule: 'is required' });
    } else {
      result.push({ field: fieldOf(issue.path), rule: issue.message });
    }
  }
  // One issue per field: the first check that failed.
  return result.filter((issue, index) => result.findIndex((other) => other.field === issue.field) === index);
}

/** Result of {@link validateEnvSpec}. */
export type EnvSpecValidation = { ok: true; spec: EnvSpec } | { ok: false; issues: SpecIssue[] };

/**
 * Validates `input` and lists every issue. Field issues come first, in field order;
 * cross-field rules are checked only once every field is valid on its own.
 *
 * @example validateEnvSpec({ name: 'x' }).ok // false
 */
export function validateEnvSpec(input: unknown): EnvSpecValidation {
  const base = BaseSchema.safeParse(input);
  if (!base.success) return { ok: false, issues: toSpecIssues(input, base.error.issues) };
  const spec = resolveDefaults(base.data);
  const issues = crossFieldIssues(spec);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, spec };
}

/**
 * Parses a spec, applying defaults.
 *
 * @throws ValidationError for the first issue (`field`, `rule`; message `<field>: <rule>`)
 * @example parseEnvSpec({ name: 'demo', image: 'nginx:1.27', owner: 'ana' }).cpu // 256
 */
export function parseEnvSpec(input: unknown): EnvSpec {
  const result = validateEnvSpec(input);
  if (result.ok) return result.spec;
  const [first] = result.issues;
  throw new ValidationError(first?.field ?? 'spec', first?.rule ?? RULES.object);
}
