/**
 * An environment's status in the registry (docs/architecture.md, "Registry"). `ready`, `deleted`,
 * `failed` and `paused` are final: no operation is running.
 */
export const ENVIRONMENT_STATUSES = [
  'creating',
  'ready',
  'scaling',
  'redeploying',
  'tearing-down',
  'deleted',
  'failed',
  'rolling-back',
  'pausing',
  'paused',
  'resuming',
] as const;

export type EnvironmentStatus = (typeof ENVIRONMENT_STATUSES)[number];

/** Statuses after which no operation is running. */
export const FINAL_STATUSES: ReadonlySet<EnvironmentStatus> = new Set([
  'ready',
  'deleted',
  'failed',
  'paused',
]);
