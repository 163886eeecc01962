/**
 * What one request costs the registry: each item is read once, and the independent reads are issued together
 * (bench/api-latency.ts measures the same on the local platform: calls per request and p99).
 */
import { describe, expect, it } from 'vitest';
import { makeHandler } from '../../../functions/handlers/api.ts';
import { startOperation } from '../../../functions/handlers/http/start-operation.ts';
import { apiEvent, FakeExecutions, FakeRegistry, readyEnv } from './entry-fakes.ts';

const NOW = new Date('2026-01-01T12:00:00.000Z');

/** A registry whose reads take a few milliseconds and are counted, with the most in flight at once. */
class CountingRegistry extends FakeRegistry {
  readonly reads: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private async read<T>(what: string, value: T): Promise<T> {
    this.reads.push(what);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.inFlight--;
    return value;
  }
  override async getEnvironment(name: string) {
    return this.read(`environment ${name}`, await super.getEnvironment(name));
  }
  override async getLock(name: string) {
    return this.read(`lock ${name}`, await super.getLock(name));
  }
  override async getRequest(requestId: string) {
    return this.read(`request ${requestId}`, await super.getRequest(requestId));
  }
}

const handlerWith = (registry: FakeRegistry, executions = new FakeExecutions()) =>
  makeHandler({
    registry,
    executions,
    planner: { plan: async () => ({ steps: [] }) },
    clock: { now: () => NOW },
    logger: { error: () => {} },
  });

describe('one API request, its registry reads', () => {
  it('a create reads the environment once (to authorize), then the request and the lock together', async () => {
    const registry = new CountingRegistry();
    const result = await handlerWith(registry)(
      apiEvent('POST', '/environments', {
        body: { name: 'demo', image: 'nginx:1.27' },
        headers: { 'Idempotency-Key': 'k-1' },
        userArn: 'arn:aws:iam::1:user/ana',
      }),
    );
    expect(result.statusCode).toBe(202);
    expect([...registry.reads].sort()).toEqual(['environment demo', 'lock demo', 'request k-1']);
    expect(registry.maxInFlight).toBe(2);
  });

  it('an operation on an existing environment reads its record once', async () => {
    const registry = new CountingRegistry();
    registry.environments.set('demo', readyEnv('demo', { owner: 'arn:aws:iam::1:user/ana' }));
    const result = await handlerWith(registry)(
      apiEvent('POST', '/environments/demo/scale', {
        body: { desiredCount: 2 },
        headers: { 'Idempotency-Key': 'k-2' },
        userArn: 'arn:aws:iam::1:user/ana',
      }),
    );
    expect(result.statusCode).toBe(202);
    expect(registry.reads.filter((r) => r.startsWith('environment'))).toEqual(['environment demo']);
  });

  it('startOperation reads the environment itself when the caller has not', async () => {
    const registry = new CountingRegistry();
    registry.environments.set('demo', readyEnv('demo'));
    const executions = new FakeExecutions();
    await startOperation(
      { registry, executions, clock: { now: () => NOW } },
      { operation: 'down', env: 'demo', requestId: 'k-3', requestedBy: 'ana' },
    );
    expect([...registry.reads].sort()).toEqual(['environment demo', 'lock demo', 'request k-3']);
    expect(registry.maxInFlight).toBe(3);
    expect(executions.started).toHaveLength(1);
  });

  it('a busy environment is still refused with the lock read alongside', async () => {
    const registry = new CountingRegistry();
    registry.environments.set('demo', readyEnv('demo'));
    registry.locks.set('demo', {
      token: 'lock-other',
      operationId: 'other',
      operation: 'up',
      expiresAt: NOW.getTime() / 1000 + 600,
    });
    const executions = new FakeExecutions();
    await expect(
      startOperation(
        { registry, executions, clock: { now: () => NOW }, environment: { record: readyEnv('demo') } },
        { operation: 'down', env: 'demo', requestId: 'k-4', requestedBy: 'ana' },
      ),
    ).rejects.toMatchObject({ name: 'OperationInProgressError' });
    expect(registry.reads.filter((r) => r.startsWith('environment'))).toEqual([]);
    expect(executions.started).toHaveLength(0);
  });
});
