import { ServiceError } from '../../core/service-error.ts';
import type { RequestContext, ServiceFactory } from '../../core/types.ts';
import { bool, int, list, str } from '../../protocol/params.ts';
import { ec2Backend } from '../ec2/backend.ts';
import {
  type AsgTag,
  type AutoScalingBackend,
  type AutoScalingGroup,
  autoScalingBackend,
} from './backend.ts';

const asgOf = (ctx: RequestContext): AutoScalingBackend =>
  autoScalingBackend(ctx.cloud, ctx.accountId, ctx.region);

/** `value`, or the ValidationError Auto Scaling answers when a required member is absent. */
function notNull<T>(value: T | undefined, member: string): T {
  if (value === undefined) {
    throw new ServiceError(
      'ValidationError',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

const requiredStr = (params: any, name: string, member: string): string => notNull(str(params[name]), member);
const requiredInt = (params: any, name: string, member: string): number => notNull(int(params[name]), member);

function maxRecords(params: any, limit: number, fallback: number): number {
  const n = int(params.MaxRecords);
  if (n === undefined) return fallback;
  if (n < 1 || n > limit) {
    throw new ServiceError(
      'ValidationError',
      `1 validation error detected: Value '${n}' at 'maxRecords' failed to satisfy constraint: Member must have value ${n < 1 ? 'greater than or equal to 1' : `less than or equal to ${limit}`}`,
    );
  }
  return n;
}

function page<T>(items: T[], params: any, limit: number, fallback = 50): { items: T[]; NextToken?: string } {
  const max = maxRecords(params, limit, fallback);
  let start = 0;
  if (params.NextToken) {
    const n = Number(
      Buffer.from(String(params.NextToken), 'base64url').toString('utf8').replace(/^asg:/, ''),
    );
    if (!Number.isInteger(n) || n < 0)
      throw new ServiceError('InvalidNextToken', 'The token is invalid or expired.');
    start = n;
  }
  const out: { items: T[]; NextToken?: string } = { items: items.slice(start, start + max) };
  if (start + max < items.length) out.NextToken = Buffer.from(`asg:${start + max}`).toString('base64url');
  return out;
}

function readTags(
  raw: unknown,
  defaultResource?: string,
): Array<AsgTag & { resourceId: string; resourceType: string }> {
  return list<any>(raw).map((t) => {
    const key = String(t?.Key ?? '');
    if (key.length === 0 || key.length > 128) {
      throw new ServiceError(
        'ValidationError',
        `1 validation error detected: Value '${key}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length between 1 and 128`,
      );
    }
    if (key.toLowerCase().startsWith('aws:')) {
      throw new ServiceError(
        'ValidationError',
        "Tag keys starting with 'aws:' are reserved for internal use",
      );
    }
    const resourceType = str(t?.ResourceType) ?? 'auto-scaling-group';
    if (resourceType !== 'auto-scaling-group') {
      throw new ServiceError('ValidationError', `Invalid resource type: ${resourceType}`);
    }
    return {
      key,
      value: String(t?.Value ?? ''),
      propagateAtLaunch: bool(t?.PropagateAtLaunch) ?? false,
      resourceId: str(t?.ResourceId) ?? defaultResource ?? '',
      resourceType,
    };
  });
}

function wildcardMatch(pattern: string, value: string): boolean {
  return value === pattern;
}

function renderTags(g: AutoScalingGroup): unknown[] {
  return [...g.tags.values()].map((t) => ({
    ResourceId: g.name,
    ResourceType: 'auto-scaling-group',
    Key: t.key,
    Value: t.value,
    PropagateAtLaunch: t.propagateAtLaunch,
  }));
}

function azsOf(ctx: RequestContext, g: AutoScalingGroup): string[] {
  const ec2 = ec2Backend(ctx.cloud, ctx.accountId, ctx.region);
  return [
    ...new Set(g.subnetIds.map((id) => ec2.getSubnet(id)?.availabilityZone).filter((z) => z !== undefined)),
  ];
}

function renderGroup(ctx: RequestContext, g: AutoScalingGroup): unknown {
  return {
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: g.arn,
    LaunchTemplate: {
      LaunchTemplateId: g.launchTemplate.id,
      LaunchTemplateName: g.launchTemplate.name,
      Version: g.launchTemplate.version,
    },
    MinSize: g.minSize,
    MaxSize: g.maxSize,
    DesiredCapacity: g.desiredCapacity,
    DefaultCooldown: g.defaultCooldown,
    AvailabilityZones: azsOf(ctx, g),
    LoadBalancerNames: [],
    TargetGroupARNs: g.targetGroupARNs,
    HealthCheckType: g.healthCheckType,
    HealthCheckGracePeriod: g.healthCheckGracePeriod,
    Instances: [...g.instances.values()].map((i) => ({
      InstanceId: i.instanceId,
      InstanceType: i.instanceType,
      AvailabilityZone: i.availabilityZone,
      LifecycleState: i.lifecycleState,
      HealthStatus: i.healthStatus,
      LaunchTemplate: i.launchTemplate,
      ProtectedFromScaleIn: i.protectedFromScaleIn,
    })),
    CreatedTime: g.createdTime,
    SuspendedProcesses: [],
    VPCZoneIdentifier: g.subnetIds.join(','),
    EnabledMetrics: [],
    Status: g.status,
    Tags: renderTags(g),
    TerminationPolicies: g.terminationPolicies,
    NewInstancesProtectedFromScaleIn: g.newInstancesProtectedFromScaleIn,
    ServiceLinkedRoleARN: g.serviceLinkedRoleARN,
    CapacityRebalance: g.capacityRebalance,
    TrafficSources: g.targetGroupARNs.map((arn) => ({ Identifier: arn, Type: 'elbv2' })),
  };
}

function subnetsFrom(ctx: RequestContext, params: any): string[] | undefined {
  const vpcZone = str(params.VPCZoneIdentifier);
  if (vpcZone !== undefined) {
    return vpcZone
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
  const azs = list<string>(params.AvailabilityZones);
  if (azs.length === 0) return undefined;
  const ec2 = ec2Backend(ctx.cloud, ctx.accountId, ctx.region);
  return azs.map((az) => {
    const subnet = [...ec2.subnets.values()].find(
      (s) => s.availabilityZone === az && s.vpcId === ec2.defaultVpcId,
    );
    if (!subnet)
      throw new ServiceError(
        'ValidationError',
        `The availability zone ${az} is not legally formatted or not supported.`,
      );
    return subnet.subnetId;
  });
}

function launchTemplateFrom(params: any): { id?: string; name?: string; version?: string } | undefined {
  const lt = params.LaunchTemplate;
  if (lt === undefined || lt === '') return undefined;
  const out: { id?: string; name?: string; version?: string } = {};
  const id = str(lt.LaunchTemplateId);
  const name = str(lt.LaunchTemplateName);
  const version = str(lt.Version);
  if (id !== undefined) out.id = id;
  if (name !== undefined) out.name = name;
  if (version !== undefined) out.version = version;
  return out;
}

/** Auto Scaling (Query protocol, version 2011-01-01). */
export const autoScalingService: ServiceFactory = (cloud) => {
  cloud.addStateDumper('autoscaling', () => {
    const out: Record<string, unknown> = {};
    for (const key of cloud.backendKeys('autoscaling')) {
      out[key] = autoScalingBackend(cloud, ...(key.split('/') as [string, string])).dump();
    }
    return out;
  });
  return {
    signingName: 'autoscaling',
    protocol: 'query',
    xmlNamespace: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
    actions: {
      CreateAutoScalingGroup(params, ctx) {
        const name = requiredStr(params, 'AutoScalingGroupName', 'autoScalingGroupName');
        if (name.length > 255) {
          throw new ServiceError(
            'ValidationError',
            `1 validation error detected: Value '${name}' at 'autoScalingGroupName' failed to satisfy constraint: Member must have length less than or equal to 255`,
          );
        }
        const minSize = requiredInt(params, 'MinSize', 'minSize');
        const maxSize = requiredInt(params, 'MaxSize', 'maxSize');
        const launchTemplate = launchTemplateFrom(params);
        if (!launchTemplate) {
          throw new ServiceError(
            'ValidationError',
            'Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.',
          );
        }
        asgOf(ctx).createGroup({
          name,
          launchTemplate,
          minSize,
          maxSize,
          desiredCapacity: int(params.DesiredCapacity),
          subnetIds: subnetsFrom(ctx, params) ?? [],
          newInstancesProtectedFromScaleIn: bool(params.NewInstancesProtectedFromScaleIn) ?? false,
          tags: readTags(params.Tags, name),
          defaultCooldown: int(params.DefaultCooldown),
          healthCheckType: str(params.HealthCheckType),
          healthCheckGracePeriod: int(params.HealthCheckGracePeriod),
          capacityRebalance: bool(params.CapacityRebalance),
          targetGroupARNs: list<string>(params.TargetGroupARNs),
          terminationPolicies:
            list<string>(params.TerminationPolicies).length > 0
              ? list<string>(params.TerminationPolicies)
              : undefined,
        });
        return undefined;
      },

      DescribeAutoScalingGroups(params, ctx) {
        const asg = asgOf(ctx);
        const names = list<string>(params.AutoScalingGroupNames);
        // Eventual consistency: a group created moments ago is not listed yet (BASE_DELAYS.autoScalingGroupPropagation).
        const visibleSince =
          ctx.cloud.clock.now().getTime() - ctx.cloud.clock.delay('autoScalingGroupPropagation');
        let groups = [...asg.groups.values()].filter(
          (g) =>
            (names.length === 0 || names.includes(g.name) || names.includes(g.arn)) &&
            g.createdTime.getTime() <= visibleSince,
        );
        for (const f of list<any>(params.Filters)) {
          const fname = String(f?.Name ?? '');
          const values = list<string>(f?.Values).map(String);
          if (fname.startsWith('tag:')) {
            const key = fname.slice(4);
            groups = groups.filter((g) => {
              const t = g.tags.get(key);
              return t !== undefined && values.some((v) => wildcardMatch(v, t.value));
            });
          } else if (fname === 'tag-key') {
            groups = groups.filter((g) => values.some((v) => g.tags.has(v)));
          } else if (fname === 'tag-value') {
            groups = groups.filter((g) => [...g.tags.values()].some((t) => values.includes(t.value)));
          } else {
            throw new ServiceError(
              'ValidationError',
              `Filter type ${fname} is not correct. Allowed Filter types are: tag-key tag-value tag:<key>`,
            );
          }
        }
        const p = page(groups, params, 100);
        return { AutoScalingGroups: p.items.map((g) => renderGroup(ctx, g)), NextToken: p.NextToken };
      },

      UpdateAutoScalingGroup(params, ctx) {
        const asg = asgOf(ctx);
        const group = asg.requireMutableGroup(
          requiredStr(params, 'AutoScalingGroupName', 'autoScalingGroupName'),
        );
        asg.updateGroup(group, {
          minSize: int(params.MinSize),
          maxSize: int(params.MaxSize),
          desiredCapacity: int(params.DesiredCapacity),
          launchTemplate: launchTemplateFrom(params),
          subnetIds: subnetsFrom(ctx, params),
          newInstancesProtectedFromScaleIn: bool(params.NewInstancesProtectedFromScaleIn),
          defaultCooldown: int(params.DefaultCooldown),
          healthCheckType: str(params.HealthCheckType),
          healthCheckGracePeriod: int(params.HealthCheckGracePeriod),
          capacityRebalance: bool(params.CapacityRebalance),
          terminationPolicies:
            list<string>(params.TerminationPolicies).length > 0
              ? list<string>(params.TerminationPolicies)
              : undefined,
        });
        return undefined;
      },

      SetDesiredCapacity(params, ctx) {
        const name = requiredStr(params, 'AutoScalingGroupName', 'autoScalingGroupName');
        asgOf(ctx).setDesiredCapacityStrict(name, requiredInt(params, 'DesiredCapacity', 'desiredCapacity'));
        return undefined;
      },

      SetInstanceProtection(params, ctx) {
        const name = requiredStr(params, 'AutoScalingGroupName', 'autoScalingGroupName');
        const ids = list<string>(params.InstanceIds);
        if (ids.length > 50) {
          throw new ServiceError(
            'ValidationError',
            `1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50`,
          );
        }
        const protect = bool(params.ProtectedFromScaleIn);
        if (protect === undefined) {
          throw new ServiceError(
            'ValidationError',
            "1 validation error detected: Value null at 'protectedFromScaleIn' failed to satisfy constraint: Member must not be null",
          );
        }
        asgOf(ctx).setInstanceProtection(name, ids, protect);
        return {};
      },

      DescribeAutoScalingInstances(params, ctx) {
        const asg = asgOf(ctx);
        const ids = list<string>(params.InstanceIds);
        const all = [...asg.groups.values()].flatMap((g) =>
          [...g.instances.values()].map((i) => ({
            InstanceId: i.instanceId,
            InstanceType: i.instanceType,
            AutoScalingGroupName: g.name,
            AvailabilityZone: i.availabilityZone,
            LifecycleState: i.lifecycleState,
            HealthStatus: i.healthStatus.toUpperCase(),
            LaunchTemplate: i.launchTemplate,
            ProtectedFromScaleIn: i.protectedFromScaleIn,
          })),
        );
        const filtered = all.filter((i) => ids.length === 0 || ids.includes(i.InstanceId));
        const p = page(filtered, params, 50);
        return { AutoScalingInstances: p.items, NextToken: p.NextToken };
      },

      TerminateInstanceInAutoScalingGroup(params, ctx) {
        const id = requiredStr(params, 'InstanceId', 'instanceId');
        const decrement = bool(params.ShouldDecrementDesiredCapacity);
        if (decrement === undefined) {
          throw new ServiceError(
            'ValidationError',
            "1 validation error detected: Value null at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must not be null",
          );
        }
        return { Activity: asgOf(ctx).terminateInstance(id, decrement) };
      },

      DeleteAutoScalingGroup(params, ctx) {
        const name = requiredStr(params, 'AutoScalingGroupName', 'autoScalingGroupName');
        asgOf(ctx).deleteGroup(name, bool(params.ForceDelete) ?? false);
        return undefined;
      },

      DescribeScalingActivities(params, ctx) {
        const asg = asgOf(ctx);
        const name = str(params.AutoScalingGroupName);
        const ids = list<string>(params.ActivityIds);
        const groups = name ? [asg.getGroup(name)].filter((g) => g !== undefined) : [...asg.groups.values()];
        let activities = groups.flatMap((g) => g.activities);
        if (!name) activities.sort((a, b) => b.StartTime.getTime() - a.StartTime.getTime());
        if (ids.length > 0) activities = activities.filter((a) => ids.includes(a.ActivityId));
        const p = page(activities, params, 100, 100);
        return { Activities: p.items, NextToken: p.NextToken };
      },

      CreateOrUpdateTags(params, ctx) {
        const asg = asgOf(ctx);
        const tags = readTags(params.Tags);
        const byGroup = new Map<string, AsgTag[]>();
        for (const t of tags) {
          asg.requireGroup(t.resourceId);
          byGroup.set(t.resourceId, [
            ...(byGroup.get(t.resourceId) ?? []),
            { key: t.key, value: t.value, propagateAtLaunch: t.propagateAtLaunch },
          ]);
        }
        for (const [groupName, groupTags] of byGroup) asg.putTags(asg.requireGroup(groupName), groupTags);
        return undefined;
      },

      DeleteTags(params, ctx) {
        const asg = asgOf(ctx);
        for (const t of list<any>(params.Tags)) {
          const group = asg.requireGroup(String(t?.ResourceId ?? ''));
          group.tags.delete(String(t?.Key ?? ''));
        }
        return undefined;
      },

      DescribeTags(params, ctx) {
        const asg = asgOf(ctx);
        let tags = [...asg.groups.values()].flatMap((g) => renderTags(g) as Array<Record<string, any>>);
        for (const f of list<any>(params.Filters)) {
          const fname = String(f?.Name ?? '');
          const values = list<string>(f?.Values).map(String);
          const field: Record<string, string> = {
            'auto-scaling-group': 'ResourceId',
            key: 'Key',
            value: 'Value',
            'propagate-at-launch': 'PropagateAtLaunch',
          };
          const member = field[fname];
          if (!member) {
            throw new ServiceError(
              'ValidationError',
              `Filter type ${fname} is not correct. Allowed Filter types are: auto-scaling-group key value propagate-at-launch`,
            );
          }
          tags = tags.filter((t) => values.includes(String(t[member])));
        }
        const p = page(tags, params, 100);
        return { Tags: p.items, NextToken: p.NextToken };
      },
    },
  };
};
