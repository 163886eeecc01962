import { NotFoundError } from '../core/errors.ts';
import { checkOperationField, isEntryPoint } from '../core/operation.ts';
import { defaultDeps, envOf, type HandlerDeps, type LifecycleState, runStep } from './lifecycle-deps.ts';
import { registryAdapter } from './wiring-registry.ts';

export type ExtendDeps = Pick<HandlerDeps, 'registry' | 'now' | 'logger'>;

/**
 * Pushes the environment's expiry forward by `hours` (from the later of now and the current
 * expiry) in the registry; with `keep: true` (Slack's Keep button) sets the keep flag instead — in the
 * record and its stored spec, so a later `up` keeps it too — and moves the expiry only when `hours` is given.
 * Records the operation in the environment's history (extend has no Record states).
 * @returns `{ expiresAt, keep? }` (ISO)
 */
export function makeHandler(deps: ExtendDeps) {
  return async (state: LifecycleState): Promise<{ expiresAt: string | null; keep?: true }> =>
    runStep(deps.logger, 'extend', state, async () => {
      const env = envOf(state);
      const keep = state['keep'] === true;
      // Core's rule for hours (the operation input's); only Keep may come without them.
      const hours = keep && state.hours === undefined ? undefined : checkOperationField('hours', state.hours);
      const record = await deps.registry.getEnvironment(env);
      if (!record || record.status === 'deleted')
        throw new NotFoundError(`environment "${env}" does not exist`);
      let expiresAt = record.expiresAt ?? null;
      if (typeof hours === 'number') {
        const now = deps.now().getTime();
        const current = record.expiresAt ? Date.parse(record.expiresAt) : Number.NaN;
        const base = Number.isNaN(current) ? now : Math.max(now, current);
        expiresAt = new Date(base + hours * 3_600_000).toISOString();
      }
      if (keep) {
        const inSpec = record.spec !== undefined && record.spec !== null && typeof record.spec === 'object';
        await deps.registry.setKeep(env, { inSpec });
      }
      if (typeof hours === 'number' && expiresAt !== null) {
        await deps.registry.updateStatus(env, { status: record.status, expiresAt });
      }
      // extend has no Record states: its operation (who asked, through which entry point, when) is written here.
      if (typeof state.requestId === 'string' && state.requestId.length > 0) {
        const at = deps.now().toISOString();
        await deps.registry.recordOperation({
          env,
          operationId: state.requestId,
          operation: 'extend',
          requestId: state.requestId,
          requestedBy: typeof state.requestedBy === 'string' ? state.requestedBy : 'unknown',
          ...(isEntryPoint(state['entry']) ? { entry: state['entry'] } : {}),
          status: 'succeeded',
          steps: [
            {
              step: 'Extend',
              status: 'succeeded',
              at,
              detail: [
                ...(typeof hours === 'number' && expiresAt !== null ? [`expires at ${expiresAt}`] : []),
                ...(keep ? ['kept'] : []),
              ].join(', '),
            },
          ],
          startedAt: at,
          finishedAt: at,
        });
      }
      return { expiresAt, ...(keep ? { keep: true as const } : {}) };
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(defaultDeps('extend', { registry: registryAdapter }));
