/** Shared helpers for handler tests over aws-sdk-client-mock (not a test file). */
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
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
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  DescribeLaunchTemplatesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  type Cluster,
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsAutoScalingAdapter } from '../../../functions/adapters/autoscaling.ts';
import {
  autoScalingClient,
  ec2Client,
  ecsClient,
  elbv2Client,
  logsClient,
  ssmClient,
} from '../../../functions/adapters/aws/clients.ts';
import { AwsEc2Adapter } from '../../../functions/adapters/ec2.ts';
import { AwsEcsAdapter } from '../../../functions/adapters/ecs.ts';
import { AwsElbv2Adapter } from '../../../functions/adapters/elbv2.ts';
import { AwsLogsAdapter } from '../../../functions/adapters/logs.ts';
import { AwsParameterAdapter } from '../../../functions/adapters/ssm-parameter.ts';
import { loadConfig } from '../../../functions/handlers/config.ts';
import { makeHandler as createCluster } from '../../../functions/handlers/create-cluster.ts';
import { makeHandler as createLoadBalancer } from '../../../functions/handlers/create-load-balancer.ts';
import { makeHandler as createNetwork } from '../../../functions/handlers/create-network.ts';
import { makeHandler as createService } from '../../../functions/handlers/create-service.ts';
import { makeHandler as createTaskDefinition } from '../../../functions/handlers/create-task-definition.ts';
import {
  type HandlerDeps,
  type LifecycleState,
  silentLogger,
} from '../../../functions/handlers/lifecycle-deps.ts';

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

/** Revision 1 of `berth-demo`, as a fresh account's RegisterTaskDefinition returns it. */
export const TD_1 = 'arn:aws:ecs:us-east-1:1:task-definition/berth-demo:1';

/** The container of revision 1 as the default spec (`upState.spec`) registers it, without its log configuration. */
export const REVISION_1_CONTAINER = {
  name: 'app',
  image: 'nginx:1.27',
  cpu: 256,
  memory: 512,
  memoryReservation: 256,
  portMappings: [{ containerPort: 80, hostPort: 0 }],
};

/** The environment's Auto Scaling group as DescribeAutoScalingGroups lists it once created. */
export const GROUP = {
  AutoScalingGroupName: 'berth-demo-asg',
  AutoScalingGroupARN: 'arn:asg',
  MinSize: 1,
  MaxSize: 2,
  DesiredCapacity: 1,
  Instances: [],
  Tags: OWNED.map((t) => ({ ...t, ResourceId: 'berth-demo-asg', PropagateAtLaunch: true })),
  CreatedTime: new Date(0),
  DefaultCooldown: 300,
  AvailabilityZones: [],
  HealthCheckType: 'EC2',
};

/** `DescribeClusters` answers the environment's cluster, ACTIVE and tagged as its own, with `extra` fields. */
export function ownedCluster(extra: Partial<Cluster> = {}): void {
  mocks.ecs.on(DescribeClustersCommand).resolves({
    clusters: [
      { clusterArn: 'arn:cluster', clusterName: 'berth-demo', status: 'ACTIVE', tags: OWNED_ECS, ...extra },
    ],
  });
}

/**
 * Nothing of environment `demo` exists, and every create answers: security groups `sg-alb`/`sg-inst`, target
 * group `arn:tg`, ALB `arn:lb` (provisioning), listener `arn:listener`, cluster `arn:cluster` (with the capacity
 * providers asked for), launch template `lt-1`, the Auto Scaling group (listed once created), capacity provider
 * `berth-demo-cp` (ACTIVE), revision {@link TD_1}, service `arn:svc`. Tests override single commands after it.
 */
export function freshAccount(): void {
  mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  mocks.ec2.on(CreateSecurityGroupCommand).callsFake((input: { GroupName: string }) => ({
    GroupId: input.GroupName === 'berth-demo-alb' ? 'sg-alb' : 'sg-inst',
  }));
  mocks.ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
  mocks.ec2
    .on(DescribeLaunchTemplatesCommand)
    .rejects(awsError('InvalidLaunchTemplateName.NotFoundException'));
  mocks.ec2
    .on(CreateLaunchTemplateCommand)
    .resolves({ LaunchTemplate: { LaunchTemplateId: 'lt-1', LaunchTemplateName: 'berth-demo-lt' } });
  mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0ecs' } });
  mocks.elbv2.on(DescribeTargetGroupsCommand).rejects(awsError('TargetGroupNotFound'));
  mocks.elbv2.on(CreateTargetGroupCommand).resolves({ TargetGroups: [{ TargetGroupArn: 'arn:tg' }] });
  mocks.elbv2.on(ModifyTargetGroupAttributesCommand).resolves({});
  mocks.elbv2.on(DescribeLoadBalancersCommand).rejects(awsError('LoadBalancerNotFound'));
  mocks.elbv2.on(CreateLoadBalancerCommand).resolves({
    LoadBalancers: [
      {
        LoadBalancerArn: 'arn:lb',
        LoadBalancerName: 'berth-demo-alb',
        DNSName: 'berth-demo-alb-1.us-east-1.elb.amazonaws.com',
        State: { Code: 'provisioning' },
      },
    ],
  });
  mocks.elbv2.on(DescribeListenersCommand).resolves({ Listeners: [] });
  mocks.elbv2.on(CreateListenerCommand).resolves({ Listeners: [{ ListenerArn: 'arn:listener' }] });
  mocks.elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
  mocks.ecs.on(DescribeClustersCommand).resolves({ clusters: [], failures: [{ reason: 'MISSING' }] });
  mocks.ecs.on(CreateClusterCommand).callsFake((input: { capacityProviders?: string[] }) => ({
    cluster: {
      clusterArn: 'arn:cluster',
      clusterName: 'berth-demo',
      status: 'ACTIVE',
      capacityProviders: input.capacityProviders ?? [],
    },
  }));
  // Listed only once created (callers describe the group right after creating it).
  let groupCreated = false;
  mocks.autoScaling
    .on(DescribeAutoScalingGroupsCommand)
    .callsFake(() => ({ AutoScalingGroups: groupCreated ? [GROUP] : [] }));
  mocks.autoScaling.on(CreateAutoScalingGroupCommand).callsFake(() => {
    groupCreated = true;
    return {};
  });
  mocks.ecs.on(DescribeCapacityProvidersCommand).resolves({ capacityProviders: [] });
  mocks.ecs
    .on(CreateCapacityProviderCommand)
    .resolves({ capacityProvider: { name: 'berth-demo-cp', status: 'ACTIVE' } });
  mocks.ecs.on(PutClusterCapacityProvidersCommand).resolves({});
  mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [] });
  mocks.ecs.on(RegisterTaskDefinitionCommand).resolves({
    taskDefinition: { taskDefinitionArn: TD_1, family: 'berth-demo', revision: 1 },
  });
  mocks.ecs.on(DescribeServicesCommand).resolves({ services: [] });
  mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  mocks.ecs.on(CreateServiceCommand).resolves({
    service: { serviceArn: 'arn:svc', serviceName: 'berth-demo', status: 'ACTIVE' },
  });
}

/**
 * The create handlers of `up` over `deps`, and `up(state)`: the chain as the state machine runs it
 * (network, then load balancer | cluster | task definition in parallel, then the service), with each
 * handler's result placed where the next ones read it.
 */
export function createHandlers(deps: HandlerDeps) {
  const handlers = {
    createNetwork: createNetwork(deps),
    createLoadBalancer: createLoadBalancer(deps),
    createCluster: createCluster(deps),
    createTaskDefinition: createTaskDefinition(deps),
    createService: createService(deps),
  };
  return {
    ...handlers,
    async up(state: LifecycleState) {
      const network = await handlers.createNetwork(state);
      const withNetwork = { ...state, resources: { network } };
      const [loadBalancer, cluster, taskDefinition] = await Promise.all([
        handlers.createLoadBalancer(withNetwork),
        handlers.createCluster(withNetwork),
        handlers.createTaskDefinition(withNetwork),
      ]);
      const service = await handlers.createService({
        ...state,
        resources: { network, loadBalancer, cluster, taskDefinition },
      });
      return { network, loadBalancer, cluster, taskDefinition, service };
    },
  };
}
