import { ValidationError } from '../core/errors.ts';
import type { LockRecord } from '../core/records.ts';
import type { ConfigOf } from './config.ts';
import { defaultDeps, type HandlerDeps, runStep } from './lifecycle-deps.ts';
import { registryAdapter } from './wiring-registry.ts';

/** Input of the lock handler (ASL `LockAcquire` / `LockRelease*` Parameters). */
export interface LockEvent {
  readonly action: 'acquire' | 'release';
  readonly env: string;
  readonly operation?: string;
  readonly requestId?: string;
  readonly requestedBy?: string;
  readonly executionArn?: string;
  /** release: the token `acquire` returned. */
  readonly token?: string;
}

export type LockResult =
  | { readonly token: string; readonly expiresAt: number }
  | { readonly released: boolean };

export type LockDeps = Pick<HandlerDeps<ConfigOf<'lock'>>, 'registry' | 'config' | 'now' | 'logger'>;

/**
 * `acquire`: takes the environment's lock (token = the execution ARN, so a retried acquire of the
 * same execution succeeds again) → `{ token, expiresAt }`; busy → OperationInProgressError.
 * `release`: deletes it if the token still holds it → `{ released }`.
 */
export function makeHandler(deps: LockDeps) {
  return async (event: LockEvent): Promise<LockResult> =>
    runStep(deps.logger, `lock-${event?.action}`, event as never, async () => {
      if (typeof event?.env !== 'string' || event.env === '') throw new ValidationError('env', 'is required');
      if (event.action === 'acquire') {
        const operationId = event.requestId;
        if (!operationId) throw new ValidationError('requestId', 'is required to acquire the lock');
        const token = event.executionArn ?? operationId;
        const lock: LockRecord = await deps.registry.acquireLock(event.env, {
          token,
          operationId,
          operation: event.operation ?? 'unknown',
          nowSeconds: Math.floor(deps.now().getTime() / 1000),
          ttlSeconds: deps.config.lockTtlSeconds,
        });
        return { token: lock.token, expiresAt: lock.expiresAt };
      }
      if (event.action === 'release') {
        if (!event.token) return { released: false };
        return deps.registry.releaseLock(event.env, event.token);
      }
      throw new ValidationError('action', "must be 'acquire' or 'release'");
    });
}

/** @public The Lambda entry point: infra/handler-catalog.ts deploys this file with handler `handler`. */
export const handler = makeHandler(defaultDeps('lock', { registry: registryAdapter }));
