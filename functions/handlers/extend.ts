import { NotFoundError, ValidationError } from '../core/errors.ts';
import { MAX_EXTEND_HOURS } from '../core/limits.ts';
import { defaultDeps, envOf, type HandlerDeps, type LifecycleState, runStep } from './lifecycle-deps.ts';
import { registryAdapter } from './wiring.ts';

export type ExtendDeps = Pick<HandlerDeps, 'registry' | 'now' | 'logger'>;

/**
 * Pushes the environment's expiry forward by `hours` (from the later of now and the current
 * expiry) in the registry.
 * @returns `{ expiresAt }` (ISO)
 */
export function makeHandler(deps: ExtendDeps) {
  return async (state: LifecycleState): Promise<{ expiresAt: string }> =>
    runStep(deps.logger, 'extend', state, async () => {
      const env = envOf(state);
      const hours = state.hours;
      if (typeof hours !== 'number' || !Number.isFinite(hours) || hours <= 0 || hours > MAX_EXTEND_HOURS) {
        throw new ValidationError(
          'hours',
          `must be a number of hours greater than 0 and at most ${MAX_EXTEND_HOURS}`,
        );
      }
      const record = await deps.registry.getEnvironment(env);
      if (!record || record.status === 'deleted')
        throw new NotFoundError(`environment "${env}" does not exist`);
      const now = deps.now().getTime();
      const current = record.expiresAt ? Date.parse(record.expiresAt) : Number.NaN;
      const base = Number.isNaN(current) ? now : Math.max(now, current);
      const expiresAt = new Date(base + Math.round(hours * 3600) * 1000).toISOString();
      await deps.registry.updateStatus(env, { status: record.status, expiresAt });
      return { expiresAt };
    });
}

export const handler = makeHandler(defaultDeps(['BERTH_TABLE_NAME'], { registry: registryAdapter }));
