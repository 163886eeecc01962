/**
 * Finds what an environment left behind in the local cloud: live resources tagged
 * `berth:env=<env>` (or carrying Berth's names for it), through real describe calls and the
 * cloud's `/_berth/state` dump. Used by `npm run demo` and the end-to-end tests.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/** The describe clients {@link findLeftovers} uses. */
interface LeftoverClients {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

const isEnvTagged = (
  tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined,
  env: string,
): boolean => (tags ?? []).some((t) => t.Key === 'berth:env' && t.Value === env);

/** Lists, through real describe calls, every live resource tagged (or named) for the environment. */
async function findLeftovers(clients: LeftoverClients, env: string): Promise<string[]> {
  const left: string[] = [];
  const prefix = `berth-${env}`;
  const clusters = (await clients.ecs.send(new ListClustersCommand({}))).clusterArns ?? [];
  if (clusters.length > 0) {
    const described = await clients.ecs.send(new DescribeClustersCommand({ clusters, include: ['TAGS'] }));
    for (const cluster of described.clusters ?? []) {
      if (cluster.status !== 'ACTIVE') continue;
      if (
        cluster.clusterName === prefix ||
        isEnvTagged(
          cluster.tags?.map((t) => ({ Key: t.key, Value: t.value })),
          env,
        )
      ) {
        left.push(`ecs cluster ${cluster.clusterName}`);
        const services = await clients.ecs.send(
          new DescribeServicesCommand({ cluster: cluster.clusterArn, services: [prefix] }),
        );
        for (const service of services.services ?? []) {
          if (service.status !== 'INACTIVE') left.push(`ecs service ${service.serviceName}`);
        }
      }
    }
  }
  const taskDefinitions = await clients.ecs.send(
    new ListTaskDefinitionsCommand({ familyPrefix: prefix, status: 'ACTIVE' }),
  );
  for (const arn of taskDefinitions.taskDefinitionArns ?? []) {
    if (arn.includes(`:task-definition/${prefix}:`)) left.push(`task definition ${arn}`);
  }
  const providers = await clients.ecs.send(new DescribeCapacityProvidersCommand({ include: ['TAGS'] }));
  for (const provider of providers.capacityProviders ?? []) {
    if (provider.status === 'INACTIVE') continue;
    if (
      isEnvTagged(
        provider.tags?.map((t) => ({ Key: t.key, Value: t.value })),
        env,
      ) ||
      provider.name === `${prefix}-cp`
    ) {
      left.push(`capacity provider ${provider.name}`);
    }
  }
  const groups = await clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({}));
  for (const group of groups.AutoScalingGroups ?? []) {
    if (isEnvTagged(group.Tags, env) || group.AutoScalingGroupName === `${prefix}-asg`) {
      left.push(`auto scaling group ${group.AutoScalingGroupName}`);
    }
  }
  const securityGroups = await clients.ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:berth:env', Values: [env] }] }),
  );
  for (const sg of securityGroups.SecurityGroups ?? [])
    left.push(`security group ${sg.GroupName} ${sg.GroupId}`);
  const templates = await clients.ec2.send(
    new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'tag:berth:env', Values: [env] }] }),
  );
  for (const lt of templates.LaunchTemplates ?? []) left.push(`launch template ${lt.LaunchTemplateName}`);
  const instances = await clients.ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'tag:berth:env', Values: [env] }] }),
  );
  for (const reservation of instances.Reservations ?? []) {
    for (const instance of reservation.Instances ?? []) {
      if (instance.State?.Name !== 'terminated')
        left.push(`instance ${instance.InstanceId} (${instance.State?.Name})`);
    }
  }
  const loadBalancers = (await clients.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const targetGroups = (await clients.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const arns = [
    ...loadBalancers.map((lb) => lb.LoadBalancerArn!),
    ...targetGroups.map((tg) => tg.TargetGroupArn!),
  ];
  const ruleArns: string[] = [];
  for (const lb of loadBalancers) {
    const listeners = await clients.elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
    );
    for (const listener of listeners.Listeners ?? []) {
      const rules = await clients.elbv2.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn }));
      for (const rule of rules.Rules ?? []) if (!rule.IsDefault) ruleArns.push(rule.RuleArn!);
    }
  }
  const all = [...arns, ...ruleArns];
  for (let i = 0; i < all.length; i += 20) {
    const tags = await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: all.slice(i, i + 20) }));
    for (const description of tags.TagDescriptions ?? []) {
      if (isEnvTagged(description.Tags, env)) left.push(`elbv2 ${description.ResourceArn}`);
    }
  }
  for (const lb of loadBalancers)
    if (lb.LoadBalancerName === `${prefix}-alb`) left.push(`load balancer ${lb.LoadBalancerName}`);
  for (const tg of targetGroups)
    if (tg.TargetGroupName === `${prefix}-tg`) left.push(`target group ${tg.TargetGroupName}`);
  return [...new Set(left)];
}

const GONE = /^(terminated|inactive|deleted|deregistered|deleting|shutting-down|stopped|draining)$/i;

/** Walks the cloud's `/_berth/state` dump for live objects carrying the `berth:env=<env>` tag. */
export function findTaggedInState(state: unknown, env: string): string[] {
  const found: string[] = [];
  const tagged = (tags: unknown): boolean => {
    if (Array.isArray(tags)) {
      return tags.some((t) => {
        const tag = t as Record<string, unknown>;
        return (tag['Key'] ?? tag['key']) === 'berth:env' && (tag['Value'] ?? tag['value']) === env;
      });
    }
    if (tags && typeof tags === 'object') return (tags as Record<string, unknown>)['berth:env'] === env;
    return false;
  };
  const statusOf = (node: Record<string, unknown>): string | undefined => {
    for (const key of ['status', 'state', 'Status', 'State', 'lifecycleState', 'LifecycleState']) {
      const value = node[key];
      if (typeof value === 'string') return value;
      if (value && typeof value === 'object') {
        const name =
          (value as Record<string, unknown>)['name'] ??
          (value as Record<string, unknown>)['Name'] ??
          (value as Record<string, unknown>)['code'];
        if (typeof name === 'string') return name;
      }
    }
    return undefined;
  };
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, `${where}[${i}]`);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    const tags = record['tags'] ?? record['Tags'];
    if (tagged(tags)) {
      const status = statusOf(record);
      if (!status || !GONE.test(status)) found.push(`${where}${status ? ` (${status})` : ''}`);
    }
    for (const [key, value] of Object.entries(record)) {
      if (key === 'tags' || key === 'Tags') continue;
      visit(value, `${where}.${key}`);
    }
  };
  visit(state, 'state');
  return found;
}

/**
 * Everything the environment left in the local cloud at `cloudUrl`: describe calls plus the
 * `/_berth/state` dump. An empty list means nothing is left.
 *
 * @example const left = await leftoversOf('http://127.0.0.1:4566', 'demo'); // []
 */
export async function leftoversOf(cloudUrl: string, env: string): Promise<string[]> {
  const config = {
    endpoint: cloudUrl,
    region: 'us-east-1',
    credentials: {
      accessKeyId: process.env['AWS_ACCESS_KEY_ID'] || 'test',
      secretAccessKey: process.env['AWS_SECRET_ACCESS_KEY'] || 'test',
    },
    maxAttempts: 3,
  };
  const clients: LeftoverClients = {
    ecs: new ECSClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    ec2: new EC2Client(config),
    autoScaling: new AutoScalingClient(config),
  };
  try {
    const found = await findLeftovers(clients, env);
    const state = (await (await fetch(`${cloudUrl}/_berth/state`)).json()) as unknown;
    return [...new Set([...found, ...findTaggedInState(state, env)])];
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}
