import '../../../local/runtime/polyfills.ts';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../../functions/handlers/config.ts';
import { declaredSettings, HANDLER_SETTINGS } from '../../../functions/handlers/settings.ts';
import { HandlerRegistry } from '../../../local/runtime/lambda.ts';
import { type RunningRuntimeServer, startRuntimeServer } from '../../../local/runtime/runtime-server.ts';
import { StepFunctionsEmulator } from '../../../local/runtime/step-functions/emulator.ts';

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

describe('the settings a local function sees', () => {
  it('shows each function only the BERTH_* variables it declares, as the stack sets them', async () => {
    const saved = { ...process.env };
    for (const variable of Object.keys(CONFIG_VARIABLES)) process.env[variable] = `value-of-${variable}`;
    process.env['BERTH_PROFILE'] = 'instant'; // a local-runtime variable no function declares
    const seen = () => ({
      keys: Object.keys(process.env)
        .filter((key) => key.startsWith('BERTH_'))
        .sort(),
      vpc: process.env['BERTH_VPC_ID'] ?? null,
      hasVpc: 'BERTH_VPC_ID' in process.env,
      spread: Object.keys({ ...process.env }).filter((key) => key.startsWith('BERTH_')).length,
      region: process.env['AWS_REGION'] ?? null,
    });
    try {
      const files = Object.keys(HANDLER_SETTINGS);
      const registry = new HandlerRegistry(Object.fromEntries(files.map((file) => [file, seen])));
      for (const file of files) {
        const declared = [...(declaredSettings(file) ?? [])].sort();
        const result = (await registry.invoke(file, {})) as ReturnType<typeof seen>;
        expect(result.keys, file).toEqual(declared);
        expect(result.spread, file).toBe(declared.length);
        const declaresVpc = declared.includes('BERTH_VPC_ID');
        expect(result.vpc, file).toBe(declaresVpc ? 'value-of-BERTH_VPC_ID' : null);
        expect(result.hasVpc, file).toBe(declaresVpc);
        expect(result.region, file).toBe(process.env['AWS_REGION'] ?? null); // the SDK's own variables pass
      }
      expect(((await registry.invoke('lock', {})) as ReturnType<typeof seen>).keys).toEqual([
        'BERTH_LOCK_TTL_SECONDS',
        'BERTH_TABLE_NAME',
      ]);
      // A file that is not one of Berth's functions sees no Berth setting at all.
      registry.override('not-a-berth-function', seen);
      expect(((await registry.invoke('not-a-berth-function', {})) as ReturnType<typeof seen>).keys).toEqual(
        [],
      );
      // Outside an invocation the process sees everything.
      expect(process.env['BERTH_VPC_ID']).toBe('value-of-BERTH_VPC_ID');
      expect(process.env['BERTH_PROFILE']).toBe('instant');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
