import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NotFoundError } from '../core/errors.ts';
import { mapAwsError } from './map-aws-error.ts';

/**
 * Reads secrets from Secrets Manager and keeps them in memory for `ttlMs` (default 5 minutes), so a
 * warm Lambda container does not call Secrets Manager on every request.
 *
 * @example
 * const secrets = new AwsSecretsAdapter(secretsClient());
 * const signingSecret = await secrets.getSecretString(process.env.BERTH_SLACK_SECRET_ARN!);
 */
export class AwsSecretsAdapter {
  private readonly cache = new Map<string, { value: string; expires: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly ttlMs = 300_000,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /**
   * The secret's string value (cached; `fresh` reads it again and refreshes the cache, e.g. after a rotation).
   * @throws NotFoundError when the secret has no string.
   */
  async getSecretString(arn: string, options: { fresh?: boolean } = {}): Promise<string> {
    const hit = this.cache.get(arn);
    if (!options.fresh && hit && hit.expires > this.nowMs()) return hit.value;
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
      value = out.SecretString;
    } catch (err) {
      throw mapAwsError(err, `secretsmanager.GetSecretValue ${arn}`);
    }
    if (value === undefined) throw new NotFoundError(`secret ${arn} has no SecretString`);
    this.cache.set(arn, { value, expires: this.nowMs() + this.ttlMs });
    return value;
  }
}
