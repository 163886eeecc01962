import { HANDLER_SETTINGS, type HandlerFile } from '../functions/handlers/settings.ts';

/**
 * The Lambda handlers the CDK app deploys (docs/architecture.md, "Lambda handlers"): construct id, entry
 * file under `functions/handlers/`, the ASL substitution variable that carries the function's ARN, and the
 * settings (environment variables) the function reads — declared next to the handler in
 * `functions/handlers/settings.ts`; the stack sets exactly these on the function.
 */
export interface HandlerEntry {
  /** Construct id and handler verb, e.g. `CreateNetwork`. */
  readonly id: string;
  /** `functions/handlers/<file>.ts` */
  readonly file: HandlerFile;
  /** `${<substitution>}` in the ASL files; absent for handlers behind API Gateway only. */
  readonly substitution?: string;
  readonly description: string;
  /** The variables it must be given and the ones it reads when set. */
  readonly settings: (typeof HANDLER_SETTINGS)[HandlerFile];
}

const task = (id: string, file: HandlerFile, description: string): HandlerEntry => ({
  id,
  file,
  substitution: `${id}FunctionArn`,
  description,
  settings: HANDLER_SETTINGS[file],
});

const edge = (id: string, file: HandlerFile, description: string): HandlerEntry => ({
  id,
  file,
  description,
  settings: HANDLER_SETTINGS[file],
});

/** Handlers called by the state machines, in lifecycle order. */
export const STATE_MACHINE_HANDLERS: readonly HandlerEntry[] = [
  task('Lock', 'lock', 'Acquires/releases the per-environment lock'),
  task('Record', 'record', 'Writes status, step, resources and failures to the registry'),
  task('CreateNetwork', 'create-network', 'Creates the environment security groups'),
  task('CreateLoadBalancer', 'create-load-balancer', 'Creates the target group and the ALB/listener or rule'),
  task('CreateCluster', 'create-cluster', 'Creates the cluster, launch template, ASG and capacity provider'),
  task('CreateTaskDefinition', 'create-task-definition', 'Registers the task definition'),
  task('CreateService', 'create-service', 'Creates the ECS service'),
  task('Verify', 'verify', 'Assesses deployment, target health and an HTTP probe'),
  task('Scale', 'scale', 'Sets the desired count (and ASG capacity)'),
  task('Redeploy', 'redeploy', 'Registers a new revision and updates the service'),
  task('Extend', 'extend', 'Pushes the environment expiry forward'),
  task('Pause', 'pause', 'Remembers the counts, scales the service and the ASG to zero; keeps the ALB'),
  task('Resume', 'resume', 'Restores the remembered counts of a paused environment'),
  task('TeardownService', 'teardown-service', 'Scales the service to zero and deletes it'),
  task(
    'TeardownCapacity',
    'teardown-capacity',
    'Removes protection, drains and deletes the ASG and capacity provider',
  ),
  task('TeardownCluster', 'teardown-cluster', 'Deletes the cluster'),
  task('TeardownLoadBalancer', 'teardown-load-balancer', 'Deletes rule/listener, ALB and target group'),
  task('TeardownNetwork', 'teardown-network', 'Deletes the environment security groups'),
  task(
    'TeardownTaskDefinitions',
    'teardown-task-definitions',
    'Deregisters the task definition revisions, then deletes or keeps the log group',
  ),
  task('Notify', 'notify', 'Posts the outcome to Slack or the configured webhook'),
  task('Nightly', 'nightly', 'Lists teardown candidates and reports the nightly run'),
];

/** Handlers behind API Gateway or invoked directly. */
const EDGE_HANDLERS: readonly HandlerEntry[] = [
  edge('Api', 'api', 'REST API'),
  edge('ApiAux', 'api-aux', 'REST API: dry runs, settings changes and logs'),
  edge('Slack', 'slack', 'Slack slash commands'),
  edge('Plan', 'plan', 'Dry runs: observes and plans without changing anything'),
  edge(
    'ExpiryWarnings',
    'expiry-warnings',
    'Scheduled: warns in Slack before environments expire (Extend / Keep buttons)',
  ),
  edge(
    'IdleCheck',
    'idle-check',
    'Scheduled: pauses environments whose load balancer saw no request for their idleAfter',
  ),
  edge('Wake', 'wake', 'Wake on request: the waking page of a paused environment; starts resume'),
  edge(
    'Schedule',
    'schedule',
    "Changes a settled environment's sleep/wake schedules (berth schedule) under its lock, without an operation",
  ),
  edge(
    'ScheduledAction',
    'scheduled-action',
    "Sleep/wake schedules: EventBridge Scheduler's target; starts pause or resume",
  ),
];

export const ALL_HANDLERS: readonly HandlerEntry[] = [...STATE_MACHINE_HANDLERS, ...EDGE_HANDLERS];
