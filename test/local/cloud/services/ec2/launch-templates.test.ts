import {
  CreateLaunchTemplateCommand,
  DeleteLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestCloud, type TestCloud } from '../../helpers/cloud.ts';
import { expectAwsError } from '../../helpers/errors.ts';

let t: TestCloud;
let ec2: EC2Client;
const userData = Buffer.from('#!/bin/bash\necho ECS_CLUSTER=demo >> /etc/ecs/ecs.config\n').toString(
  'base64',
);

async function create(name: string): Promise<string> {
  const out = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      VersionDescription: 'first',
      LaunchTemplateData: {
        ImageId: 'ami-0123456789abcdef0',
        InstanceType: 't3.small',
        UserData: userData,
        IamInstanceProfile: { Arn: 'arn:aws:iam::000000000000:instance-profile/berth' },
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
      },
      TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'berth:env', Value: 'demo' }] }],
    }),
  );
  return out.LaunchTemplate?.LaunchTemplateId as string;
}

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = t.clients.ec2;
});
afterAll(() => t.stop());

describe('CreateLaunchTemplate', () => {
  test('creates version 1 with an lt- id and tags', async () => {
    const out = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'berth-demo-lt',
        LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro' },
        TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'env', Value: 'demo' }] }],
      }),
    );
    expect(out.LaunchTemplate).toMatchObject({
      LaunchTemplateName: 'berth-demo-lt',
      DefaultVersionNumber: 1,
      LatestVersionNumber: 1,
      Tags: [{ Key: 'env', Value: 'demo' }],
    });
    expect(out.LaunchTemplate?.LaunchTemplateId).toMatch(/^lt-[0-9a-f]{17}$/);
    expect(out.LaunchTemplate?.CreateTime).toBeInstanceOf(Date);
  });

  test('rejects a duplicate name', async () => {
    await create('dup-lt');
    await expectAwsError(
      create('dup-lt'),
      'InvalidLaunchTemplateName.AlreadyExistsException',
      'Launch template name already in use.',
    );
  });

  test('rejects names shorter than 3 characters or with spaces', async () => {
    const message =
      "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'";
    await expectAwsError(create('ab'), 'InvalidLaunchTemplateName.MalformedException', message);
    await expectAwsError(create('has space'), 'InvalidLaunchTemplateName.MalformedException', message);
  });

  test('rejects user data that is not base64', async () => {
    await expectAwsError(
      ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: 'bad-ud',
          LaunchTemplateData: { UserData: 'not base64!' },
        }),
      ),
      'InvalidUserData.Malformed',
      'Invalid BASE64 encoding of user data.',
    );
  });
});

describe('DescribeLaunchTemplates', () => {
  test('finds templates by name, by id and by tag filter', async () => {
    const id = await create('find-me');
    const byName = await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['find-me'] }));
    expect(byName.LaunchTemplates?.map((l) => l.LaunchTemplateId)).toEqual([id]);
    const byId = await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }));
    expect(byId.LaunchTemplates?.map((l) => l.LaunchTemplateName)).toEqual(['find-me']);
    const byFilter = await ec2.send(
      new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'launch-template-name', Values: ['find-*'] }] }),
    );
    expect(byFilter.LaunchTemplates?.map((l) => l.LaunchTemplateId)).toEqual([id]);
  });

  test('answers InvalidLaunchTemplateName.NotFoundException for an unknown name', async () => {
    await expectAwsError(
      ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['missing'] })),
      'InvalidLaunchTemplateName.NotFoundException',
      'At least one of the launch templates specified in the request does not exist.',
    );
  });

  test('answers InvalidLaunchTemplateId.NotFound for an unknown id', async () => {
    await expectAwsError(
      ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-00000000000000000'] })),
      'InvalidLaunchTemplateId.NotFound',
      'The specified launch template, with template ID lt-00000000000000000, does not exist.',
    );
  });

  test('pages with MaxResults', async () => {
    await create('page-1');
    await create('page-2');
    const first = await ec2.send(
      new DescribeLaunchTemplatesCommand({
        Filters: [{ Name: 'launch-template-name', Values: ['page-*'] }],
        MaxResults: 1,
      }),
    );
    expect(first.LaunchTemplates).toHaveLength(1);
    const second = await ec2.send(
      new DescribeLaunchTemplatesCommand({
        Filters: [{ Name: 'launch-template-name', Values: ['page-*'] }],
        MaxResults: 1,
        NextToken: first.NextToken,
      }),
    );
    expect(second.LaunchTemplates?.[0]?.LaunchTemplateName).not.toBe(
      first.LaunchTemplates?.[0]?.LaunchTemplateName,
    );
    expect(second.NextToken).toBeUndefined();
  });
});

describe('DescribeLaunchTemplateVersions', () => {
  test('returns the launch template data of $Latest as sent', async () => {
    await create('versions-lt');
    const out = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'versions-lt', Versions: ['$Latest'] }),
    );
    const v = out.LaunchTemplateVersions?.[0];
    expect(v).toMatchObject({ VersionNumber: 1, DefaultVersion: true, VersionDescription: 'first' });
    expect(v?.LaunchTemplateData).toEqual({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.small',
      UserData: userData,
      IamInstanceProfile: { Arn: 'arn:aws:iam::000000000000:instance-profile/berth' },
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'versions-lt' }] }],
    });
  });

  test('answers a version that does not exist with InvalidLaunchTemplateId.VersionNotFound', async () => {
    const id = await create('versions-missing');
    await expectAwsError(
      ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: ['7'] })),
      'InvalidLaunchTemplateId.VersionNotFound',
      `Could not find launch template version 7 for launch template ${id}.`,
    );
  });
});

describe('DeleteLaunchTemplate', () => {
  test('deletes by name and returns the template', async () => {
    const id = await create('delete-me');
    const out = await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: 'delete-me' }));
    expect(out.LaunchTemplate?.LaunchTemplateId).toBe(id);
    await expectAwsError(
      ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id })),
      'InvalidLaunchTemplateId.NotFound',
      `The specified launch template, with template ID ${id}, does not exist.`,
    );
  });

  test('answers an unknown name with InvalidLaunchTemplateName.NotFoundException', async () => {
    await expectAwsError(
      ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: 'never-was' })),
      'InvalidLaunchTemplateName.NotFoundException',
      'At least one of the launch templates specified in the request does not exist.',
    );
  });
});
