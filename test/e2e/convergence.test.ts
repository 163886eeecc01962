import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaHandler } from '../../local/runtime/lambda.ts';
import { type E2EPlatform, eventually, spec, startE2EPlatform } from './helpers/platform.ts';

/** Successful mutating calls (Create*, RegisterTaskDefinition) per action, from the cloud's metrics. */
function creates(metrics: any): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, m] of Object.entries<any>(metrics.actions ?? {})) {
    const action = key.split(':')[1] ?? '';
    if (!/^(Create|RegisterTaskDefinition$|RunInstances$)/.test(action) || action === 'CreateTable') continue;
    out[key] = m.requests - m.clientErrors - m.serverErrors - m.throttles;
  }
  return out;
}

describe('idempotency and concurrency', () => {
  let e2e: E2EPlatform;
  let firstExecutionArn: string;

  beforeAll(async () => {
    e2e = await startE2EPlatform();
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  it('answers a retried request id with the same operation and starts one execution', async () => {
    const headers = { 'idempotency-key': 'conv-up-1' };
    const first = await e2e.api('POST', '/environments', spec('conv'), headers);
    const second = await e2e.api('POST', '/environments', spec('conv'), headers);
    expect(first.status, first.text).toBe(202);
    expect(second.status, second.text).toBe(202);
    expect(second.body.operationId).toBe(first.body.operationId);
    expect(second.body.executionArn).toBe(first.body.executionArn);
    firstExecutionArn = first.body.executionArn;
    const executions = await e2e.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: e2e.platform.stateMachines.lifecycle }),
    );
    expect(executions.executions?.filter((e) => e.name?.includes('conv-up-1'))).toHaveLength(1);
    expect((await e2e.waitForExecution(firstExecutionArn)).status).toBe('SUCCEEDED');
  });

  it('converges on a second up without creating anything', async () => {
    const before = creates(await e2e.control('/_berth/metrics'));
    expect(Object.values(before).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const again = await e2e.api('POST', '/environments', spec('conv'), { 'idempotency-key': 'conv-up-2' });
    expect(again.status, again.text).toBe(202);
    expect(again.body.executionArn).not.toBe(firstExecutionArn);
    const execution = await e2e.waitForExecution(again.body.executionArn);
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(creates(await e2e.control('/_berth/metrics'))).toEqual(before);
    expect((await e2e.api('GET', '/environments/conv')).body.status).toBe('ready');
  });

  it('answers 409 to an up while a down is running', async () => {
    const real = await e2e.platform.handlers.resolve('teardown-service');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const paused: LambdaHandler = async (event, context) => {
      await gate;
      return real(event, context);
    };
    e2e.platform.handlers.override('teardown-service', paused);
    try {
      const down = await e2e.api('DELETE', '/environments/conv');
      expect(down.status, down.text).toBe(202);
      await eventually(
        async () =>
          e2e.platform.sfn.getExecution(down.body.executionArn).currentState === 'TeardownServiceDown',
      );
      const up = await e2e.api('POST', '/environments', spec('conv'));
      expect(up.status, up.text).toBe(409);
      expect(up.body.error).toBe('OperationInProgressError');
      expect(up.body.message).toContain('busy');
      release();
      const execution = await e2e.waitForExecution(down.body.executionArn);
      expect(execution.status, execution.cause).toBe('SUCCEEDED');
    } finally {
      release();
      e2e.platform.handlers.override('teardown-service', real);
    }
    await e2e.assertNothingLeft('conv');
  });
});
