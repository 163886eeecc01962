import { NotFoundError } from '../core/errors.ts';
import { checkOperationField } from '../core/operation.ts';
import { defaultDeps, envOf, type HandlerDeps, type LifecycleState, runStep } from './lifecycle-deps.ts';
import { registryAdapter } from './wiring-registry.ts';

export type ExtendDeps = Pick<HandlerDeps, 'registry' | 'now' | 'logger'>;

/**
 * Pushes the environment's expiry forward by `hours` (from the later of now and the current
 * expiry) in the registry; with `keep: true` (Slack's Keep button) sets the keep flag instead — in the
 * record and its stored spec, so a later `up` keeps it too — and moves the expiry only when `hours` is given.
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
      return { expiresAt, ...(keep ? { keep: true as const } : {}) };
    });
}

export const handler = makeHandler(defaultDeps(['BERTH_TABLE_NAME'], { registry: registryAdapter }));
