import '../../local/runtime/polyfills.ts';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HandlerRegistry } from '../../local/runtime/lambda.ts';
import { type RunningRuntimeServer, startRuntimeServer } from '../../local/runtime/runtime-server.ts';
import { StepFunctionsEmulator } from '../../local/runtime/step-functions/emulator.ts';

describe('Lambda Invoke on the runtime port', () => {
  let server: RunningRuntimeServer;
  let lambda: LambdaClient;

  beforeAll(async () => {
    const registry = new HandlerRegistry({
      plan: (event: { operation?: string }) => {
        if (event.operation === 'nope') {
          const error = new Error('operation: must be up, down, scale or redeploy');
          error.name = 'ValidationError';
          throw error;
        }
        return { steps: [{ action: 'create', resource: `cluster for ${event.operation}` }] };
      },
    });
    const sfn = new StepFunctionsEmulator({
      machines: [],
      invokeLambda: (file, event) => registry.invoke(file, event),
    });
    server = await startRuntimeServer({ sfn, handlers: registry, port: 0 });
    lambda = new LambdaClient({ endpoint: server.url, region: 'us-east-1', maxAttempts: 1 });
  });

  afterAll(async () => {
    lambda.destroy();
    await server.stop();
  });

  const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const decode = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));

  it('runs the handler in-process and returns its result', async () => {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'berth-plan', Payload: payload({ operation: 'up' }) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(decode(out.Payload)).toEqual({ steps: [{ action: 'create', resource: 'cluster for up' }] });
  });

  it('accepts a function ARN', async () => {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:berth-plan',
        Payload: payload({ operation: 'down' }),
      }),
    );
    expect(decode(out.Payload).steps[0].resource).toBe('cluster for down');
  });

  it('reports a handler error as an Unhandled function error with its name', async () => {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'berth-plan', Payload: payload({ operation: 'nope' }) }),
    );
    expect(out.FunctionError).toBe('Unhandled');
    expect(decode(out.Payload)).toMatchObject({
      errorType: 'ValidationError',
      errorMessage: 'operation: must be up, down, scale or redeploy',
    });
  });

  it('answers ResourceNotFoundException for an unknown function', async () => {
    const error = await lambda
      .send(new InvokeCommand({ FunctionName: 'someone-else' }))
      .catch((e: Error) => e);
    expect((error as Error).name).toBe('ResourceNotFoundException');
    expect((error as Error).message).toBe('Function not found: someone-else');
  });
});

describe('HandlerRegistry', () => {
  it('uses the latest override of a handler file', async () => {
    const registry = new HandlerRegistry({ lock: () => ({ token: 'first' }) });
    registry.override('lock', () => ({ token: 'second' }));
    expect(await registry.invoke('lock', {})).toEqual({ token: 'second' });
  });

  it('names a missing handler file in a ResourceNotFoundException', async () => {
    const registry = new HandlerRegistry();
    const error = await registry.invoke('no-such-handler', {}).catch((e: Error) => e);
    expect((error as Error).name).toBe('ResourceNotFoundException');
    expect(JSON.parse((error as Error).message).errorMessage).toBe(
      'Function not found: berth-no-such-handler (no functions/handlers/no-such-handler.ts)',
    );
  });
});
