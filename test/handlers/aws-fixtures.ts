/** Shared helpers for handler tests over aws-sdk-client-mock (not a test file). */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsAutoScalingAdapter } from '../../functions/adapters/autoscaling.ts';
import {
  autoScalingClient,
  ec2Client,
  ecsClient,
  elbv2Client,
  logsClient,
  ssmClient,
} from '../../functions/adapters/aws/clients.ts';
import { AwsEc2Adapter } from '../../functions/adapters/ec2.ts';
import { AwsEcsAdapter } from '../../functions/adapters/ecs.ts';
import { AwsElbv2Adapter } from '../../functions/adapters/elbv2.ts';
import { AwsLogsAdapter } from '../../functions/adapters/logs.ts';
import { AwsParameterAdapter } from '../../functions/adapters/ssm-parameter.ts';
import { loadConfig } from '../../functions/handlers/config.ts';
import { type HandlerDeps, silentLogger } from '../../functions/handlers/lifecycle-deps.ts';

export const mocks = {
  ecs: mockClient(ECSClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
  autoScaling: mockClient(AutoScalingClient),
  ec2: mockClient(EC2Client),
  ssm: mockClient(SSMClient),
  logs: mockClient(CloudWatchLogsClient),
};

/** The log groups the mocked CloudWatch Logs holds (name → tags); reset by {@link resetMocks}. */
export const logGroups = new Map<string, Record<string, string>>();
/** Retention (days) of the mocked log groups. */
export const logRetention = new Map<string, number>();

/** A small in-memory CloudWatch Logs behind `mocks.logs` (groups, tags; no events). */
function fakeLogs(): void {
  const arnOf = (name: string) => `arn:aws:logs:us-east-1:123456789012:log-group:${name}`;
  const nameOf = (arn: string) => arn.split(':log-group:')[1] ?? '';
  mocks.logs.on(DescribeLogGroupsCommand).callsFake((input: { logGroupNamePrefix?: string }) => ({
    logGroups: [...logGroups.keys()]
      .filter((name) => name.startsWith(input.logGroupNamePrefix ?? ''))
      .map((name) => ({
        logGroupName: name,
        logGroupArn: arnOf(name),
        arn: `${arnOf(name)}:*`,
        ...(logRetention.has(name) ? { retentionInDays: logRetention.get(name) } : {}),
      })),
  }));
  mocks.logs
    .on(CreateLogGroupCommand)
    .callsFake((input: { logGroupName: string; tags?: Record<string, string> }) => {
      logGroups.set(input.logGroupName, { ...input.tags });
      return {};
    });
  mocks.logs.on(ListTagsForResourceCommand).callsFake((input: { resourceArn: string }) => ({
    tags: { ...logGroups.get(nameOf(input.resourceArn)) },
  }));
  mocks.logs
    .on(TagResourceCommand)
    .callsFake((input: { resourceArn: string; tags: Record<string, string> }) => {
      const name = nameOf(input.resourceArn);
      logGroups.set(name, { ...logGroups.get(name), ...input.tags });
      return {};
    });
  mocks.logs.on(UntagResourceCommand).callsFake((input: { resourceArn: string; tagKeys: string[] }) => {
    const tags = logGroups.get(nameOf(input.resourceArn)) ?? {};
    for (const key of input.tagKeys) delete tags[key];
    return {};
  });
  mocks.logs.on(DeleteLogGroupCommand).callsFake((input: { logGroupName: string }) => {
    logGroups.delete(input.logGroupName);
    return {};
  });
  mocks.logs
    .on(PutRetentionPolicyCommand)
    .callsFake((input: { logGroupName: string; retentionInDays: number }) => {
      logRetention.set(input.logGroupName, input.retentionInDays);
      return {};
    });
  mocks.logs.on(GetLogEventsCommand).resolves({ events: [] });
}
fakeLogs();

export const resetMocks = () => {
  for (const m of Object.values(mocks)) m.reset();
  logGroups.clear();
  logRetention.clear();
  fakeLogs();
};

export const OWNED = [
  { Key: 'berth:env', Value: 'demo' },
  { Key: 'berth:managed-by', Value: 'berth' },
  { Key: 'berth:owner', Value: 'ana' },
];
export const OWNED_ECS = OWNED.map((t) => ({ key: t.Key, value: t.Value }));
export const FOREIGN = [{ Key: 'team', Value: 'payments' }];

/** The `awslogs` configuration Berth gives the container of environment `env`. */
export const awslogsOf = (env = 'demo') => ({
  logDriver: 'awslogs' as const,
  options: {
    'awslogs-group': `/berth/${env}`,
    'awslogs-region': 'us-east-1',
    'awslogs-stream-prefix': 'app',
  },
});

/** An SDK-like error with a code (`name`) and a client fault. */
export const awsError = (name: string, message = `${name}`) =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });

export const config = loadConfig({
  BERTH_TABLE_NAME: 'berth',
  BERTH_VPC_ID: 'vpc-1',
  BERTH_PUBLIC_SUBNETS: 'subnet-pub-a,subnet-pub-b',
  BERTH_PRIVATE_SUBNETS: 'subnet-priv-a,subnet-priv-b',
  BERTH_INSTANCE_PROFILE_ARN: 'arn:aws:iam::123456789012:instance-profile/ecsInstanceRole',
  BERTH_ALLOWED_CIDR: '203.0.113.0/24',
});

/** Handler deps over real adapters whose SDK clients are mocked. */
export function testDeps(overrides: Partial<HandlerDeps> = {}): HandlerDeps {
  const opts = { region: 'us-east-1', maxAttempts: 1 };
  return {
    config,
    ecs: new AwsEcsAdapter(ecsClient(opts)),
    elbv2: new AwsElbv2Adapter(elbv2Client(opts)),
    autoScaling: new AwsAutoScalingAdapter(autoScalingClient(opts)),
    ec2: new AwsEc2Adapter(ec2Client(opts), new AwsParameterAdapter(ssmClient(opts))),
    logs: new AwsLogsAdapter(logsClient(opts)),
    registry: undefined as never,
    probe: async ({ url }) => ({ url, status: 200, body: 'ok' }),
    now: () => new Date('2026-11-25T12:00:00Z'),
    logger: silentLogger,
    ...overrides,
  };
}

export const upState = {
  operation: 'up',
  env: 'demo',
  requestId: 'req-1',
  requestedBy: 'ana',
  spec: { name: 'demo', image: 'nginx:1.27', owner: 'ana' },
};

/** Names of the commands a mock received, in order. */
export const sent = (m: { calls(): { args: unknown[] }[] }): string[] =>
  m
    .calls()
    .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));
