/**
 * The settings each Lambda reads, declared once per handler file (docs/architecture.md, "Handler
 * configuration"): `required` must be set for the function to start; `optional` ones are mode-dependent, have a
 * default, or exist only on the local platform. The stack sets exactly these variables on each function
 * (infra/orchestrator-stack.ts), the local runtime shows each function only these (local/runtime/lambda.ts), and
 * `loadHandlerConfig(file)` parses only these into the handler's typed config. A new handler needs an entry here
 * and in infra/handler-catalog.ts (test/functions/handlers/settings.test.ts checks both agree).
 *
 * Plain data on purpose: every handler bundle includes it.
 */
import type { ConfigVariable } from './config.ts';

interface Declaration {
  readonly required: readonly ConfigVariable[];
  readonly optional: readonly ConfigVariable[];
}

/** The registry, where a create stage reads the spec when its state carries none. */
const UP = ['BERTH_TABLE_NAME'] as const;
/** What `planUp` decides with (`upSettings`): every create stage plans the whole environment. */
const UP_SETTINGS = ['BERTH_ALLOWED_CIDR', 'BERTH_SHARED_ALB_SECURITY_GROUP_ID'] as const;
/** The access policy, read as the API does (functions/handlers/http/access.ts). */
const POLICY = ['BERTH_POLICY_PARAMETER', 'BERTH_POLICY_FILE', 'BERTH_LOCAL_CALLER_IDENTITY'] as const;
/** The notification webhook: the secret when deployed, the URL itself locally (http/webhook.ts). */
const WEBHOOK = ['BERTH_NOTIFY_WEBHOOK_SECRET_ARN', 'BERTH_NOTIFY_WEBHOOK_URL'] as const;
/** Registry and lifecycle executions of the entry points (http/aws-deps.ts `awsEntryPorts`). */
const ENTRY_REQUIRED = ['BERTH_TABLE_NAME', 'BERTH_LIFECYCLE_STATE_MACHINE_ARN'] as const;
const ENTRY_OPTIONAL = ['BERTH_NIGHTLY_STATE_MACHINE_ARN', 'BERTH_LOCK_TTL_SECONDS'] as const;
/** Sleep/wake schedules: Berth's schedule group, the function they invoke and the role Scheduler assumes. */
const SCHEDULES = [
  'BERTH_SCHEDULE_GROUP',
  'BERTH_SCHEDULED_ACTION_FUNCTION_ARN',
  'BERTH_SCHEDULER_ROLE_ARN',
] as const;

export const HANDLER_SETTINGS = {
  lock: { required: ['BERTH_TABLE_NAME'], optional: ['BERTH_LOCK_TTL_SECONDS'] },
  record: { required: ['BERTH_TABLE_NAME'], optional: ['BERTH_PRICES_FILE'] },
  // The create stages read the registry only when the state carries no spec (`specOf`).
  'create-network': { required: ['BERTH_VPC_ID'], optional: [...UP, ...UP_SETTINGS] },
  'create-load-balancer': {
    required: ['BERTH_VPC_ID'],
    optional: [...UP, ...UP_SETTINGS, 'BERTH_PUBLIC_SUBNETS', 'BERTH_SHARED_LISTENER_ARN'],
  },
  'create-cluster': {
    // The VPC finds the instances' security group when the state does not carry it.
    required: ['BERTH_VPC_ID', 'BERTH_INSTANCE_PROFILE_ARN', 'BERTH_PRIVATE_SUBNETS'],
    optional: [...UP, ...UP_SETTINGS, 'BERTH_AMI_PARAMETER'],
  },
  'create-task-definition': {
    required: [],
    optional: [...UP, ...UP_SETTINGS, 'BERTH_EXECUTION_ROLE_ARN'],
  },
  'create-service': {
    // awsvpc services (Fargate) run in the private subnets with the instances' security group.
    required: ['BERTH_VPC_ID', 'BERTH_PRIVATE_SUBNETS'],
    // Then the sleep/wake schedules of the spec.
    optional: [...UP, ...UP_SETTINGS, ...SCHEDULES],
  },
  verify: {
    required: ['BERTH_TABLE_NAME'],
    optional: ['BERTH_ALLOWED_CIDR', 'BERTH_SHARED_LISTENER_ARN', 'BERTH_PROBE_ENDPOINT'],
  },
  scale: { required: ['BERTH_TABLE_NAME'], optional: [] },
  redeploy: { required: ['BERTH_TABLE_NAME'], optional: [] },
  extend: { required: ['BERTH_TABLE_NAME'], optional: [] },
  pause: {
    required: ['BERTH_TABLE_NAME'],
    optional: ['BERTH_WAKE_FUNCTION_ARN', 'BERTH_SHARED_LISTENER_ARN'],
  },
  resume: {
    required: ['BERTH_TABLE_NAME'],
    optional: ['BERTH_WAKE_FUNCTION_ARN', 'BERTH_SHARED_LISTENER_ARN'],
  },
  // The first teardown stage observes everything (security groups, the shared listener's rule).
  // It deletes the sleep/wake schedules first (Berth's schedule group).
  'teardown-service': {
    required: ['BERTH_VPC_ID'],
    optional: ['BERTH_SHARED_LISTENER_ARN', 'BERTH_SCHEDULE_GROUP'],
  },
  'teardown-capacity': { required: [], optional: [] },
  'teardown-cluster': { required: [], optional: [] },
  'teardown-load-balancer': { required: [], optional: ['BERTH_SHARED_LISTENER_ARN'] },
  'teardown-network': { required: ['BERTH_VPC_ID'], optional: [] },
  'teardown-task-definitions': { required: [], optional: [] },
  notify: { required: [], optional: [...WEBHOOK] },
  nightly: {
    required: ['BERTH_TABLE_NAME'],
    optional: [...POLICY, ...WEBHOOK, 'BERTH_NIGHT_HOURS', 'BERTH_PRICES_FILE'],
  },
  api: {
    required: [...ENTRY_REQUIRED],
    optional: [...ENTRY_OPTIONAL, ...POLICY, 'BERTH_API_PRINCIPALS', 'BERTH_PRICES_FILE'],
  },
  // The API's dry runs, settings changes and logs (http/routes.ts `AUX_ROUTES`): the registry (the record for the
  // access policy, the lock, idle sleep), the plan and schedule Lambdas.
  'api-aux': {
    required: ['BERTH_TABLE_NAME', 'BERTH_PLAN_FUNCTION_NAME'],
    optional: [...POLICY, 'BERTH_API_PRINCIPALS', 'BERTH_LOCK_TTL_SECONDS', 'BERTH_SCHEDULE_FUNCTION_NAME'],
  },
  slack: {
    required: [...ENTRY_REQUIRED, 'BERTH_SLACK_SECRET_ARN'],
    optional: [
      ...ENTRY_OPTIONAL,
      ...POLICY,
      'BERTH_SLACK_RESPONSE_URL_ORIGINS',
      'BERTH_API_URL',
      'BERTH_PRICES_FILE',
    ],
  },
  plan: {
    required: ['BERTH_VPC_ID'],
    optional: [...UP_SETTINGS, 'BERTH_SHARED_LISTENER_ARN', 'BERTH_WAKE_FUNCTION_ARN', ...SCHEDULES],
  },
  'expiry-warnings': {
    required: ['BERTH_TABLE_NAME'],
    optional: [...WEBHOOK, 'BERTH_EXPIRY_WARNING_HOURS', 'BERTH_PRICES_FILE'],
  },
  wake: { required: [...ENTRY_REQUIRED], optional: [...ENTRY_OPTIONAL] },
  // Idle sleep: lists the registry, reads CloudWatch, authorizes each pause and starts it as the API does.
  'idle-check': { required: [...ENTRY_REQUIRED], optional: [...ENTRY_OPTIONAL, ...POLICY] },
  // `berth schedule`: converges a settled environment's schedules under its lock and stores them in the spec.
  schedule: { required: ['BERTH_TABLE_NAME'], optional: [...SCHEDULES] },
  // Sleep/wake schedules: authorized with the access policy, then started as the API starts operations.
  'scheduled-action': { required: [...ENTRY_REQUIRED], optional: [...ENTRY_OPTIONAL, ...POLICY] },
} as const satisfies Record<string, Declaration>;

/** A handler file under functions/handlers/ that is a Lambda. */
export type HandlerFile = keyof typeof HANDLER_SETTINGS;

/** The declared variables of a handler file, required first; undefined for a file that is not a Lambda. */
export function declaredSettings(file: string): readonly ConfigVariable[] | undefined {
  const declaration: Declaration | undefined = (HANDLER_SETTINGS as Record<string, Declaration>)[file];
  return declaration && [...declaration.required, ...declaration.optional];
}
