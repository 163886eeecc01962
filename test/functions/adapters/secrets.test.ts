import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { secretsClient } from '../../../functions/adapters/aws/clients.ts';
import { AwsSecretsAdapter } from '../../../functions/adapters/secrets.ts';

const secrets = mockClient(SecretsManagerClient);

beforeEach(() => {
  secrets.reset();
});

describe('AwsSecretsAdapter', () => {
  it('caches a secret until its TTL passes', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 's3cret' });
    let now = 0;
    const adapter = new AwsSecretsAdapter(secretsClient({ region: 'us-east-1' }), 1000, () => now);
    expect(await adapter.getSecretString('arn:secret')).toBe('s3cret');
    expect(await adapter.getSecretString('arn:secret')).toBe('s3cret');
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    now = 1001;
    await adapter.getSecretString('arn:secret');
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('fails with NotFoundError when the secret has no string', async () => {
    secrets.on(GetSecretValueCommand).resolves({});
    const adapter = new AwsSecretsAdapter(secretsClient({ region: 'us-east-1' }));
    await expect(adapter.getSecretString('arn:secret')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'secret arn:secret has no SecretString',
    });
  });
});
