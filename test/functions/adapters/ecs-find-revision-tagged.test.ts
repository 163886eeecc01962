import {
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandInput,
  ECSClient,
  ListTaskDefinitionsCommand,
  type ListTaskDefinitionsCommandInput,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ecsClient } from '../../../functions/adapters/aws/clients.ts';
import { AwsEcsAdapter, TAGGED_REVISION_LOOKBACK } from '../../../functions/adapters/ecs.ts';

const ecs = mockClient(ECSClient);
const adapter = new AwsEcsAdapter(ecsClient({ region: 'us-east-1', maxAttempts: 1 }));
const arn = (revision: number, family = 'berth-demo') =>
  `arn:aws:ecs:us-east-1:1:task-definition/${family}:${revision}`;
const tag = { key: 'berth:request-id', value: 'req-7' };

/** Revisions 1..count of berth-demo (newest last); `tagged` carries the request tag. */
function revisions(count: number, tagged: number | undefined, pageSize = 100) {
  const all = Array.from({ length: count }, (_, i) => arn(i + 1));
  ecs.on(ListTaskDefinitionsCommand).callsFake((input: ListTaskDefinitionsCommandInput) => {
    const ordered = input.sort === 'DESC' ? [...all].reverse() : all;
    const start = Number(input.nextToken ?? 0);
    const end = start + pageSize;
    return {
      taskDefinitionArns: ordered.slice(start, end),
      ...(end < ordered.length ? { nextToken: String(end) } : {}),
    };
  });
  ecs.on(DescribeTaskDefinitionCommand).callsFake((input: DescribeTaskDefinitionCommandInput) => {
    const revision = Number(String(input.taskDefinition).split(':').pop());
    return {
      taskDefinition: {
        taskDefinitionArn: input.taskDefinition,
        family: 'berth-demo',
        revision,
        status: 'ACTIVE',
        containerDefinitions: [{ name: 'app', image: `nginx:1.${revision}` }],
      },
      tags: revision === tagged ? [tag] : [{ key: 'berth:env', value: 'demo' }],
    };
  });
}

const described = () =>
  ecs.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition);

beforeEach(() => ecs.reset());

describe('AwsEcsAdapter.findRevisionTagged', () => {
  it('returns the tagged revision with its image and tags, newest first', async () => {
    revisions(5, 4);
    const found = await adapter.findRevisionTagged('berth-demo', tag);
    expect(found).toMatchObject({
      arn: arn(4),
      revision: 4,
      image: 'nginx:1.4',
      tags: { 'berth:request-id': 'req-7' },
    });
    expect(described()).toEqual([arn(5), arn(4)]);
  });

  it('describes nothing older than minRevision', async () => {
    revisions(5, 2);
    expect(await adapter.findRevisionTagged('berth-demo', tag, { minRevision: 4 })).toBeUndefined();
    expect(described()).toEqual([arn(5), arn(4)]);
  });

  it(`describes at most ${TAGGED_REVISION_LOOKBACK} revisions by default, across pages`, async () => {
    revisions(30, 1, 4);
    expect(await adapter.findRevisionTagged('berth-demo', tag)).toBeUndefined();
    expect(described()).toHaveLength(TAGGED_REVISION_LOOKBACK);
    expect(described()[0]).toBe(arn(30));
  });

  it('skips revisions of other families that share the prefix', async () => {
    ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [arn(9, 'berth-demo-2'), arn(1)] });
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { taskDefinitionArn: arn(1), family: 'berth-demo', revision: 1, status: 'ACTIVE' },
      tags: [tag],
    });
    expect((await adapter.findRevisionTagged('berth-demo', tag))?.arn).toBe(arn(1));
    expect(described()).toEqual([arn(1)]);
  });

  it('maps a throttled listing to ThrottlingError', async () => {
    ecs.on(ListTaskDefinitionsCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(adapter.findRevisionTagged('berth-demo', tag)).rejects.toMatchObject({
      name: 'ThrottlingError',
      message: expect.stringContaining('ecs.ListTaskDefinitions berth-demo'),
    });
  });
});
