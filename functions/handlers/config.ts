import { ConfigError } from '../core/errors.ts';
import { DEFAULT_LOCK_TTL_SECONDS } from '../core/limits.ts';
import { DEFAULT_SCHEDULE_GROUP } from '../core/schedules.ts';
import { HANDLER_SETTINGS, type HandlerFile } from './settings.ts';

/** Default of `BERTH_AMI_PARAMETER`: the ECS-optimized Amazon Linux 2023 AMI. */
export const DEFAULT_AMI_PARAMETER = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';

/**
 * Every setting a Berth function can read (docs/architecture.md, "Handler configuration"). A function gets the
 * fields of the variables it declares in `functions/handlers/settings.ts` only ({@link HandlerConfig}).
 */
export interface Config {
  readonly tableName?: string;
  readonly vpcId?: string;
  readonly publicSubnets?: readonly string[];
  readonly privateSubnets?: readonly string[];
  readonly instanceProfileArn?: string;
  readonly executionRoleArn?: string;
  readonly allowedCidr: string;
  readonly amiParameter: string;
  readonly sharedListenerArn?: string;
  readonly sharedAlbSecurityGroupId?: string;
  readonly lifecycleStateMachineArn?: string;
  readonly nightlyStateMachineArn?: string;
  readonly slackSecretArn?: string;
  readonly notifyWebhookUrl?: string;
  /** Deployed: the Secrets Manager secret holding the notification webhook URL (docs/security.md). */
  readonly notifyWebhookSecretArn?: string;
  readonly probeEndpoint?: string;
  readonly lockTtlSeconds: number;
  readonly planFunctionName?: string;
  /** The function that changes a settled environment's schedule (`berth schedule`, `PATCH` with `schedule`). */
  readonly scheduleFunctionName?: string;
  /** Hours before expiry the expiry warning is posted (docs/slack.md). */
  readonly expiryWarningHours?: number;
  /** Hours the nightly report counts a night's savings over (docs/cost.md). */
  readonly nightHours?: number;
  /** Wake on request: the function the paused environment's load balancer invokes (`BERTH_WAKE_FUNCTION_ARN`). */
  readonly wakeFunctionArn?: string;
  /** The access policy (docs/security.md): an SSM parameter, or a file (the local platform). */
  readonly policyParameter?: string;
  readonly policyFile?: string;
  /** Admins when no policy is configured (comma-separated principals, as given). */
  readonly apiPrincipals?: string;
  /** The local platform only: trust the local API server's caller identity. */
  readonly localCallerIdentity?: boolean;
  /** The origins a Slack `response_url` may point to (comma-separated, as given; parsed by core). */
  readonly slackResponseUrlOrigins?: string;
  /** A refreshed price table (docs/cost.md). */
  readonly pricesFile?: string;
  /** The local API's URL, where Slack `status` links an environment's logs (the local platform). */
  readonly apiUrl?: string;
  /** Sleep/wake schedules: Berth's EventBridge Scheduler group (`BERTH_SCHEDULE_GROUP`, default `berth-environments`). */
  readonly scheduleGroup?: string;
  /** The function the schedules invoke (`BERTH_SCHEDULED_ACTION_FUNCTION_ARN`). */
  readonly scheduledActionFunctionArn?: string;
  /** The role EventBridge Scheduler assumes to invoke it (`BERTH_SCHEDULER_ROLE_ARN`). */
  readonly schedulerRoleArn?: string;
}

/** Environment variable → config field. */
export const CONFIG_VARIABLES = {
  BERTH_TABLE_NAME: 'tableName',
  BERTH_VPC_ID: 'vpcId',
  BERTH_PUBLIC_SUBNETS: 'publicSubnets',
  BERTH_PRIVATE_SUBNETS: 'privateSubnets',
  BERTH_INSTANCE_PROFILE_ARN: 'instanceProfileArn',
  BERTH_EXECUTION_ROLE_ARN: 'executionRoleArn',
  BERTH_ALLOWED_CIDR: 'allowedCidr',
  BERTH_AMI_PARAMETER: 'amiParameter',
  BERTH_SHARED_LISTENER_ARN: 'sharedListenerArn',
  BERTH_SHARED_ALB_SECURITY_GROUP_ID: 'sharedAlbSecurityGroupId',
  BERTH_LIFECYCLE_STATE_MACHINE_ARN: 'lifecycleStateMachineArn',
  BERTH_NIGHTLY_STATE_MACHINE_ARN: 'nightlyStateMachineArn',
  BERTH_SLACK_SECRET_ARN: 'slackSecretArn',
  BERTH_NOTIFY_WEBHOOK_URL: 'notifyWebhookUrl',
  BERTH_NOTIFY_WEBHOOK_SECRET_ARN: 'notifyWebhookSecretArn',
  BERTH_PROBE_ENDPOINT: 'probeEndpoint',
  BERTH_LOCK_TTL_SECONDS: 'lockTtlSeconds',
  BERTH_PLAN_FUNCTION_NAME: 'planFunctionName',
  BERTH_SCHEDULE_FUNCTION_NAME: 'scheduleFunctionName',
  BERTH_EXPIRY_WARNING_HOURS: 'expiryWarningHours',
  BERTH_NIGHT_HOURS: 'nightHours',
  BERTH_WAKE_FUNCTION_ARN: 'wakeFunctionArn',
  BERTH_POLICY_PARAMETER: 'policyParameter',
  BERTH_POLICY_FILE: 'policyFile',
  BERTH_API_PRINCIPALS: 'apiPrincipals',
  BERTH_LOCAL_CALLER_IDENTITY: 'localCallerIdentity',
  BERTH_SLACK_RESPONSE_URL_ORIGINS: 'slackResponseUrlOrigins',
  BERTH_PRICES_FILE: 'pricesFile',
  BERTH_API_URL: 'apiUrl',
  BERTH_SCHEDULE_GROUP: 'scheduleGroup',
  BERTH_SCHEDULED_ACTION_FUNCTION_ARN: 'scheduledActionFunctionArn',
  BERTH_SCHEDULER_ROLE_ARN: 'schedulerRoleArn',
} as const satisfies Record<string, keyof Config>;

export type ConfigVariable = keyof typeof CONFIG_VARIABLES;
type FieldOf<V extends ConfigVariable> = (typeof CONFIG_VARIABLES)[V];

/** The config with the fields of the required variables guaranteed present. */
export type ConfigWith<V extends ConfigVariable> = Config & {
  readonly [F in FieldOf<V>]-?: NonNullable<Config[F]>;
};

type Declaration<F extends HandlerFile> = (typeof HANDLER_SETTINGS)[F];
type RequiredOf<F extends HandlerFile> = Declaration<F>['required'][number];
type OptionalOf<F extends HandlerFile> = Declaration<F>['optional'][number];

/**
 * What handler `F` may read: the fields of its declared variables only (required ones always present). Reading
 * any other field is a type error.
 */
export type HandlerConfig<F extends HandlerFile> = Readonly<
  Pick<Config, FieldOf<OptionalOf<F>>> & { readonly [K in FieldOf<RequiredOf<F>>]-?: NonNullable<Config[K]> }
>;

/**
 * The fields handler `F` may read, with the optionality of {@link Config} (what its dependencies are typed with,
 * so that tests can pass any config): reading a field it did not declare is a type error.
 */
export type ConfigOf<F extends HandlerFile> = Readonly<Pick<Config, FieldOf<RequiredOf<F> | OptionalOf<F>>>>;

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function cidr(variable: string, text: string): string {
  const m = CIDR.exec(text);
  const valid = m?.slice(1, 5).every((o) => Number(o) <= 255) && Number(m?.[5]) <= 32;
  if (!valid) throw new ConfigError(`${variable} must be an IPv4 CIDR like 203.0.113.0/24 (got "${text}")`);
  return text;
}

function list(variable: string, text: string): readonly string[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) {
    throw new ConfigError(`${variable} must be a comma-separated list (got "${text}")`);
  }
  return Object.freeze(items);
}

function url(variable: string, text: string): string {
  try {
    const parsed = new URL(text);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
    return text;
  } catch {
    throw new ConfigError(`${variable} must be an http(s) URL (got "${text}")`);
  }
}

function positiveInteger(variable: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${variable} must be a positive integer (got "${text}")`);
  }
  return value;
}

const hours =
  (max: number) =>
  (variable: string, text: string): number => {
    const value = Number(text);
    if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0 && value <= max)) {
      throw new ConfigError(
        `${variable} must be a number of hours greater than 0 and at most ${max} (got "${text}")`,
      );
    }
    return value;
  };

/** How a variable's (trimmed, non-empty) text becomes its field; absent: the text as is. */
const PARSERS: Partial<Record<ConfigVariable, (variable: string, text: string) => unknown>> = {
  BERTH_PUBLIC_SUBNETS: list,
  BERTH_PRIVATE_SUBNETS: list,
  BERTH_ALLOWED_CIDR: cidr,
  BERTH_NOTIFY_WEBHOOK_URL: url,
  BERTH_PROBE_ENDPOINT: url,
  BERTH_LOCK_TTL_SECONDS: positiveInteger,
  BERTH_EXPIRY_WARNING_HOURS: hours(168),
  BERTH_NIGHT_HOURS: hours(24),
  BERTH_LOCAL_CALLER_IDENTITY: (_variable, text) => text === 'true',
};

/** Values of unset variables. */
const DEFAULTS: Partial<Record<ConfigVariable, string>> = {
  BERTH_ALLOWED_CIDR: '0.0.0.0/0',
  BERTH_AMI_PARAMETER: DEFAULT_AMI_PARAMETER,
  BERTH_LOCK_TTL_SECONDS: String(DEFAULT_LOCK_TTL_SECONDS),
  BERTH_SCHEDULE_GROUP: DEFAULT_SCHEDULE_GROUP,
};

type Env = Readonly<Record<string, string | undefined>>;

function parse(
  env: Env,
  required: readonly ConfigVariable[],
  variables: readonly ConfigVariable[],
): Readonly<Record<string, unknown>> {
  for (const variable of required) {
    const value = env[variable];
    if (value === undefined || value.trim() === '') {
      throw new ConfigError(`missing required environment variable ${variable}`);
    }
  }
  const config: Record<string, unknown> = {};
  for (const variable of variables) {
    const set = env[variable]?.trim();
    const text = set === undefined || set === '' ? DEFAULTS[variable] : set;
    if (text === undefined) continue;
    const parser = PARSERS[variable];
    config[CONFIG_VARIABLES[variable]] = parser ? parser(variable, text) : text;
  }
  return Object.freeze(config);
}

const ALL_VARIABLES = Object.keys(CONFIG_VARIABLES) as ConfigVariable[];

/**
 * Reads every Berth setting from `env`: typed, frozen, failing with a `ConfigError` that names the missing or
 * invalid variable. Only the variables in `required` must be set (defaults: `BERTH_ALLOWED_CIDR` 0.0.0.0/0,
 * `BERTH_AMI_PARAMETER` the ECS-optimized AL2023 parameter, `BERTH_LOCK_TTL_SECONDS` 7200). Handlers use
 * {@link loadHandlerConfig}, which reads their declared variables only; this is for tests and tools.
 *
 * @example
 * const config = loadConfig(process.env, ['BERTH_TABLE_NAME']);
 * config.tableName; // string
 */
export function loadConfig<V extends ConfigVariable = never>(
  env: Env = process.env,
  required: readonly V[] = [],
): Readonly<ConfigWith<V>> {
  return parse(env, required, ALL_VARIABLES) as unknown as Readonly<ConfigWith<V>>;
}

/**
 * The settings of handler `file`, parsed once from exactly the variables it declares in
 * `functions/handlers/settings.ts`: a required one missing or any one invalid fails with a `ConfigError` naming
 * the variable; variables it does not declare are not read, even when set.
 *
 * @example loadHandlerConfig('lock', process.env).lockTtlSeconds // 7200
 */
export function loadHandlerConfig<F extends HandlerFile>(file: F, env: Env = process.env): HandlerConfig<F> {
  const { required, optional } = HANDLER_SETTINGS[file];
  return parse(env, required, [...required, ...optional]) as unknown as HandlerConfig<F>;
}

/**
 * Like {@link loadConfig} for a mode-dependent requirement found later (e.g. shared mode needs
 * `BERTH_SHARED_LISTENER_ARN`): returns the value or throws a ConfigError naming the variable.
 */
export function requireConfig<T>(value: T | undefined, variable: ConfigVariable): T {
  if (value === undefined) throw new ConfigError(`missing required environment variable ${variable}`);
  return value;
}
