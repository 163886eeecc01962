import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { NotFoundError } from '../core/errors.ts';
import { mapAwsError } from './map-aws-error.ts';

/**
 * Reads one SSM Parameter Store parameter's value (`GetParameter`, decrypted when it is a SecureString).
 *
 * @example const text = await new AwsParameterAdapter(ssmClient()).getParameter('/berth/access-policy');
 */
export class AwsParameterAdapter {
  constructor(private readonly client: SSMClient) {}

  /** @throws NotFoundError when the parameter does not exist or has no value. */
  async getParameter(name: string): Promise<string> {
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      value = out.Parameter?.Value;
    } catch (err) {
      if (err instanceof Error && err.name === 'ParameterNotFound') {
        throw new NotFoundError(`SSM parameter ${name} does not exist`);
      }
      throw mapAwsError(err, `ssm.GetParameter ${name}`);
    }
    if (value === undefined) throw new NotFoundError(`SSM parameter ${name} has no value`);
    return value;
  }
}
