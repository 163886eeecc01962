import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsLambdaAdapter } from '../../../functions/adapters/lambda.ts';
import { AwsRequestError, NotFoundError, ValidationError } from '../../../functions/core/errors.ts';

const lambda = mockClient(LambdaClient);
const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

describe('AwsLambdaAdapter.invokeJson', () => {
  beforeEach(() => lambda.reset());

  it('sends the JSON payload synchronously and returns the JSON result', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ steps: [] }) as never });

    const result = await new AwsLambdaAdapter(new LambdaClient({})).invokeJson('berth-plan', { env: 'demo' });

    expect(result).toEqual({ steps: [] });
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input?.FunctionName).toBe('berth-plan');
    expect(input?.InvocationType).toBe('RequestResponse');
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({ env: 'demo' });
  });

  it('rethrows a function error as the Berth error its errorType names', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'NotFoundError', errorMessage: 'environment "demo" not found' }) as never,
    });

    const call = new AwsLambdaAdapter(new LambdaClient({})).invokeJson('berth-plan', {});

    await expect(call).rejects.toBeInstanceOf(NotFoundError);
    await expect(call).rejects.toThrow('environment "demo" not found');
  });

  it('keeps the field and rule of a ValidationError', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'ValidationError', errorMessage: 'image: must not be empty' }) as never,
    });

    const error = await new AwsLambdaAdapter(new LambdaClient({})).invokeJson('f', {}).catch((e) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'image', rule: 'must not be empty' });
  });

  it('reports an unknown function error as AwsRequestError with its type', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'TypeError', errorMessage: 'x is undefined' }) as never,
    });

    const call = new AwsLambdaAdapter(new LambdaClient({})).invokeJson('f', {});

    await expect(call).rejects.toBeInstanceOf(AwsRequestError);
    await expect(call).rejects.toThrow('TypeError: x is undefined');
  });
});
