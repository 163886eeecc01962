import {
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError } from '../../helpers/errors.ts';

let t: TestCloud;
let ssm: SSMClient;
const AL2023 = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';
const AL2 = '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id';

beforeAll(async () => {
  t = await startTestCloud();
  ssm = t.clients.ssm;
});
afterAll(() => t.stop());

describe('public ECS-optimized AMI parameters', () => {
  test('GetParameter returns a stable ami- id for Amazon Linux 2023', async () => {
    const out = await ssm.send(new GetParameterCommand({ Name: AL2023 }));
    expect(out.Parameter).toMatchObject({
      Name: AL2023,
      Type: 'String',
      Version: 1,
      DataType: 'aws:ec2:image',
    });
    expect(out.Parameter?.Value).toMatch(/^ami-[0-9a-f]{17}$/);
    expect(out.Parameter?.ARN).toBe(`arn:aws:ssm:us-east-1::parameter${AL2023}`);
    const again = await ssm.send(new GetParameterCommand({ Name: AL2023 }));
    expect(again.Parameter?.Value).toBe(out.Parameter?.Value);
  });

  test('GetParameters returns found parameters and lists unknown names as invalid', async () => {
    const out = await ssm.send(new GetParametersCommand({ Names: [AL2023, AL2, '/nope'] }));
    expect(out.Parameters?.map((p) => p.Name)).toEqual([AL2023, AL2]);
    expect(out.Parameters?.[0]?.Value).not.toBe(out.Parameters?.[1]?.Value);
    expect(out.InvalidParameters).toEqual(['/nope']);
  });

  test('the recommended parameter holds the image metadata JSON', async () => {
    const out = await ssm.send(
      new GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended' }),
    );
    const image = (await ssm.send(new GetParameterCommand({ Name: AL2023 }))).Parameter?.Value;
    expect(JSON.parse(out.Parameter?.Value ?? '{}')).toMatchObject({
      image_id: image,
      os: 'Amazon Linux 2023',
    });
  });
});

describe('PutParameter and GetParameter', () => {
  test('stores a String parameter and bumps its version on overwrite', async () => {
    const first = await ssm.send(
      new PutParameterCommand({ Name: '/berth/demo/image', Value: 'nginx:1', Type: 'String' }),
    );
    expect(first).toMatchObject({ Version: 1, Tier: 'Standard' });
    const second = await ssm.send(
      new PutParameterCommand({ Name: '/berth/demo/image', Value: 'nginx:2', Overwrite: true }),
    );
    expect(second.Version).toBe(2);
    const got = await ssm.send(new GetParameterCommand({ Name: '/berth/demo/image' }));
    expect(got.Parameter).toMatchObject({
      Value: 'nginx:2',
      Version: 2,
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/berth/demo/image',
    });
  });

  test('refuses to overwrite without Overwrite', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/berth/once', Value: 'a', Type: 'String' }));
    await expectAwsError(
      ssm.send(new PutParameterCommand({ Name: '/berth/once', Value: 'b', Type: 'String' })),
      'ParameterAlreadyExists',
      'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
    );
  });

  test('rejects SecureString', async () => {
    await expectAwsError(
      ssm.send(new PutParameterCommand({ Name: '/berth/secret', Value: 'x', Type: 'SecureString' })),
      'UnsupportedParameterType',
      'The local cloud stores only String and StringList parameters.',
    );
  });

  test('answers an unknown name with ParameterNotFound', async () => {
    await expectAwsError(
      ssm.send(new GetParameterCommand({ Name: '/missing' })),
      'ParameterNotFound',
      'Parameter /missing not found.',
    );
  });

  test('reads a specific version with name:version', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/berth/versioned', Value: 'v1', Type: 'String' }));
    const got = await ssm.send(new GetParameterCommand({ Name: '/berth/versioned:1' }));
    expect(got.Parameter).toMatchObject({ Value: 'v1', Selector: ':1' });
  });
});
