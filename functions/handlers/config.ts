import { ConfigError } from '../core/errors.ts';
import { DEFAULT_LOCK_TTL_SECONDS } from '../core/limits.ts';

/** Default of `BERTH_AMI_PARAMETER`: the ECS-optimized Amazon Linux 2023 AMI. */
export const DEFAULT_AMI_PARAMETER = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';

/** Handler configuration (docs/architecture.md, "Handler configuration"). */
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
  readonly probeEndpoint?: string;
  readonly lockTtlSeconds: number;
  readonly planFunctionName?: string;
  /** Hours before expiry the expiry warning is posted (docs/slack.md). */
  readonly expiryWarningHours?: number;
  /** Hours the nightly report counts a night's savings over (docs/cost.md). */
  readonly nightHours?: number;
  /** Wake on request: the function the paused environment's load balancer invokes (`BERTH_WAKE_FUNCTION_ARN`). */
  readonly wakeFunctionArn?: string;
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
  BERTH_PROBE_ENDPOINT: 'probeEndpoint',
  BERTH_LOCK_TTL_SECONDS: 'lockTtlSeconds',
  BERTH_PLAN_FUNCTION_NAME: 'planFunctionName',
  BERTH_EXPIRY_WARNING_HOURS: 'expiryWarningHours',
  BERTH_NIGHT_HOURS: 'nightHours',
  BERTH_WAKE_FUNCTION_ARN: 'wakeFunctionArn',
} as const satisfies Record<string, keyof Config>;

export type ConfigVariable = keyof typeof CONFIG_VARIABLES;
type FieldOf<V extends ConfigVariable> = (typeof CONFIG_VARIABLES)[V];

/** The config with the fields of the required variables guaranteed present. */
export type ConfigWith<V extends ConfigVariable> = Config & {
  readonly [F in FieldOf<V>]-?: NonNullable<Config[F]>;
};

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function validCidr(text: string): boolean {
  const m = CIDR.exec(text);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) && Number(m[5]) <= 32;
}

function list(variable: string, text: string): string[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) {
    throw new ConfigError(`${variable} must be a comma-separated list (got "${text}")`);
  }
  return items;
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

/**
 * Reads Berth's handler configuration from the environment: typed, frozen, failing with a
 * `ConfigError` that names the missing or invalid variable. Only the variables in `required` must
 * be set; the others are read when present (defaults: `BERTH_ALLOWED_CIDR` 0.0.0.0/0,
 * `BERTH_AMI_PARAMETER` the ECS-optimized AL2023 parameter, `BERTH_LOCK_TTL_SECONDS` 7200).
 *
 * @example
 * const config = loadConfig(process.env, ['BERTH_TABLE_NAME']);
 * config.tableName; // string
 */
export function loadConfig<V extends ConfigVariable = never>(
  env: Readonly<Record<string, string | undefined>> = process.env,
  required: readonly V[] = [],
): Readonly<ConfigWith<V>> {
  for (const variable of required) {
    const value = env[variable];
    if (value === undefined || value.trim() === '') {
      throw new ConfigError(`missing required environment variable ${variable}`);
    }
  }
  const read = (variable: ConfigVariable): string | undefined => {
    const value = env[variable]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const config: Record<string, unknown> = {};
  const set = (variable: ConfigVariable, value: unknown) => {
    if (value !== undefined) config[CONFIG_VARIABLES[variable]] = value;
  };
  set('BERTH_TABLE_NAME', read('BERTH_TABLE_NAME'));
  set('BERTH_VPC_ID', read('BERTH_VPC_ID'));
  for (const v of ['BERTH_PUBLIC_SUBNETS', 'BERTH_PRIVATE_SUBNETS'] as const) {
    const value = read(v);
    set(v, value === undefined ? undefined : Object.freeze(list(v, value)));
  }
  set('BERTH_INSTANCE_PROFILE_ARN', read('BERTH_INSTANCE_PROFILE_ARN'));
  set('BERTH_EXECUTION_ROLE_ARN', read('BERTH_EXECUTION_ROLE_ARN'));
  const cidr = read('BERTH_ALLOWED_CIDR') ?? '0.0.0.0/0';
  if (!validCidr(cidr)) {
    throw new ConfigError(`BERTH_ALLOWED_CIDR must be an IPv4 CIDR like 203.0.113.0/24 (got "${cidr}")`);
  }
  set('BERTH_ALLOWED_CIDR', cidr);
  set('BERTH_AMI_PARAMETER', read('BERTH_AMI_PARAMETER') ?? DEFAULT_AMI_PARAMETER);
  set('BERTH_SHARED_LISTENER_ARN', read('BERTH_SHARED_LISTENER_ARN'));
  set('BERTH_SHARED_ALB_SECURITY_GROUP_ID', read('BERTH_SHARED_ALB_SECURITY_GROUP_ID'));
  set('BERTH_LIFECYCLE_STATE_MACHINE_ARN', read('BERTH_LIFECYCLE_STATE_MACHINE_ARN'));
  set('BERTH_NIGHTLY_STATE_MACHINE_ARN', read('BERTH_NIGHTLY_STATE_MACHINE_ARN'));
  set('BERTH_SLACK_SECRET_ARN', read('BERTH_SLACK_SECRET_ARN'));
  set('BERTH_WAKE_FUNCTION_ARN', read('BERTH_WAKE_FUNCTION_ARN'));
  for (const v of ['BERTH_NOTIFY_WEBHOOK_URL', 'BERTH_PROBE_ENDPOINT'] as const) {
    const value = read(v);
    set(v, value === undefined ? undefined : url(v, value));
  }
  const ttlText = read('BERTH_LOCK_TTL_SECONDS') ?? String(DEFAULT_LOCK_TTL_SECONDS);
  const ttl = Number(ttlText);
  if (!Number.isInteger(ttl) || ttl <= 0) {
    throw new ConfigError(`BERTH_LOCK_TTL_SECONDS must be a positive integer (got "${ttlText}")`);
  }
  set('BERTH_LOCK_TTL_SECONDS', ttl);
  set('BERTH_PLAN_FUNCTION_NAME', read('BERTH_PLAN_FUNCTION_NAME'));
  const warnText = read('BERTH_EXPIRY_WARNING_HOURS');
  if (warnText !== undefined) {
    const hours = Number(warnText);
    if (!/^\d+(\.\d+)?$/.test(warnText) || !(hours > 0 && hours <= 168)) {
      throw new ConfigError(
        `BERTH_EXPIRY_WARNING_HOURS must be a number of hours greater than 0 and at most 168 (got "${warnText}")`,
      );
    }
    set('BERTH_EXPIRY_WARNING_HOURS', hours);
  }
  const nightText = read('BERTH_NIGHT_HOURS');
  if (nightText !== undefined) {
    const hours = Number(nightText);
    if (!/^\d+(\.\d+)?$/.test(nightText) || !(hours > 0 && hours <= 24)) {
      throw new ConfigError(
        `BERTH_NIGHT_HOURS must be a number of hours greater than 0 and at most 24 (got "${nightText}")`,
      );
    }
    set('BERTH_NIGHT_HOURS', hours);
  }
  return Object.freeze(config) as unknown as Readonly<ConfigWith<V>>;
}

/**
 * Like {@link loadConfig} for a mode-dependent requirement found later (e.g. shared mode needs
 * `BERTH_SHARED_LISTENER_ARN`): returns the value or throws a ConfigError naming the variable.
 */
export function requireConfig<T>(value: T | undefined, variable: ConfigVariable): T {
  if (value === undefined) throw new ConfigError(`missing required environment variable ${variable}`);
  return value;
}
