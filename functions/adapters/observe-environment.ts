import { logGroupName } from '../core/logs.ts';
import { resourceNames } from '../core/names.ts';
import type { ObservedEnvironment, ObservedProbe } from '../core/observed.ts';
import type { AwsAutoScalingAdapter } from './autoscaling.ts';
import type { AwsEc2Adapter } from './ec2.ts';
import type { AwsEcsAdapter } from './ecs.ts';
import type { AwsElbv2Adapter } from './elbv2.ts';
import type { AwsLogsAdapter } from './logs.ts';
import type { AwsSchedulerAdapter } from './scheduler.ts';

/** Parts of an environment that can be observed separately (to keep API calls per step low). */
export type ObservedPart =
  | 'network'
  | 'load-balancer'
  | 'cluster'
  | 'capacity'
  | 'service'
  | 'tasks'
  | 'targets'
  | 'task-definitions'
  /** The newest ACTIVE revision described (image, sizes, port, network mode, launch types): what `up` compares. */
  | 'latest-revision'
  /** The log group `/berth/<env>`: only when asked for (not in {@link ALL_PARTS}). */
  | 'logs'
  /**
   * The network interfaces that list each security group (with `network`): what keeps a group from
   * being deleted. Only when asked for (the teardown's network stage; not in {@link ALL_PARTS}).
   */
  | 'network-interfaces'
  /** The sleep/wake schedules in Berth's schedule group: only when asked for (not in {@link ALL_PARTS}). */
  | 'schedules';

export const ALL_PARTS: readonly ObservedPart[] = [
  'network',
  'load-balancer',
  'cluster',
  'capacity',
  'service',
  'tasks',
  'targets',
  'task-definitions',
  'latest-revision',
];

export interface ObserveAdapters {
  readonly ecs?: AwsEcsAdapter;
  readonly elbv2?: AwsElbv2Adapter;
  readonly autoScaling?: AwsAutoScalingAdapter;
  readonly ec2?: AwsEc2Adapter;
  readonly logs?: Pick<AwsLogsAdapter, 'observeLogGroup'>;
  readonly scheduler?: Pick<AwsSchedulerAdapter, 'observeSchedules'>;
}

export interface ObserveOptions {
  readonly env: string;
  readonly vpcId?: string;
  /** Shared mode: the listener holding the env's (tagged) rule. */
  readonly sharedListenerArn?: string;
  readonly parts?: readonly ObservedPart[];
  /** Added as `probe` (the verify handler probes after observing). */
  readonly probe?: ObservedProbe;
}

/**
 * Fills an {@link ObservedEnvironment} by deterministic names (and tags, for the shared listener
 * rule). Only the requested parts are described; a missing resource leaves its key out.
 *
 * @example
 * const observed = await observeEnvironment({ ecs, elbv2, autoScaling, ec2 }, { env: 'demo', vpcId });
 */
export async function observeEnvironment(
  adapters: ObserveAdapters,
  options: ObserveOptions,
): Promise<ObservedEnvironment> {
  const parts = new Set(options.parts ?? ALL_PARTS);
  const names = resourceNames(options.env);
  // Read adapters only when a part needs them: a handler is wired with the SDK clients of its own step only.
  const need = <K extends keyof ObserveAdapters>(key: K, part: string): NonNullable<ObserveAdapters[K]> => {
    const adapter = adapters[key];
    if (adapter === undefined) throw new TypeError(`observeEnvironment: ${part} needs its adapter`);
    return adapter as NonNullable<ObserveAdapters[K]>;
  };

  const out: { -readonly [K in keyof ObservedEnvironment]: ObservedEnvironment[K] } = {
    env: options.env,
    securityGroups: {},
  };

  if (parts.has('network') && options.vpcId !== undefined) {
    out.securityGroups = await need('ec2', 'network').observeSecurityGroups(
      options.vpcId,
      { alb: names.albSecurityGroup, instances: names.instanceSecurityGroup },
      { networkInterfaces: parts.has('network-interfaces') },
    );
  }

  if (parts.has('load-balancer') || parts.has('targets')) {
    const lb = need('elbv2', 'load-balancer');
    const tg = await lb.observeTargetGroup(names.targetGroup, { withTargets: parts.has('targets') });
    if (tg) out.targetGroup = tg;
    if (parts.has('load-balancer')) {
      const wake = await lb.observeTargetGroup(names.wakeTargetGroup, { withTargets: false });
      if (wake) out.wakeTargetGroup = wake;
    }
    if (options.sharedListenerArn !== undefined) {
      const rule = await lb.observeListenerRule(options.sharedListenerArn, options.env);
      if (rule) out.listenerRule = rule;
    }
    const alb = await lb.observeLoadBalancer(names.loadBalancer);
    if (alb) {
      out.loadBalancer = alb;
      if (parts.has('load-balancer')) {
        const listener = await lb.observeListener(alb.arn);
        if (listener) out.listener = listener;
      }
    }
  }

  if (parts.has('cluster') || parts.has('capacity') || parts.has('service') || parts.has('tasks')) {
    const cluster = await need('ecs', 'cluster').observeCluster(names.cluster);
    if (cluster) out.cluster = cluster;
  }

  if (parts.has('capacity')) {
    const [cp, asg, lt] = await Promise.all([
      need('ecs', 'capacity').observeCapacityProvider(names.capacityProvider),
      need('autoScaling', 'capacity').observeGroup(names.autoScalingGroup),
      need('ec2', 'capacity').observeLaunchTemplate(names.launchTemplate),
    ]);
    if (cp) out.capacityProvider = cp;
    if (asg) out.autoScalingGroup = asg;
    if (lt) out.launchTemplate = lt;
  }

  const clusterLive = out.cluster !== undefined && out.cluster.status !== 'INACTIVE';
  if ((parts.has('service') || parts.has('tasks')) && clusterLive) {
    const service = await need('ecs', 'service').observeService(names.cluster, names.service);
    if (service) out.service = service;
    if (parts.has('tasks') && service && service.status !== 'INACTIVE') {
      const [running, stopped] = await Promise.all([
        need('ecs', 'tasks').listTasks({ cluster: names.cluster, service: names.service }),
        need('ecs', 'tasks').describeStoppedTasks(names.cluster, names.service),
      ]);
      out.tasks = [...running, ...stopped];
    }
  }

  if (parts.has('task-definitions') || parts.has('latest-revision')) {
    const revisions = await need('ecs', 'task-definitions').observeTaskDefinitions(names.taskFamily);
    const latest = revisions.at(-1);
    if (parts.has('latest-revision') && latest) {
      const described = await need('ecs', 'latest-revision').describeTaskDefinition(latest.arn);
      if (described) {
        const { definition: _definition, tags: _tags, ...revision } = described;
        revisions[revisions.length - 1] = revision;
      }
    }
    out.taskDefinitions = revisions;
  }

  if (parts.has('logs')) {
    const group = await need('logs', 'logs').observeLogGroup(logGroupName(options.env));
    if (group) out.logGroup = group;
  }

  if (parts.has('schedules')) {
    out.schedules = await need('scheduler', 'schedules').observeSchedules(options.env);
  }

  if (options.probe) out.probe = options.probe;
  return out;
}
