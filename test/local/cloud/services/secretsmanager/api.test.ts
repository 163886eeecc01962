import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessKeyIdForFunction } from '../../../../../local/cloud/core/iam/credentials.ts';
import { LOCAL_ACCOUNT_ID } from '../../../../../local/runtime/lambda.ts';
import { localFunctionPrincipals } from '../../../../../local/runtime/platform.ts';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError } from '../../helpers/errors.ts';

/**
 * Secrets Manager in the local cloud (what the Slack function reads its signing secret with), through the
 * SDK: AWS's ARNs (name + `-` + six random characters), stages, errors, and IAM on GetSecretValue.
 */
let tc: TestCloud;
let admin: SecretsManagerClient;
const made: SecretsManagerClient[] = [];

beforeAll(async () => {
  tc = await startTestCloud({ iam: { mode: 'enforce', principals: [] } });
  const config = { endpoint: tc.url, region: 'us-east-1', maxAttempts: 1 };
  admin = new SecretsManagerClient({ ...config, credentials: { accessKeyId: 'test', secretAccessKey: 'x' } });
  made.push(admin);
});
afterAll(async () => {
  for (const c of made) c.destroy();
  await tc?.stop();
});

const as = (functionName: string): SecretsManagerClient => {
  const client = new SecretsManagerClient({
    endpoint: tc.url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: accessKeyIdForFunction(functionName), secretAccessKey: 'x' },
  });
  made.push(client);
  return client;
};

describe('Secrets Manager', () => {
  it('creates a secret with an ARN of its name and a random suffix, and reads its value by name or ARN', async () => {
    const created = await admin.send(
      new CreateSecretCommand({
        Name: 'app/token',
        SecretString: 's3cret',
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    expect(created.ARN).toMatch(
      new RegExp(`^arn:aws:secretsmanager:us-east-1:${LOCAL_ACCOUNT_ID}:secret:app/token-[A-Za-z0-9]{6}$`),
    );
    const byName = await admin.send(new GetSecretValueCommand({ SecretId: 'app/token' }));
    expect(byName).toMatchObject({
      Name: 'app/token',
      SecretString: 's3cret',
      VersionStages: ['AWSCURRENT'],
    });
    const byArn = await admin.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    expect(byArn.SecretString).toBe('s3cret');
  });

  it('keeps the former value as AWSPREVIOUS after PutSecretValue', async () => {
    await admin.send(new CreateSecretCommand({ Name: 'app/rotated', SecretString: 'one' }));
    await admin.send(new PutSecretValueCommand({ SecretId: 'app/rotated', SecretString: 'two' }));
    expect((await admin.send(new GetSecretValueCommand({ SecretId: 'app/rotated' }))).SecretString).toBe(
      'two',
    );
    const previous = await admin.send(
      new GetSecretValueCommand({ SecretId: 'app/rotated', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('one');
    const described = await admin.send(new DescribeSecretCommand({ SecretId: 'app/rotated' }));
    expect(Object.values(described.VersionIdsToStages ?? {}).sort()).toEqual([
      ['AWSCURRENT'],
      ['AWSPREVIOUS'],
    ]);
  });

  it("answers AWS's errors: unknown secret, existing name, no value, marked for deletion", async () => {
    await expectAwsError(
      admin.send(new GetSecretValueCommand({ SecretId: 'nope' })),
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret.",
    );
    await admin.send(new CreateSecretCommand({ Name: 'app/dup', SecretString: 'x' }));
    await expectAwsError(
      admin.send(new CreateSecretCommand({ Name: 'app/dup', SecretString: 'y' })),
      'ResourceExistsException',
      'The operation failed because the secret app/dup already exists.',
    );
    await admin.send(new CreateSecretCommand({ Name: 'app/empty' }));
    await expectAwsError(
      admin.send(new GetSecretValueCommand({ SecretId: 'app/empty' })),
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    );
    const deleted = await admin.send(
      new DeleteSecretCommand({ SecretId: 'app/dup', RecoveryWindowInDays: 7 }),
    );
    expect(deleted.DeletionDate).toBeInstanceOf(Date);
    await expectAwsError(
      admin.send(new GetSecretValueCommand({ SecretId: 'app/dup' })),
      'InvalidRequestException',
      "You can't perform this operation on the secret because it was marked for deletion.",
    );
    await admin.send(new DeleteSecretCommand({ SecretId: 'app/empty', ForceDeleteWithoutRecovery: true }));
    await expectAwsError(
      admin.send(new DescribeSecretCommand({ SecretId: 'app/empty' })),
      'ResourceNotFoundException',
      "Secrets Manager can't find the specified secret.",
    );
  });

  it('lets the slack function read its signing secret, and denies it to other functions (AccessDeniedException)', async () => {
    const created = await admin.send(
      new CreateSecretCommand({ Name: 'berth/slack-signing-secret', SecretString: 'signing' }),
    );
    const arn = created.ARN as string;
    const principals = localFunctionPrincipals('vpc-0123456789abcdef0', { slackSecretArn: arn });
    tc.iam.setPrincipals(principals);
    const roleOf = (fn: string) => principals.find((p) => p.functionName === fn)?.roleName;
    const read = await as('berth-slack').send(new GetSecretValueCommand({ SecretId: arn }));
    expect(read.SecretString).toBe('signing');
    await expectAwsError(
      as('berth-api').send(new GetSecretValueCommand({ SecretId: arn })),
      'AccessDeniedException',
      `User: arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${roleOf('berth-api')}/berth-api is not authorized to perform: secretsmanager:GetSecretValue on resource: ${arn} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
    );
  });
});
