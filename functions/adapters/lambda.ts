import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { AwsRequestError, restoreError } from '../core/errors.ts';
import { mapAwsError } from './map-aws-error.ts';

/**
 * Invokes another Berth function synchronously with a JSON payload (the API uses it to run the
 * `plan` function for dry runs, keeping the ECS/ELBv2/EC2 clients out of the API's bundle).
 *
 * @example
 * const lambda = new AwsLambdaAdapter(lambdaClient());
 * const { steps } = await lambda.invokeJson('berth-plan', { operation: 'down', env: 'demo' });
 */
export class AwsLambdaAdapter {
  constructor(private readonly client: LambdaClient) {}

  /**
   * The function's JSON result. A function error is rethrown as the Berth error its `errorType`
   * names (so `NotFoundError` stays a 404 at the API), or as `AwsRequestError` for anything else.
   */
  async invokeJson(functionName: string, payload: unknown): Promise<unknown> {
    let out: { FunctionError?: string | undefined; Payload?: Uint8Array | undefined };
    try {
      out = await this.client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
    } catch (err) {
      throw mapAwsError(err, `lambda.Invoke ${functionName}`);
    }
    const text = out.Payload === undefined ? '' : new TextDecoder().decode(out.Payload);
    const body: unknown = text === '' ? null : JSON.parse(text);
    if (out.FunctionError === undefined) return body;
    const { errorType, errorMessage } = (body ?? {}) as { errorType?: string; errorMessage?: string };
    const type = errorType ?? out.FunctionError;
    const message = errorMessage ?? `function ${functionName} failed`;
    throw restoreError(type, message) ?? new AwsRequestError(type, message);
  }
}
