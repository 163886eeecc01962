/**
 * Creates one ECS environment by hand, the way a person follows the manual runbook: each step
 * waits until the previous one is complete (security groups → cluster + launch template + ASG,
 * wait InService → capacity provider → target group → ALB, wait active → listener → task
 * definition → service → wait until the targets are healthy). Fargate skips the instances (an
 * `awsvpc` task with its own security group, an `ip` target group); shared mode skips the ALB and
 * adds a path rule to the shared listener instead. Plain SDK calls against the local cloud; used by
 * the time-to-ready (naive serial baseline) and local-cloud (ALB proxy) benchmarks.
 */
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeCapacityProvidersCommand,
  ECSClient,
  ListContainerInstancesCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/** SDK clients pointed at the local cloud. */
export interface CloudClients {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  destroy(): void;
}

/** Builds SDK clients for a local cloud URL (dummy credentials). */
export function cloudClients(endpoint: string, maxAttempts = 3): CloudClients {
  const config = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  };
  const clients = {
    ecs: new ECSClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    ec2: new EC2Client(config),
    autoScaling: new AutoScalingClient(config),
  };
  return {
    ...clients,
    destroy() {
      for (const c of Object.values(clients)) c.destroy();
    },
  };
}

/** Waits `ms` milliseconds. */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `intervalMs` (first check at once) until it returns a truthy value. */
async function waitFor<T>(
  what: string,
  intervalMs: number,
  timeoutMs: number,
  check: () => Promise<T | undefined | false>,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not complete after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/** Options of {@link createManually}. */
export interface ManualEnvOptions {
  name: string;
  image?: string;
  /** Poll interval of every "wait" step (a person's CLI waiter: 15 s, scaled). */
  pollMs: number;
  /** Target-group health check (AWS seconds; the local cloud scales them). */
  healthCheck: { intervalSeconds: number; healthyThreshold: number; timeoutSeconds: number };
  desiredCount?: number;
  timeoutMs?: number;
  /** Called with each step name when it completes (for step timings). */
  onStep?: (step: string) => void;
  /** `ec2` (default): a dedicated ALB and an Auto Scaling group; `fargate`: a dedicated ALB and Fargate. */
  launch?: 'ec2' | 'fargate';
  /** Shared mode: a path rule on this existing listener (its ALB active, its group `albSecurityGroupId`). */
  shared?: { listenerArn: string; albSecurityGroupId: string; dnsName: string; priority: number };
}

/** What {@link createManually} created. */
export interface ManualEnv {
  dnsName: string;
  loadBalancerArn: string;
  targetGroupArn: string;
  cluster: string;
  service: string;
}

const ASG_INSTANCE_PROFILE = 'arn:aws:iam::000000000000:instance-profile/bench-ecs-instance';

/** Creates an environment step by step, each step complete before the next starts. */
export async function createManually(clients: CloudClients, options: ManualEnvOptions): Promise<ManualEnv> {
  const { name, pollMs } = options;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const step = (s: string): void => options.onStep?.(s);
  const subnets = (await clients.ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
  const vpcId = subnets[0]?.VpcId ?? '';
  const isPublic = (s: (typeof subnets)[number]): boolean =>
    (s.Tags?.find((t) => t.Key === 'berth:subnet-type')?.Value ??
      (s.MapPublicIpOnLaunch ? 'public' : 'private')) === 'public';
  const publicIds = subnets.filter(isPublic).map((s) => s.SubnetId ?? '');
  const privateIds = subnets.filter((s) => !isPublic(s)).map((s) => s.SubnetId ?? '');
  const instanceSubnets = privateIds.length > 0 ? privateIds : publicIds;

  // 1. security groups
  // EC2 eventual consistency: confirm each new group with Describe before using its id.
  const visible = (groupId: string | undefined) =>
    waitFor('security group visible', pollMs, timeoutMs, () =>
      clients.ec2
        .send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId ?? ''] }))
        .then(() => true)
        .catch(() => false),
    );
  let albGroupId = options.shared?.albSecurityGroupId ?? '';
  if (!options.shared) {
    const albSg = await clients.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `${name}-alb`, Description: 'ALB', VpcId: vpcId }),
    );
    await visible(albSg.GroupId);
    await clients.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: albSg.GroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    albGroupId = albSg.GroupId ?? '';
  }
  const fargate = options.launch === 'fargate';
  const hostSg = await clients.ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${name}-${fargate ? 'tasks' : 'instances'}`,
      Description: fargate ? 'tasks' : 'hosts',
      VpcId: vpcId,
    }),
  );
  await visible(hostSg.GroupId);
  await clients.ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: hostSg.GroupId,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: fargate ? 80 : 32768,
          ToPort: fargate ? 80 : 65535,
          UserIdGroupPairs: [{ GroupId: albGroupId }],
        },
      ],
    }),
  );
  step('security groups');

  // 2. cluster (+ launch template + ASG, wait InService and registered, capacity provider)
  await clients.ecs.send(new CreateClusterCommand({ clusterName: name }));
  const capacityProvider = `${name}-cp`;
  if (!fargate) {
    // the instances: launch template + ASG, wait InService and registered
    const userData = Buffer.from(`#!/bin/bash\necho ECS_CLUSTER=${name} >> /etc/ecs/ecs.config\n`).toString(
      'base64',
    );
    await clients.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `${name}-lt`,
        LaunchTemplateData: {
          ImageId: 'ami-0123456789abcdef0',
          InstanceType: 't3.small',
          SecurityGroupIds: [hostSg.GroupId ?? ''],
          IamInstanceProfile: { Arn: ASG_INSTANCE_PROFILE },
          UserData: userData,
        },
      }),
    );
    const asgName = `${name}-asg`;
    await clients.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: asgName,
        LaunchTemplate: { LaunchTemplateName: `${name}-lt`, Version: '$Latest' },
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 1,
        VPCZoneIdentifier: instanceSubnets.join(','),
        NewInstancesProtectedFromScaleIn: true,
      }),
    );
    const group = await waitFor('ASG InService', pollMs, timeoutMs, async () => {
      const out = await clients.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asgName] }),
      );
      const g = out.AutoScalingGroups?.[0];
      return g?.Instances?.some((i) => i.LifecycleState === 'InService') ? g : undefined;
    });
    await waitFor('container instance registered', pollMs, timeoutMs, async () => {
      const out = await clients.ecs.send(new ListContainerInstancesCommand({ cluster: name }));
      return (out.containerInstanceArns ?? []).length > 0;
    });
    step('cluster + ASG InService');
    await clients.ecs.send(
      new CreateCapacityProviderCommand({
        name: capacityProvider,
        autoScalingGroupProvider: {
          autoScalingGroupArn: group.AutoScalingGroupARN ?? '',
          managedScaling: { status: 'ENABLED', targetCapacity: 100 },
          managedTerminationProtection: 'ENABLED',
        },
      }),
    );
    // A new capacity provider is not usable at once (PutClusterCapacityProviders answers
    // InvalidParameterException until it is ACTIVE): wait for it, as a person would.
    await waitFor('capacity provider ACTIVE', pollMs, timeoutMs, async () => {
      const out = await clients.ecs.send(
        new DescribeCapacityProvidersCommand({ capacityProviders: [capacityProvider] }),
      );
      return out.capacityProviders?.[0]?.status === 'ACTIVE';
    });
    await clients.ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: name,
        capacityProviders: [capacityProvider],
        defaultCapacityProviderStrategy: [{ capacityProvider, weight: 1, base: 0 }],
      }),
    );
    step('capacity provider');
  } else {
    step('cluster');
  }

  // 3. target group
  const tg = await clients.elbv2.send(
    new CreateTargetGroupCommand({
      Name: `${name}-tg`.slice(0, 32),
      Protocol: 'HTTP',
      Port: 80,
      VpcId: vpcId,
      TargetType: fargate ? 'ip' : 'instance',
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: options.healthCheck.intervalSeconds,
      HealthCheckTimeoutSeconds: options.healthCheck.timeoutSeconds,
      HealthyThresholdCount: options.healthCheck.healthyThreshold,
      UnhealthyThresholdCount: 2,
    }),
  );
  const targetGroupArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
  step('target group');

  // 4. ALB, wait active, listener (shared: a path rule on the shared listener)
  let dnsName = options.shared?.dnsName ?? '';
  let loadBalancerArn = '';
  if (options.shared) {
    await clients.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: options.shared.listenerArn,
        Priority: options.shared.priority,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/${name}`, `/${name}/*`] } }],
        Actions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    );
    step('listener rule');
  } else {
    const lb = await clients.elbv2.send(
      new CreateLoadBalancerCommand({
        Name: `${name}-alb`.slice(0, 32),
        Subnets: publicIds,
        SecurityGroups: [albGroupId],
        Scheme: 'internet-facing',
        Type: 'application',
      }),
    );
    loadBalancerArn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
    dnsName = lb.LoadBalancers?.[0]?.DNSName ?? '';
    await waitFor('ALB active', pollMs, timeoutMs, async () => {
      const out = await clients.elbv2.send(
        new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] }),
      );
      return out.LoadBalancers?.[0]?.State?.Code === 'active';
    });
    await clients.elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    );
    step('ALB active + listener');
  }

  // 5. task definition
  const td = await clients.ecs.send(
    new RegisterTaskDefinitionCommand({
      family: name,
      networkMode: fargate ? 'awsvpc' : 'bridge',
      requiresCompatibilities: [fargate ? 'FARGATE' : 'EC2'],
      ...(fargate ? { cpu: '256', memory: '512' } : {}),
      containerDefinitions: [
        {
          name: 'web',
          image: options.image ?? 'berth/hello:1',
          essential: true,
          memory: 512,
          memoryReservation: 256,
          cpu: 256,
          portMappings: [{ containerPort: 80, hostPort: fargate ? 80 : 0, protocol: 'tcp' }],
        },
      ],
    }),
  );
  step('task definition');

  // 6. service, wait until every task is a healthy target
  const desired = options.desiredCount ?? 1;
  await clients.ecs.send(
    new CreateServiceCommand({
      cluster: name,
      serviceName: name,
      taskDefinition: td.taskDefinition?.taskDefinitionArn,
      desiredCount: desired,
      ...(fargate
        ? {
            launchType: 'FARGATE' as const,
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: instanceSubnets,
                securityGroups: [hostSg.GroupId ?? ''],
                assignPublicIp: 'DISABLED' as const,
              },
            },
          }
        : { capacityProviderStrategy: [{ capacityProvider, weight: 1, base: 0 }] }),
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      loadBalancers: [{ targetGroupArn, containerName: 'web', containerPort: 80 }],
      healthCheckGracePeriodSeconds: 60,
    }),
  );
  step('service');
  await waitFor('targets healthy', pollMs, timeoutMs, async () => {
    const out = await clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
    const rows = out.TargetHealthDescriptions ?? [];
    return rows.filter((r) => r.TargetHealth?.State === 'healthy').length >= desired;
  });
  step('targets healthy');
  return {
    dnsName,
    loadBalancerArn,
    targetGroupArn,
    cluster: name,
    service: name,
  };
}
