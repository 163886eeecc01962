import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  DescribeLaunchTemplatesCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteCapacityProviderCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as createCluster } from '../../../functions/handlers/create-cluster.ts';
import { makeHandler as createLoadBalancer } from '../../../functions/handlers/create-load-balancer.ts';
import { makeHandler as createNetwork } from '../../../functions/handlers/create-network.ts';
import {
  awsError,
  awslogsOf,
  createHandlers,
  FOREIGN,
  freshAccount,
  GROUP,
  logGroups,
  logRetention,
  mocks,
  OWNED,
  OWNED_ECS,
  ownedCluster,
  resetMocks,
  sent,
  testDeps,
  upState,
} from './aws-fixtures.ts';

const TAGS = OWNED;
const ECS_TAGS = OWNED_ECS;

/** Everything exists, owned by env demo and matching the default spec. */
function convergedAccount() {
  mocks.ec2
    .on(DescribeSecurityGroupsCommand)
    .callsFake((input: { Filters: { Name: string; Values: string[] }[] }) => {
      const name = input.Filters.find((f) => f.Name === 'group-name')?.Values[0];
      const alb = name === 'berth-demo-alb';
      return {
        SecurityGroups: [
          {
            GroupId: alb ? 'sg-alb' : 'sg-inst',
            GroupName: name,
            Tags: OWNED,
            IpPermissions: alb
              ? [
                  { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
                  { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
                ]
              : [
                  {
                    IpProtocol: 'tcp',
                    FromPort: 32768,
                    ToPort: 65535,
                    UserIdGroupPairs: [{ GroupId: 'sg-alb' }],
                  },
                ],
          },
        ],
      };
    });
  mocks.ec2.on(DescribeLaunchTemplatesCommand).resolves({
    LaunchTemplates: [{ LaunchTemplateId: 'lt-1', LaunchTemplateName: 'berth-demo-lt', Tags: OWNED }],
  });
  mocks.elbv2.on(DescribeTargetGroupsCommand).resolves({
    TargetGroups: [
      { TargetGroupArn: 'arn:tg', TargetGroupName: 'berth-demo-tg', LoadBalancerArns: ['arn:lb'] },
    ],
  });
  mocks.elbv2.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
    TagDescriptions: input.ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: OWNED })),
  }));
  mocks.elbv2.on(DescribeLoadBalancersCommand).resolves({
    LoadBalancers: [
      {
        LoadBalancerArn: 'arn:lb',
        LoadBalancerName: 'berth-demo-alb',
        DNSName: 'berth-demo-alb-1.us-east-1.elb.amazonaws.com',
        State: { Code: 'active' },
      },
    ],
  });
  mocks.elbv2
    .on(DescribeListenersCommand)
    .resolves({ Listeners: [{ ListenerArn: 'arn:listener', Port: 80 }] });
  ownedCluster({
    capacityProviders: ['berth-demo-cp'],
  });
  mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [GROUP] });
  mocks.ecs.on(DescribeCapacityProvidersCommand).resolves({
    capacityProviders: [
      { name: 'berth-demo-cp', capacityProviderArn: 'arn:cp', status: 'ACTIVE', tags: OWNED_ECS },
    ],
  });
  const td = 'arn:aws:ecs:us-east-1:1:task-definition/berth-demo:1';
  mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [td] });
  mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: td,
      family: 'berth-demo',
      revision: 1,
      status: 'ACTIVE',
      networkMode: 'bridge',
      containerDefinitions: [
        {
          name: 'app',
          image: 'nginx:1.27',
          cpu: 256,
          memory: 512,
          memoryReservation: 256,
          portMappings: [{ containerPort: 80, hostPort: 0 }],
          logConfiguration: awslogsOf('demo'),
        },
      ],
    },
    tags: OWNED_ECS,
  });
  logGroups.set('/berth/demo', {
    ...Object.fromEntries(OWNED.map((t) => [t.Key, t.Value])),
    'berth:logs-keep-days': '0',
  });
  logRetention.set('/berth/demo', 14);
  mocks.ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceArn: 'arn:svc',
        serviceName: 'berth-demo',
        status: 'ACTIVE',
        desiredCount: 1,
        taskDefinition: td,
        tags: OWNED_ECS,
      },
    ],
  });
}

const runUp = () => createHandlers(testDeps()).up(upState);

beforeEach(() => resetMocks());

describe('up on a fresh account', () => {
  it('creates every resource and returns the documented results', async () => {
    freshAccount();
    const result = await runUp();
    expect(result).toEqual({
      network: { albSecurityGroupId: 'sg-alb', instanceSecurityGroupId: 'sg-inst' },
      loadBalancer: {
        targetGroupArn: 'arn:tg',
        loadBalancerArn: 'arn:lb',
        listenerArn: 'arn:listener',
        dnsName: 'berth-demo-alb-1.us-east-1.elb.amazonaws.com',
        url: 'http://berth-demo-alb-1.us-east-1.elb.amazonaws.com/',
      },
      cluster: {
        clusterArn: 'arn:cluster',
        autoScalingGroupName: 'berth-demo-asg',
        capacityProviderName: 'berth-demo-cp',
        // DescribeAutoScalingGroups' CreatedTime of the group just created (the fixture's): verify sizes its
        // first wait for the instances from it.
        autoScalingGroupCreatedTime: '1970-01-01T00:00:00.000Z',
      },
      taskDefinition: { taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/berth-demo:1' },
      service: { serviceArn: 'arn:svc' },
    });
  });

  it('creates the security groups, and authorizes their role-based ingress once the ALB is requested', async () => {
    freshAccount();
    await runUp();
    // create-network observes both groups and creates each, without rules (EC2's consistency window
    // would refuse them); create-load-balancer observes them again and authorizes what core planned.
    expect(sent(mocks.ec2).slice(0, 4)).toEqual([
      'DescribeSecurityGroups',
      'DescribeSecurityGroups',
      'CreateSecurityGroup',
      'CreateSecurityGroup',
    ]);
    expect(sent(mocks.ec2).filter((name) => name === 'AuthorizeSecurityGroupIngress')).toHaveLength(2);
    const requested = mocks.elbv2.commandCalls(CreateLoadBalancerCommand)[0];
    if (requested === undefined) throw new Error('CreateLoadBalancer was not sent');
    const authorized = mocks.ec2.commandCalls(AuthorizeSecurityGroupIngressCommand);
    expect(authorized.map((call) => call.calledAfter(requested))).toEqual([true, true]);
    expect(mocks.ec2).toHaveReceivedNthCommandWith(CreateSecurityGroupCommand, 1, {
      GroupName: 'berth-demo-alb',
      VpcId: 'vpc-1',
      TagSpecifications: [
        { ResourceType: 'security-group', Tags: [...TAGS, { Key: 'Name', Value: 'berth-demo-alb' }] },
      ],
    });
    expect(mocks.ec2).toHaveReceivedNthCommandWith(AuthorizeSecurityGroupIngressCommand, 1, {
      GroupId: 'sg-alb',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 80,
          ToPort: 80,
          IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'HTTP' }],
        },
        {
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'HTTPS' }],
        },
      ],
    });
    expect(mocks.ec2).toHaveReceivedNthCommandWith(AuthorizeSecurityGroupIngressCommand, 2, {
      GroupId: 'sg-inst',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 32768,
          ToPort: 65535,
          UserIdGroupPairs: [{ GroupId: 'sg-alb', Description: 'ECS dynamic host ports from the ALB' }],
        },
      ],
    });
  });

  it('registers a bridge task definition with host port 0, sizes, BERTH_ENV and tags', async () => {
    freshAccount();
    await runUp();
    expect(mocks.ecs).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, {
      family: 'berth-demo',
      networkMode: 'bridge',
      requiresCompatibilities: ['EC2'],
      containerDefinitions: [
        {
          name: 'app',
          image: 'nginx:1.27',
          essential: true,
          portMappings: [{ containerPort: 80, hostPort: 0, protocol: 'tcp' }],
          cpu: 256,
          memory: 512,
          memoryReservation: 256,
          environment: [{ name: 'BERTH_ENV', value: 'demo' }],
          logConfiguration: awslogsOf('demo'),
        },
      ],
      tags: ECS_TAGS,
    });
  });

  it('creates the service with the circuit breaker, grace period, target group and capacity provider', async () => {
    freshAccount();
    await runUp();
    expect(mocks.ecs).toHaveReceivedCommandWith(CreateServiceCommand, {
      cluster: 'berth-demo',
      serviceName: 'berth-demo',
      taskDefinition: 'arn:aws:ecs:us-east-1:1:task-definition/berth-demo:1',
      desiredCount: 1,
      loadBalancers: [{ targetGroupArn: 'arn:tg', containerName: 'app', containerPort: 80 }],
      healthCheckGracePeriodSeconds: 60,
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        minimumHealthyPercent: 100,
        maximumPercent: 200,
      },
      capacityProviderStrategy: [{ capacityProvider: 'berth-demo-cp', weight: 1, base: 0 }],
      tags: ECS_TAGS,
    });
  });

  it('creates EC2 capacity: launch template with the SSM AMI and ECS_CLUSTER, protected ASG, managed provider', async () => {
    freshAccount();
    await runUp();
    expect(mocks.ssm).toHaveReceivedCommandWith(GetParameterCommand, {
      Name: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id',
    });
    const lt = mocks.ec2.commandCalls(CreateLaunchTemplateCommand)[0]?.args[0].input;
    expect(lt?.LaunchTemplateData?.ImageId).toBe('ami-0ecs');
    expect(lt?.LaunchTemplateData?.IamInstanceProfile).toEqual({
      Arn: 'arn:aws:iam::123456789012:instance-profile/ecsInstanceRole',
    });
    expect(lt?.LaunchTemplateData?.SecurityGroupIds).toEqual(['sg-inst']);
    // IMDSv2 with hop limit 1: containers in bridge mode cannot reach the instance role's credentials.
    expect(lt?.LaunchTemplateData?.MetadataOptions).toEqual({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 1,
      HttpEndpoint: 'enabled',
    });
    expect(Buffer.from(lt?.LaunchTemplateData?.UserData ?? '', 'base64').toString()).toContain(
      'ECS_CLUSTER=berth-demo',
    );
    expect(mocks.autoScaling).toHaveReceivedCommandWith(CreateAutoScalingGroupCommand, {
      AutoScalingGroupName: 'berth-demo-asg',
      LaunchTemplate: { LaunchTemplateName: 'berth-demo-lt', Version: '$Latest' },
      VPCZoneIdentifier: 'subnet-priv-a,subnet-priv-b',
      MinSize: 1,
      MaxSize: 2,
      DesiredCapacity: 1,
      NewInstancesProtectedFromScaleIn: true,
    });
    const asgTags =
      mocks.autoScaling.commandCalls(CreateAutoScalingGroupCommand)[0]?.args[0].input.Tags ?? [];
    expect(asgTags.every((t) => t.PropagateAtLaunch === true)).toBe(true);
    expect(mocks.ecs).toHaveReceivedCommandWith(CreateCapacityProviderCommand, {
      name: 'berth-demo-cp',
      autoScalingGroupProvider: {
        autoScalingGroupArn: 'arn:asg',
        managedTerminationProtection: 'ENABLED',
        managedScaling: {
          status: 'ENABLED',
          targetCapacity: 100,
          minimumScalingStepSize: 1,
          maximumScalingStepSize: 10,
        },
      },
    });
    expect(mocks.ecs).toHaveReceivedCommandWith(PutClusterCapacityProvidersCommand, {
      cluster: 'berth-demo',
      capacityProviders: ['berth-demo-cp'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'berth-demo-cp', weight: 1, base: 0 }],
    });
  });

  it('creates an internet-facing ALB in the public subnets with an HTTP:80 listener to the target group', async () => {
    freshAccount();
    await runUp();
    expect(mocks.elbv2).toHaveReceivedCommandWith(CreateTargetGroupCommand, {
      Name: 'berth-demo-tg',
      Protocol: 'HTTP',
      Port: 80,
      VpcId: 'vpc-1',
      TargetType: 'instance',
      HealthCheckPath: '/',
      HealthCheckPort: 'traffic-port',
      Matcher: { HttpCode: '200-399' },
      Tags: TAGS,
    });
    expect(mocks.elbv2).toHaveReceivedCommandWith(CreateLoadBalancerCommand, {
      Name: 'berth-demo-alb',
      Scheme: 'internet-facing',
      Type: 'application',
      Subnets: ['subnet-pub-a', 'subnet-pub-b'],
      SecurityGroups: ['sg-alb'],
      Tags: TAGS,
    });
    expect(mocks.elbv2).toHaveReceivedCommandWith(CreateListenerCommand, {
      LoadBalancerArn: 'arn:lb',
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: 'arn:tg' }],
    });
  });
});

describe('up on a converged environment', () => {
  it('sends no Create, Register, Authorize or Update command', async () => {
    convergedAccount();
    const result = await runUp();
    expect(result.service).toEqual({ serviceArn: 'arn:svc' });
    const all = [mocks.ec2, mocks.elbv2, mocks.ecs, mocks.autoScaling, mocks.ssm, mocks.logs].flatMap(sent);
    expect(all.filter((name) => /^(Create|Register|Authorize|Update|Put|Modify)/.test(name))).toEqual([]);
  });
});

describe('ownership conflicts on up', () => {
  it('refuses a same-named security group without the env tags and creates nothing', async () => {
    mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [{ GroupId: 'sg-x', GroupName: 'berth-demo-alb', Tags: FOREIGN }],
    });
    await expect(createNetwork(testDeps())(upState)).rejects.toMatchObject({
      name: 'OwnershipConflictError',
      message:
        'security group berth-demo-alb exists but is not tagged as belonging to environment "demo" (berth:env/berth:managed-by); Berth will neither adopt nor delete it',
    });
    expect(mocks.ec2).not.toHaveReceivedCommand(CreateSecurityGroupCommand);
    expect(mocks.ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
  });

  it('refuses a foreign target group and creates no load balancer', async () => {
    freshAccount();
    mocks.elbv2.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [{ TargetGroupArn: 'arn:tg-x', TargetGroupName: 'berth-demo-tg' }],
    });
    mocks.elbv2
      .on(DescribeTagsCommand)
      .resolves({ TagDescriptions: [{ ResourceArn: 'arn:tg-x', Tags: FOREIGN }] });
    const state = {
      ...upState,
      resources: { network: { albSecurityGroupId: 'sg-alb', instanceSecurityGroupId: 'sg-inst' } },
    };
    await expect(createLoadBalancer(testDeps())(state)).rejects.toMatchObject({
      name: 'OwnershipConflictError',
      message: expect.stringContaining('target group berth-demo-tg exists but is not tagged'),
    });
    expect(sent(mocks.elbv2).filter((n) => n.startsWith('Create'))).toEqual([]);
  });

  it('refuses a foreign ECS cluster', async () => {
    freshAccount();
    mocks.ecs.on(DescribeClustersCommand).resolves({
      clusters: [
        {
          clusterArn: 'arn:c',
          clusterName: 'berth-demo',
          status: 'ACTIVE',
          tags: [{ key: 'team', value: 'x' }],
        },
      ],
    });
    const state = {
      ...upState,
      resources: { network: { albSecurityGroupId: 'sg-alb', instanceSecurityGroupId: 'sg-inst' } },
    };
    await expect(createCluster(testDeps())(state)).rejects.toMatchObject({
      name: 'OwnershipConflictError',
      message: expect.stringContaining(
        'ECS cluster berth-demo exists but is not tagged as belonging to environment "demo"',
      ),
    });
    expect(mocks.ecs).not.toHaveReceivedCommand(CreateClusterCommand);
  });
});

describe('AWS failures during up', () => {
  it('turns a throttled CreateCluster into a retryable ThrottlingError with the SDK error as cause', async () => {
    freshAccount();
    const throttled = awsError('ThrottlingException', 'Rate exceeded');
    mocks.ecs.on(CreateClusterCommand).rejects(throttled);
    const state = {
      ...upState,
      resources: { network: { albSecurityGroupId: 'sg-alb', instanceSecurityGroupId: 'sg-inst' } },
    };
    const error = await createCluster(testDeps())(state).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ThrottlingError',
      retryable: true,
      message: 'ecs.CreateCluster berth-demo: Rate exceeded',
    });
    expect((error as Error).cause).toBe(throttled);
  });

  it('turns a 5xx from CreateLoadBalancer into TransientAwsError', async () => {
    freshAccount();
    mocks.elbv2.on(CreateLoadBalancerCommand).rejects(
      Object.assign(new Error('We encountered an internal error'), {
        name: 'InternalFailure',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
      }),
    );
    const state = {
      ...upState,
      resources: { network: { albSecurityGroupId: 'sg-alb', instanceSecurityGroupId: 'sg-inst' } },
    };
    await expect(createLoadBalancer(testDeps())(state)).rejects.toMatchObject({
      name: 'TransientAwsError',
      retryable: true,
      message: 'elbv2.CreateLoadBalancer berth-demo-alb: We encountered an internal error',
    });
  });
});

describe('a service still draining during up (docs/aws-behaviours.md)', () => {
  /** Runs up's stages before the service stage, then the service stage alone. */
  const upToService = async () => {
    const handlers = createHandlers(testDeps());
    const network = await handlers.createNetwork(upState);
    const withNetwork = { ...upState, resources: { network } };
    const [loadBalancer, cluster, taskDefinition] = await Promise.all([
      handlers.createLoadBalancer(withNetwork),
      handlers.createCluster(withNetwork),
      handlers.createTaskDefinition(withNetwork),
    ]);
    mocks.ecs.resetHistory();
    return handlers
      .createService({ ...upState, resources: { network, loadBalancer, cluster, taskDefinition } })
      .catch((e: unknown) => e);
  };

  it('waits (ResourceNotReadyError) for a DRAINING service of the same name, neither updating nor creating it', async () => {
    convergedAccount();
    mocks.ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceArn: 'arn:svc',
          serviceName: 'berth-demo',
          status: 'DRAINING',
          desiredCount: 0,
          tags: OWNED_ECS,
        },
      ],
    });
    expect(await upToService()).toMatchObject({
      name: 'ResourceNotReadyError',
      retryable: true,
      message:
        'ECS service berth-demo: still draining (deleted by an earlier down or rollback): ECS creates it again only once its tasks have stopped and it is INACTIVE',
    });
    expect(sent(mocks.ecs).filter((c) => c === 'CreateService' || c === 'UpdateService')).toEqual([]);
  });

  it('makes CreateService\'s "still Draining" answer retryable too (a drain that began after the observation)', async () => {
    freshAccount();
    const draining = awsError(
      'InvalidParameterException',
      'Unable to Start a service that is still Draining.',
    );
    mocks.ecs.on(CreateServiceCommand).rejects(draining);
    const error = await upToService();
    expect(error).toMatchObject({
      name: 'ResourceNotReadyError',
      retryable: true,
      message: 'ecs.CreateService berth-demo: a service of this name is still draining',
    });
    expect((error as Error).cause).toBe(draining);
  });
});

describe('capacity-provider readiness during up (docs/aws-behaviours.md)', () => {
  const state = {
    ...upState,
    resources: { network: { albSecurityGroupId: 'sg-alb', instanceSecurityGroupId: 'sg-inst' } },
  };

  it('retries CreateCapacityProvider while the ECS service-linked role of a new account propagates', async () => {
    freshAccount();
    const missing = awsError(
      'ClientException',
      'ECS Service Linked Role does not exist. Please create a Service linked role for ECS and try again.',
    );
    mocks.ecs.on(CreateCapacityProviderCommand).rejects(missing);
    const error = await createCluster(testDeps())(state).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ResourceNotReadyError',
      retryable: true,
      message:
        'ecs.CreateCapacityProvider berth-demo-cp: the ECS service-linked role of this account is not usable yet',
    });
    expect((error as Error).cause).toBe(missing);
  });

  it('retries PutClusterCapacityProviders while the new provider is not ACTIVE yet', async () => {
    freshAccount();
    mocks.ecs
      .on(CreateCapacityProviderCommand)
      .resolves({ capacityProvider: { name: 'berth-demo-cp', status: 'PROVISIONING' } });
    mocks.ecs
      .on(PutClusterCapacityProvidersCommand)
      .rejects(
        awsError(
          'InvalidParameterException',
          "The specified capacity provider 'berth-demo-cp' is not in an ACTIVE state. Specify a valid capacity provider and try again.",
        ),
      );
    await expect(createCluster(testDeps())(state)).rejects.toMatchObject({
      name: 'ResourceNotReadyError',
      retryable: true,
      message:
        'ecs.PutClusterCapacityProviders berth-demo: capacity provider berth-demo-cp is not ACTIVE yet',
    });
  });

  it('never reuses a provider that scales a replaced Auto Scaling group: deletes it and retries', async () => {
    freshAccount();
    const dead =
      'arn:aws:autoscaling:us-east-1:1:autoScalingGroup:old-uuid:autoScalingGroupName/berth-demo-asg';
    mocks.ecs.on(DescribeCapacityProvidersCommand).resolves({
      capacityProviders: [
        {
          name: 'berth-demo-cp',
          capacityProviderArn: 'arn:cp',
          status: 'ACTIVE',
          updateStatus: 'DELETE_FAILED',
          autoScalingGroupProvider: { autoScalingGroupArn: dead },
          tags: OWNED_ECS,
        },
      ],
    });
    mocks.ecs.on(DeleteCapacityProviderCommand).resolves({
      capacityProvider: { name: 'berth-demo-cp', status: 'ACTIVE', updateStatus: 'DELETE_IN_PROGRESS' },
    });
    await expect(createCluster(testDeps())(state)).rejects.toMatchObject({
      name: 'ResourceNotReadyError',
      message: `capacity provider berth-demo-cp: scales Auto Scaling group ${dead}, which no longer exists; deleting it before creating it again`,
    });
    expect(mocks.ecs).toHaveReceivedCommandWith(DeleteCapacityProviderCommand, {
      capacityProvider: 'berth-demo-cp',
    });
    expect(mocks.ecs).not.toHaveReceivedCommand(CreateCapacityProviderCommand);
    expect(mocks.ecs).not.toHaveReceivedCommand(PutClusterCapacityProvidersCommand);
  });
});
