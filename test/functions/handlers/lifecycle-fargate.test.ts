import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeLaunchTemplatesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeCapacityProvidersCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeHandler as createCluster } from '../../../functions/handlers/create-cluster.ts';
import { makeHandler as createLoadBalancer } from '../../../functions/handlers/create-load-balancer.ts';
import { makeHandler as createNetwork } from '../../../functions/handlers/create-network.ts';
import { makeHandler as createService } from '../../../functions/handlers/create-service.ts';
import { makeHandler as createTaskDefinition } from '../../../functions/handlers/create-task-definition.ts';
import { makeHandler as teardownCapacity } from '../../../functions/handlers/teardown-capacity.ts';
import {
  awsError,
  awslogsOf,
  config,
  createHandlers,
  freshAccount,
  mocks,
  OWNED_ECS,
  ownedCluster,
  resetMocks,
  sent,
  testDeps,
  upState,
} from './aws-fixtures.ts';

const TAGS = [
  { Key: 'berth:env', Value: 'demo' },
  { Key: 'berth:managed-by', Value: 'berth' },
  { Key: 'berth:owner', Value: 'ana' },
];
const ECS_TAGS = TAGS.map((t) => ({ key: t.Key, value: t.Value }));
const TD_ARN = 'arn:aws:ecs:us-east-1:1:task-definition/berth-demo:1';
const SHARED_LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:1:listener/app/berth-shared/abc/def';
const SHARED_LB = 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/berth-shared/abc';
const SHARED_SG = 'sg-shared-alb';

/** A Fargate spec with non-default sizes and a container port outside the dynamic host-port range. */
const fargateSpec = {
  ...upState.spec,
  launchType: 'FARGATE',
  cpu: 512,
  memory: 1024,
  memoryReservation: 256,
  containerPort: 8080,
};
const fargateState = { ...upState, spec: fargateSpec };
const NETWORK = { albSecurityGroupId: 'sg-alb', instanceSecurityGroupId: 'sg-inst' };

const sharedDeps = () =>
  testDeps({
    config: { ...config, sharedListenerArn: SHARED_LISTENER, sharedAlbSecurityGroupId: SHARED_SG },
  });

/**
 * Nothing exists yet ({@link freshAccount}: every create answers, the EC2-capacity commands too, to prove they go
 * unsent), and the shared listener of shared mode is there.
 */
function freshFargateAccount() {
  freshAccount();
  mocks.elbv2.on(DescribeLoadBalancersCommand).callsFake((input: { LoadBalancerArns?: string[] }) => {
    if (input.LoadBalancerArns?.[0] === SHARED_LB) {
      return {
        LoadBalancers: [
          {
            LoadBalancerArn: SHARED_LB,
            LoadBalancerName: 'berth-shared',
            DNSName: 'berth-shared-1.us-east-1.elb.amazonaws.com',
            State: { Code: 'active' },
          },
        ],
      };
    }
    throw awsError('LoadBalancerNotFound');
  });
  mocks.elbv2
    .on(DescribeListenersCommand)
    .callsFake((input: { ListenerArns?: string[] }) =>
      input.ListenerArns?.[0] === SHARED_LISTENER
        ? { Listeners: [{ ListenerArn: SHARED_LISTENER, LoadBalancerArn: SHARED_LB, Port: 80 }] }
        : { Listeners: [] },
    );
  mocks.elbv2.on(DescribeRulesCommand).resolves({
    Rules: [{ RuleArn: `${SHARED_LISTENER}/default`, IsDefault: true, Priority: 'default' }],
  });
  mocks.elbv2.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: 'arn:rule' }] });
}

const runUp = (state: typeof fargateState) => createHandlers(testDeps()).up(state);

const allSent = () => [mocks.ec2, mocks.elbv2, mocks.ecs, mocks.autoScaling, mocks.ssm].flatMap(sent);

beforeEach(() => resetMocks());

describe('Fargate up on a fresh account', () => {
  it('returns the documented results without Auto Scaling group or capacity provider names', async () => {
    freshFargateAccount();
    const result = await runUp(fargateState);
    expect(result).toEqual({
      network: NETWORK,
      loadBalancer: {
        targetGroupArn: 'arn:tg',
        loadBalancerArn: 'arn:lb',
        listenerArn: 'arn:listener',
        dnsName: 'berth-demo-alb-1.us-east-1.elb.amazonaws.com',
        url: 'http://berth-demo-alb-1.us-east-1.elb.amazonaws.com/',
      },
      cluster: { clusterArn: 'arn:cluster' },
      taskDefinition: { taskDefinitionArn: TD_ARN },
      service: { serviceArn: 'arn:svc' },
    });
  });

  it('lets the ALB group reach the container port on the tasks group', async () => {
    freshFargateAccount();
    const network = await createNetwork(testDeps())(fargateState);
    // The rules follow the load balancer's request (EC2's consistency window for new groups).
    expect(mocks.ec2).not.toHaveReceivedCommand(AuthorizeSecurityGroupIngressCommand);
    await createLoadBalancer(testDeps())({ ...fargateState, resources: { network } });
    expect(mocks.ec2).toHaveReceivedNthCommandWith(AuthorizeSecurityGroupIngressCommand, 2, {
      GroupId: 'sg-inst',
      IpPermissions: expect.arrayContaining([
        {
          IpProtocol: 'tcp',
          FromPort: 8080,
          ToPort: 8080,
          UserIdGroupPairs: [{ GroupId: 'sg-alb', Description: 'container port (awsvpc)' }],
        },
      ]),
    });
  });

  it('registers an ip target group on the container port', async () => {
    freshFargateAccount();
    await createLoadBalancer(testDeps())({ ...fargateState, resources: { network: NETWORK } });
    expect(mocks.elbv2).toHaveReceivedCommandWith(CreateTargetGroupCommand, {
      Name: 'berth-demo-tg',
      Port: 8080,
      TargetType: 'ip',
    });
  });

  it('creates the cluster with the FARGATE provider and no Auto Scaling, launch template or capacity provider', async () => {
    freshFargateAccount();
    const cluster = await createCluster(testDeps())({ ...fargateState, resources: { network: NETWORK } });
    expect(cluster).toEqual({ clusterArn: 'arn:cluster' });
    expect(mocks.ecs).toHaveReceivedCommandWith(CreateClusterCommand, {
      clusterName: 'berth-demo',
      capacityProviders: ['FARGATE'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      tags: ECS_TAGS,
    });
    expect(sent(mocks.autoScaling)).toEqual([]);
    expect(sent(mocks.ec2)).toEqual([]);
    expect(sent(mocks.ssm)).toEqual([]);
    expect(sent(mocks.ecs)).toEqual(['DescribeClusters', 'CreateCluster']);
  });

  it('registers an awsvpc FARGATE task definition with task-level sizes and host port = container port', async () => {
    freshFargateAccount();
    await createTaskDefinition(testDeps())(fargateState);
    const input = mocks.ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      family: 'berth-demo',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      tags: ECS_TAGS,
    });
    const [container, ...others] = input?.containerDefinitions ?? [];
    expect(others).toEqual([]);
    expect(container).toMatchObject({ name: 'app', image: 'nginx:1.27', essential: true });
    expect(container?.cpu).toBeUndefined();
    expect(container?.memory).toBeUndefined();
    for (const mapping of container?.portMappings ?? []) {
      expect([undefined, mapping.containerPort]).toContain(mapping.hostPort);
    }
    expect(container?.portMappings?.map((m) => m.containerPort)).toEqual([8080]);
  });

  it('creates the service on FARGATE in the private subnets with the tasks group and no capacity provider strategy', async () => {
    freshFargateAccount();
    await runUp(fargateState);
    const input = mocks.ecs.commandCalls(CreateServiceCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      cluster: 'berth-demo',
      serviceName: 'berth-demo',
      taskDefinition: TD_ARN,
      launchType: 'FARGATE',
      loadBalancers: [{ targetGroupArn: 'arn:tg', containerName: 'app', containerPort: 8080 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-priv-a', 'subnet-priv-b'],
          securityGroups: ['sg-inst'],
          assignPublicIp: 'DISABLED',
        },
      },
    });
    expect(input?.capacityProviderStrategy).toBeUndefined();
  });

  it('sends no Auto Scaling, launch template, SSM or capacity provider command during the whole up', async () => {
    freshFargateAccount();
    await runUp(fargateState);
    expect(sent(mocks.autoScaling)).toEqual([]);
    expect(sent(mocks.ssm)).toEqual([]);
    expect(allSent().filter((name) => /LaunchTemplate|CapacityProvider|AutoScaling/.test(name))).toEqual([]);
  });

  it('refuses to create the service without the tasks security group', async () => {
    freshFargateAccount();
    const state = {
      ...fargateState,
      resources: {
        loadBalancer: { targetGroupArn: 'arn:tg', dnsName: 'x', url: 'http://x/' },
        taskDefinition: { taskDefinitionArn: TD_ARN },
      },
    };
    await expect(createService(testDeps())(state)).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'resources.network.instanceSecurityGroupId: is required for awsvpc (create-network first)',
    });
    expect(mocks.ecs).not.toHaveReceivedCommand(CreateServiceCommand);
  });
});

describe('Fargate up on a converged environment', () => {
  it('keeps the matching Fargate revision instead of registering a new one', async () => {
    freshFargateAccount();
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [TD_ARN] });
    mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: TD_ARN,
        family: 'berth-demo',
        revision: 1,
        status: 'ACTIVE',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '512',
        memory: '1024',
        containerDefinitions: [
          {
            name: 'app',
            image: 'nginx:1.27',
            memoryReservation: 256,
            portMappings: [{ containerPort: 8080, hostPort: 8080 }],
            logConfiguration: awslogsOf('demo'),
          },
        ],
      },
      tags: OWNED_ECS,
    });
    const result = await createTaskDefinition(testDeps())(fargateState);
    expect(result).toEqual({ taskDefinitionArn: TD_ARN });
    expect(mocks.ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
  });
  it('registers a FARGATE revision when the matching newest revision is EC2-only', async () => {
    freshFargateAccount();
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [TD_ARN] });
    mocks.ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        taskDefinitionArn: TD_ARN,
        family: 'berth-demo',
        revision: 1,
        status: 'ACTIVE',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['EC2'],
        compatibilities: ['EC2'],
        containerDefinitions: [
          {
            name: 'app',
            image: 'nginx:1.27',
            cpu: 512,
            memory: 1024,
            memoryReservation: 256,
            portMappings: [{ containerPort: 8080, hostPort: 8080 }],
          },
        ],
      },
      tags: OWNED_ECS,
    });
    await createTaskDefinition(testDeps())(fargateState);
    expect(mocks.ecs).toHaveReceivedCommandWith(RegisterTaskDefinitionCommand, {
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
    });
  });
});

describe('shared mode create-load-balancer', () => {
  const sharedState = {
    ...upState,
    spec: { ...upState.spec, loadBalancer: { mode: 'shared' } },
    resources: { network: { albSecurityGroupId: SHARED_SG, instanceSecurityGroupId: 'sg-inst' } },
  };

  it('adds a tagged host-header rule on the shared listener and creates no ALB or listener', async () => {
    freshFargateAccount();
    const result = await createLoadBalancer(sharedDeps())(sharedState);
    expect(result).toEqual({
      targetGroupArn: 'arn:tg',
      ruleArn: 'arn:rule',
      dnsName: 'berth-shared-1.us-east-1.elb.amazonaws.com',
      url: 'http://demo.berth.internal/',
    });
    expect(mocks.elbv2).toHaveReceivedCommandTimes(CreateRuleCommand, 1);
    expect(mocks.elbv2).toHaveReceivedCommandWith(CreateRuleCommand, {
      ListenerArn: SHARED_LISTENER,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['demo.berth.internal'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: 'arn:tg' }],
      Tags: TAGS,
    });
    expect(mocks.elbv2).not.toHaveReceivedCommand(CreateLoadBalancerCommand);
    expect(mocks.elbv2).not.toHaveReceivedCommand(CreateListenerCommand);
  });

  it('uses an ip target group for a Fargate environment on the shared listener', async () => {
    freshFargateAccount();
    const state = { ...sharedState, spec: { ...fargateSpec, loadBalancer: { mode: 'shared' } } };
    await createLoadBalancer(sharedDeps())(state);
    expect(mocks.elbv2).toHaveReceivedCommandWith(CreateTargetGroupCommand, {
      Name: 'berth-demo-tg',
      TargetType: 'ip',
      Port: 8080,
    });
    expect(mocks.elbv2).toHaveReceivedCommandWith(CreateRuleCommand, { ListenerArn: SHARED_LISTENER });
    expect(mocks.elbv2).not.toHaveReceivedCommand(CreateLoadBalancerCommand);
    expect(mocks.elbv2).not.toHaveReceivedCommand(CreateListenerCommand);
  });

  it('lets the shared ALB group reach the Fargate container port and creates no ALB group', async () => {
    freshFargateAccount();
    const state = { ...upState, spec: { ...fargateSpec, loadBalancer: { mode: 'shared' } } };
    const network = await createNetwork(sharedDeps())(state);
    expect(network).toEqual({ albSecurityGroupId: SHARED_SG, instanceSecurityGroupId: 'sg-inst' });
    expect(mocks.ec2).toHaveReceivedCommandTimes(CreateSecurityGroupCommand, 1);
    expect(mocks.ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, {
      GroupName: 'berth-demo-instances',
    });
    await createLoadBalancer(sharedDeps())({ ...state, resources: { network } });
    expect(mocks.ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
      GroupId: 'sg-inst',
      IpPermissions: expect.arrayContaining([
        {
          IpProtocol: 'tcp',
          FromPort: 8080,
          ToPort: 8080,
          UserIdGroupPairs: [{ GroupId: SHARED_SG, Description: 'container port (awsvpc)' }],
        },
      ]),
    });
  });

  it('fails with ConfigError naming BERTH_SHARED_LISTENER_ARN when it is not configured', async () => {
    freshFargateAccount();
    const error = await createLoadBalancer(testDeps())(sharedState).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ConfigError',
      message: 'missing required environment variable BERTH_SHARED_LISTENER_ARN',
    });
    expect(mocks.elbv2).not.toHaveReceivedCommand(CreateRuleCommand);
  });
});

describe('Fargate teardown of capacity', () => {
  it('finishes at once without deleting any Auto Scaling group, launch template or capacity provider', async () => {
    ownedCluster({
      capacityProviders: ['FARGATE'],
    });
    mocks.ecs.on(DescribeCapacityProvidersCommand).resolves({ capacityProviders: [] });
    mocks.ecs.on(PutClusterCapacityProvidersCommand).resolves({});
    mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
    mocks.ec2
      .on(DescribeLaunchTemplatesCommand)
      .rejects(awsError('InvalidLaunchTemplateName.NotFoundException'));
    const result = await teardownCapacity(testDeps())({ operation: 'down', env: 'demo', requestId: 'req-2' });
    expect(result.done).toBe(true);
    expect(result.remaining).toEqual([]);
    expect(allSent().filter((name) => /^(Delete|Update|SetInstance)/.test(name))).toEqual([]);
  });
});
