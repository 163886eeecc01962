/**
 * What IAM authorizes for one API call: the action, the resource ARN(s) and the request context keys, as the
 * Service Authorization Reference describes them per service (resource types, `aws:ResourceTag/*`,
 * `aws:RequestTag/*`, `aws:TagKeys`, service keys such as `ecs:cluster`, `autoscaling:ResourceTag/*`).
 *
 * Some calls are authorized as more than one action, and each must be allowed:
 * - tag-on-create: ECS `Create*`/`RegisterTaskDefinition` with tags also needs `ecs:TagResource`
 *   (`ecs:CreateAction`), EC2 `TagSpecifications` need `ec2:CreateTags` (`ec2:CreateAction`), ELBv2 `Create*`
 *   with tags needs `elasticloadbalancing:AddTags` (`elasticloadbalancing:CreateAction`) — ECS Developer Guide
 *   "Grant permission to tag resources on creation", EC2 User Guide "Grant permission to tag resources during
 *   creation", ELB User Guide "Tag on create" (the AddTags requirement of March 2023);
 * - passing a role: `RegisterTaskDefinition` with `executionRoleArn` needs `iam:PassRole`
 *   (`iam:PassedToService` = `ecs-tasks.amazonaws.com`);
 * - an Auto Scaling group created or updated with a launch template is checked for `ec2:RunInstances` on the
 *   template's resources and `iam:PassRole` for its instance profile (EC2 Auto Scaling User Guide, "Control
 *   Amazon EC2 launch template usage in Auto Scaling groups"); a denial answers `AccessDenied: You are not
 *   authorized to use launch template: <id>`.
 */

import type { Cloud } from '../core/cloud.ts';
import { RESOURCE_GONE, type RequiredAuthorization } from '../core/iam/evaluate.ts';
import { list } from '../protocol/params.ts';
import { applicationAutoScalingBackend } from '../services/application-autoscaling/backend.ts';
import { autoScalingBackend } from '../services/autoscaling/backend.ts';
import { ec2Backend } from '../services/ec2/backend.ts';
import { ecsBackend } from '../services/ecs/backend.ts';
import { elbv2Backend } from '../services/elbv2/backend.ts';
import { schedulerBackend } from '../services/scheduler/backend.ts';
import { secretsManagerBackend } from '../services/secretsmanager/backend.ts';

export type { RequiredAuthorization };

interface Where {
  readonly cloud: Cloud;
  readonly accountId: string;
  readonly region: string;
}

type Tags = Readonly<Record<string, string>>;

const tagContext = (prefixes: readonly string[], tags: Tags | undefined): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags ?? {})) for (const p of prefixes) out[`${p}/${k}`] = v;
  return out;
};
/**
 * `aws:ResourceTag/*` (and `<service>:ResourceTag/*`) of an existing resource; for a resource that does not
 * exist (already deleted, or never created) the context carries {@link RESOURCE_GONE} instead, and the
 * evaluator does not let tag conditions deny the call: the service then answers as it does for a missing
 * resource (its not-found error, or the idempotent no-op of a delete). This is a modelling choice for a case
 * AWS does not document; it keeps a retried delete of a resource that finished deleting a no-op.
 */
const resourceTags = (tags: Tags | undefined, servicePrefix?: string) =>
  tags === undefined
    ? { [RESOURCE_GONE]: 'true' }
    : tagContext(
        servicePrefix ? ['aws:ResourceTag', `${servicePrefix}:ResourceTag`] : ['aws:ResourceTag'],
        tags,
      );
const requestTags = (tags: Tags): Record<string, string | string[]> => ({
  ...tagContext(['aws:RequestTag'], tags),
  ...(Object.keys(tags).length > 0 ? { 'aws:TagKeys': Object.keys(tags) } : {}),
});

const req = (
  action: string,
  resource: string,
  context: Record<string, string | readonly string[] | undefined> = {},
): RequiredAuthorization => ({ action, resource, context });

// ---------------------------------------------------------------- ECS (JSON, lowerCamel params)

const ecsTags = (raw: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const t of list<any>(raw)) out[String(t?.key ?? '')] = String(t?.value ?? '');
  return out;
};

function ecsRequests(w: Where, action: string, p: Record<string, any>): RequiredAuthorization[] {
  const be = ecsBackend(w.cloud, w.accountId, w.region);
  const arn = (kind: string, rest: string) => `arn:aws:ecs:${w.region}:${w.accountId}:${kind}/${rest}`;
  const nameOf = (v: unknown) => {
    const s = String(v ?? 'default');
    return s.startsWith('arn:') ? (s.split('/').pop() ?? s) : s;
  };
  const clusterArn = (v: unknown) => arn('cluster', nameOf(v));
  const existing = (resourceArn: string) => resourceTags(be.tags.get(resourceArn));
  const tagOnCreate = (createAction: string, resource: string, tags: Tags): RequiredAuthorization[] =>
    Object.keys(tags).length === 0
      ? []
      : [req('ecs:TagResource', resource, { 'ecs:CreateAction': createAction, ...requestTags(tags) })];
  const a = `ecs:${action}`;
  switch (action) {
    case 'CreateCluster': {
      const resource = clusterArn(p.clusterName);
      const tags = ecsTags(p.tags);
      return [req(a, resource, requestTags(tags)), ...tagOnCreate(action, resource, tags)];
    }
    case 'DeleteCluster':
    case 'PutClusterCapacityProviders':
    case 'DescribeClusters': {
      const clusters = action === 'DescribeClusters' ? list<string>(p.clusters) : [p.cluster];
      return clusters.map((c) => req(a, clusterArn(c), existing(clusterArn(c))));
    }
    case 'CreateCapacityProvider': {
      const resource = arn('capacity-provider', String(p.name ?? ''));
      const tags = ecsTags(p.tags);
      return [req(a, resource, requestTags(tags)), ...tagOnCreate(action, resource, tags)];
    }
    case 'DeleteCapacityProvider': {
      const resource = arn('capacity-provider', nameOf(p.capacityProvider));
      return [req(a, resource, existing(resource))];
    }
    case 'RegisterTaskDefinition': {
      // No resource-level permission: the resource is "*", the request tags are the only scope.
      const tags = ecsTags(p.tags);
      const family = String(p.family ?? '');
      const out = [
        req(a, '*', requestTags(tags)),
        ...tagOnCreate(action, arn('task-definition', `${family}:*`), tags),
      ];
      if (p.executionRoleArn)
        out.push(
          req('iam:PassRole', String(p.executionRoleArn), {
            'iam:PassedToService': 'ecs-tasks.amazonaws.com',
          }),
        );
      if (p.taskRoleArn)
        out.push(
          req('iam:PassRole', String(p.taskRoleArn), { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }),
        );
      return out;
    }
    case 'DeregisterTaskDefinition': {
      const td = String(p.taskDefinition ?? '');
      const resource = td.startsWith('arn:') ? td : arn('task-definition', td);
      return [req(a, resource, existing(resource))];
    }
    case 'CreateService': {
      const cluster = nameOf(p.cluster);
      const resource = arn('service', `${cluster}/${String(p.serviceName ?? '')}`);
      const tags = ecsTags(p.tags);
      return [
        req(a, resource, { 'ecs:cluster': clusterArn(cluster), ...requestTags(tags) }),
        ...tagOnCreate(action, resource, tags),
      ];
    }
    case 'UpdateService':
    case 'DeleteService': {
      const cluster = nameOf(p.cluster);
      const resource = arn('service', `${cluster}/${nameOf(p.service)}`);
      return [req(a, resource, { 'ecs:cluster': clusterArn(cluster), ...existing(resource) })];
    }
    case 'StopTask': {
      const cluster = nameOf(p.cluster);
      const task = String(p.task ?? '');
      const resource = task.startsWith('arn:') ? task : arn('task', `${cluster}/${task}`);
      return [req(a, resource, { 'ecs:cluster': clusterArn(cluster), ...existing(resource) })];
    }
    case 'DeregisterContainerInstance': {
      const cluster = nameOf(p.cluster);
      const ci = String(p.containerInstance ?? '');
      const resource = ci.startsWith('arn:') ? ci : arn('container-instance', `${cluster}/${ci}`);
      return [req(a, resource, { 'ecs:cluster': clusterArn(cluster) })];
    }
    case 'TagResource':
    case 'UntagResource': {
      const resource = String(p.resourceArn ?? '');
      return [req(a, resource, { ...existing(resource), ...requestTags(ecsTags(p.tags)) })];
    }
    case 'ListTasks':
    case 'ListServices':
      return [req(a, '*', p.cluster ? { 'ecs:cluster': clusterArn(p.cluster) } : {})];
    default:
      // Describe*/List* without resource-level scoping in Berth's policy: authorized on "*".
      return [req(a, '*')];
  }
}

// ---------------------------------------------------------------- ELBv2 (Query)

const memberTags = (raw: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const t of list<any>(raw)) out[String(t?.Key ?? '')] = String(t?.Value ?? '');
  return out;
};

function elbRequests(w: Where, action: string, p: Record<string, any>): RequiredAuthorization[] {
  const be = elbv2Backend(w.cloud, w.accountId, w.region);
  const base = `arn:aws:elasticloadbalancing:${w.region}:${w.accountId}`;
  const existing = (arn: string) => resourceTags(be.tags.get(arn));
  const a = `elasticloadbalancing:${action}`;
  const create = (resource: string): RequiredAuthorization[] => {
    const tags = memberTags(p.Tags);
    const out = [req(a, resource, requestTags(tags))];
    if (Object.keys(tags).length > 0)
      out.push(
        req('elasticloadbalancing:AddTags', resource, {
          'elasticloadbalancing:CreateAction': action,
          ...requestTags(tags),
        }),
      );
    return out;
  };
  switch (action) {
    // The new resource's id is unknown when the request is authorized: the ARN ends in `*`.
    case 'CreateLoadBalancer':
      return create(`${base}:loadbalancer/${p.Type === 'network' ? 'net' : 'app'}/${String(p.Name ?? '')}/*`);
    case 'CreateTargetGroup':
      return create(`${base}:targetgroup/${String(p.Name ?? '')}/*`);
    case 'CreateListener':
      return create(`${String(p.LoadBalancerArn ?? '').replace(':loadbalancer/', ':listener/')}/*`);
    case 'CreateRule':
      return create(`${String(p.ListenerArn ?? '').replace(':listener/', ':listener-rule/')}/*`);
    case 'DeleteLoadBalancer':
    case 'ModifyLoadBalancerAttributes':
      return [req(a, String(p.LoadBalancerArn ?? ''), existing(String(p.LoadBalancerArn ?? '')))];
    case 'DeleteTargetGroup':
    case 'ModifyTargetGroupAttributes':
    case 'ModifyTargetGroup':
    case 'RegisterTargets':
    case 'DeregisterTargets':
      return [req(a, String(p.TargetGroupArn ?? ''), existing(String(p.TargetGroupArn ?? '')))];
    case 'DeleteListener':
    case 'ModifyListener':
      return [req(a, String(p.ListenerArn ?? ''), existing(String(p.ListenerArn ?? '')))];
    case 'DeleteRule':
    case 'ModifyRule':
      return [req(a, String(p.RuleArn ?? ''), existing(String(p.RuleArn ?? '')))];
    case 'AddTags':
    case 'RemoveTags':
      return list<string>(p.ResourceArns).map((arn) =>
        req(a, arn, { ...existing(arn), ...requestTags(memberTags(p.Tags)) }),
      );
    default:
      return [req(a, '*')];
  }
}

// ---------------------------------------------------------------- Auto Scaling (Query)

function launchTemplateChecks(w: Where, spec: any, subnetsCsv: string | undefined): RequiredAuthorization[] {
  if (!spec || typeof spec !== 'object') return [];
  const ec2 = ec2Backend(w.cloud, w.accountId, w.region);
  const lt =
    (spec.LaunchTemplateId ? ec2.launchTemplates.get(String(spec.LaunchTemplateId)) : undefined) ??
    (spec.LaunchTemplateName ? ec2.findLaunchTemplateByName(String(spec.LaunchTemplateName)) : undefined);
  if (!lt) return [];
  const version = lt.versions.find((v) => v.versionNumber === lt.defaultVersionNumber) ?? lt.versions.at(-1);
  const data: Record<string, any> = version?.data ?? {};
  const ltArn = `arn:aws:ec2:${w.region}:${w.accountId}:launch-template/${lt.launchTemplateId}`;
  const onLt = { 'ec2:LaunchTemplate': ltArn, 'ec2:IsLaunchTemplateResource': 'true' };
  const specTags = (type: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const s of list<any>(data.TagSpecification ?? data.TagSpecifications))
      if (s?.ResourceType === type) Object.assign(out, memberTags(s.Tag ?? s.Tags));
    return out;
  };
  const ec2Arn = (kind: string, id: string, account = w.accountId) =>
    `arn:aws:ec2:${w.region}:${account}:${kind}/${id}`;
  const ltTags = Object.fromEntries(ec2.tags.get(lt.launchTemplateId) ?? new Map<string, string>());
  const run = (resource: string, context: Record<string, string | readonly string[]>) => ({
    ...req('ec2:RunInstances', resource, { ...onLt, ...context }),
    launchTemplateId: lt.launchTemplateId,
  });
  const out: RequiredAuthorization[] = [
    run(ltArn, resourceTags(ltTags)),
    run(ec2Arn('instance', '*'), requestTags(specTags('instance'))),
    run(ec2Arn('volume', '*'), requestTags(specTags('volume'))),
    run(ec2Arn('network-interface', '*'), {}),
  ];
  if (data.ImageId) out.push(run(ec2Arn('image', String(data.ImageId), ''), {}));
  for (const sg of list<string>(data.SecurityGroupId ?? data.SecurityGroupIds))
    out.push(
      run(ec2Arn('security-group', String(sg)), resourceTags(Object.fromEntries(ec2.tags.get(sg) ?? []))),
    );
  for (const subnet of (subnetsCsv ?? '').split(',').filter(Boolean))
    out.push(run(ec2Arn('subnet', subnet.trim()), {}));
  const profile = data.IamInstanceProfile?.Arn ?? data.IamInstanceProfile?.Name;
  if (profile) {
    // The instance profile's role is passed to EC2; the local platform names the role after the profile.
    const role = String(profile).startsWith('arn:')
      ? String(profile).replace(':instance-profile/', ':role/')
      : `arn:aws:iam::${w.accountId}:role/${profile}`;
    out.push({
      ...req('iam:PassRole', role, { 'iam:PassedToService': 'ec2.amazonaws.com' }),
      launchTemplateId: lt.launchTemplateId,
    });
  }
  return out;
}

function autoScalingRequests(w: Where, action: string, p: Record<string, any>): RequiredAuthorization[] {
  const be = autoScalingBackend(w.cloud, w.accountId, w.region);
  const a = `autoscaling:${action}`;
  const groupArn = (name: string) =>
    be.getGroup(name)?.arn ??
    `arn:aws:autoscaling:${w.region}:${w.accountId}:autoScalingGroup:*:autoScalingGroupName/${name}`;
  const groupTags = (name: string): Record<string, string> | undefined => {
    const g = be.getGroup(name);
    if (!g) return undefined;
    const out: Record<string, string> = {};
    for (const t of g?.tags.values() ?? []) out[t.key] = t.value;
    return out;
  };
  const existing = (name: string) => resourceTags(groupTags(name), 'autoscaling');
  const name = String(p.AutoScalingGroupName ?? '');
  switch (action) {
    case 'CreateAutoScalingGroup': {
      const tags = memberTags(p.Tags);
      return [
        req(a, groupArn(name), requestTags(tags)),
        ...launchTemplateChecks(
          w,
          p.LaunchTemplate ?? p.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification,
          p.VPCZoneIdentifier,
        ),
      ];
    }
    case 'UpdateAutoScalingGroup':
      return [
        req(a, groupArn(name), existing(name)),
        ...launchTemplateChecks(w, p.LaunchTemplate, p.VPCZoneIdentifier),
      ];
    case 'DeleteAutoScalingGroup':
    case 'SetInstanceProtection':
    case 'SetDesiredCapacity':
      return [req(a, groupArn(name), existing(name))];
    case 'CreateOrUpdateTags':
    case 'DeleteTags': {
      const byGroup = new Map<string, Record<string, string>>();
      for (const t of list<any>(p.Tags)) {
        const g = String(t?.ResourceId ?? '');
        byGroup.set(g, { ...(byGroup.get(g) ?? {}), [String(t?.Key ?? '')]: String(t?.Value ?? '') });
      }
      return [...byGroup].map(([g, tags]) => req(a, groupArn(g), { ...existing(g), ...requestTags(tags) }));
    }
    default:
      return [req(a, '*')];
  }
}

// ---------------------------------------------------------------- EC2 (EC2 Query)

function ec2Requests(w: Where, action: string, p: Record<string, any>): RequiredAuthorization[] {
  const be = ec2Backend(w.cloud, w.accountId, w.region);
  const a = `ec2:${action}`;
  const arn = (kind: string, id: string) => `arn:aws:ec2:${w.region}:${w.accountId}:${kind}/${id}`;
  const exists = (id: string) => be.securityGroups.has(id) || be.launchTemplates.has(id) || be.vpcs.has(id);
  const tagsOf = (id: string) =>
    exists(id) ? Object.fromEntries(be.tags.get(id) ?? new Map<string, string>()) : undefined;
  const existing = (id: string) => resourceTags(tagsOf(id));
  const specTags = (type: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const s of list<any>(p.TagSpecification))
      if (s?.ResourceType === type) Object.assign(out, memberTags(s.Tag));
    return out;
  };
  const create = (resource: string, type: string): RequiredAuthorization[] => {
    const tags = specTags(type);
    const out = [req(a, resource, requestTags(tags))];
    if (Object.keys(tags).length > 0)
      out.push(req('ec2:CreateTags', resource, { 'ec2:CreateAction': action, ...requestTags(tags) }));
    return out;
  };
  switch (action) {
    case 'CreateSecurityGroup': {
      const vpc = String(p.VpcId ?? be.defaultVpcId);
      return [
        req(a, arn('vpc', vpc), { 'ec2:Vpc': arn('vpc', vpc), ...existing(vpc) }),
        ...create(arn('security-group', '*'), 'security-group'),
      ];
    }
    case 'AuthorizeSecurityGroupIngress':
    case 'AuthorizeSecurityGroupEgress':
    case 'RevokeSecurityGroupIngress':
    case 'RevokeSecurityGroupEgress':
    case 'DeleteSecurityGroup': {
      const id = String(p.GroupId ?? '');
      return [req(a, arn('security-group', id), existing(id))];
    }
    case 'CreateLaunchTemplate':
      return create(arn('launch-template', '*'), 'launch-template');
    case 'CreateLaunchTemplateVersion':
    case 'DeleteLaunchTemplate':
    case 'ModifyLaunchTemplate': {
      const lt =
        (p.LaunchTemplateId ? be.launchTemplates.get(String(p.LaunchTemplateId)) : undefined) ??
        (p.LaunchTemplateName ? be.findLaunchTemplateByName(String(p.LaunchTemplateName)) : undefined);
      const id = lt?.launchTemplateId ?? String(p.LaunchTemplateId ?? '*');
      return [req(a, arn('launch-template', id), existing(id))];
    }
    case 'CreateTags':
    case 'DeleteTags':
      return list<string>(p.ResourceId).map((id) =>
        req(a, arn(id.split('-')[0] === 'sg' ? 'security-group' : 'resource', id), {
          ...existing(id),
          ...requestTags(memberTags(p.Tag)),
        }),
      );
    default:
      return [req(a, '*')];
  }
}

// ---------------------------------------------------------------- CloudWatch Logs (JSON, lowerCamel params)

/**
 * CloudWatch Logs resource types (Service Authorization Reference, "Amazon CloudWatch Logs"):
 * `log-group` = `arn:aws:logs:<region>:<account>:log-group:<name>` and `log-stream` =
 * `...:log-group:<name>:log-stream:<stream>`. `DescribeLogGroups` is authorized on `log-group:*`;
 * `GetLogEvents` and `PutLogEvents` on the stream; the group actions (`CreateLogGroup`, `DeleteLogGroup`,
 * `PutRetentionPolicy`, `FilterLogEvents`, ...) on the group; the tagging actions on the `resourceArn` they
 * name (a group ARN; the `:*` that Describe answers with is dropped). Tags in the request become
 * `aws:RequestTag/*`; `aws:ResourceTag/*` of log groups is not modelled (Berth's log statements carry no tag
 * condition).
 */
function logsRequests(w: Where, action: string, p: Record<string, any>): RequiredAuthorization[] {
  const a = `logs:${action}`;
  const groupArn = (name: string) => `arn:aws:logs:${w.region}:${w.accountId}:log-group:${name}`;
  const named = p.logGroupIdentifier ?? p.logGroupName;
  const group =
    typeof named === 'string' && named !== ''
      ? named.startsWith('arn:')
        ? named.replace(/:\*$/, '')
        : groupArn(named)
      : undefined;
  const tags = (raw: unknown): Record<string, string> =>
    raw && typeof raw === 'object' && !Array.isArray(raw)
      ? Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
      : {};
  switch (action) {
    case 'DescribeLogGroups':
      return [req(a, groupArn('*'))];
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsForResource':
      if (typeof p.resourceArn !== 'string' || p.resourceArn === '') return [];
      return [
        req(a, p.resourceArn.replace(/:\*$/, ''), action === 'TagResource' ? requestTags(tags(p.tags)) : {}),
      ];
    case 'GetLogEvents':
    case 'PutLogEvents':
      if (!group) return [];
      return [req(a, `${group}:log-stream:${String(p.logStreamName ?? '')}`)];
    case 'CreateLogGroup':
      if (!group) return [];
      return [req(a, group, requestTags(tags(p.tags)))];
    default:
      return group ? [req(a, group)] : [];
  }
}

// ---------------------------------------------------------------- SSM, DynamoDB (JSON)

function ssmRequests(w: Where, action: string, p: Record<string, any>): RequiredAuthorization[] {
  const a = `ssm:${action}`;
  const names = action === 'GetParameters' ? list<string>(p.Names) : p.Name ? [String(p.Name)] : [];
  if (names.length === 0) return [req(a, '*')];
  return names.map((n) => {
    const path = n.startsWith('/') ? n : `/${n}`;
    // Public parameters (/aws/service/...) belong to no account: their ARN has an empty account field.
    const account = path.startsWith('/aws/') ? '' : w.accountId;
    return req(a, `arn:aws:ssm:${w.region}:${account}:parameter${path}`);
  });
}

/**
 * Secrets Manager: every action acts on the `Secret` resource type — the secret's full ARN (its name and
 * random suffix), with `aws:ResourceTag/*` and `secretsmanager:ResourceTag/*` of its tags; CreateSecret on
 * `secret:<name>-??????` with its request tags (Secrets Manager User Guide, "Authentication and access
 * control").
 */
function secretsRequests(w: Where, action: string, p: Record<string, any>): RequiredAuthorization[] {
  const a = `secretsmanager:${action}`;
  const base = `arn:aws:secretsmanager:${w.region}:${w.accountId}:secret:`;
  if (action === 'CreateSecret') {
    const tags: Record<string, string> = {};
    for (const t of list<any>(p.Tags)) tags[String(t?.Key ?? '')] = String(t?.Value ?? '');
    return [req(a, `${base}${String(p.Name ?? '')}-??????`, requestTags(tags))];
  }
  const id = String(p.SecretId ?? '');
  if (!id) return [req(a, '*')];
  const secret = secretsManagerBackend(w.cloud, w.accountId, w.region).find(id);
  if (!secret) return [req(a, id.startsWith('arn:') ? id : `${base}${id}`, resourceTags(undefined))];
  return [req(a, secret.arn, resourceTags(secret.tags, 'secretsmanager'))];
}

/**
 * Application Auto Scaling: the target actions act on the `ScalableTarget` resource type — the target's ARN
 * (`scalable-target/<id>`, an opaque id AWS assigns at registration; `scalable-target/*` before a target
 * exists) — with the `application-autoscaling:service-namespace` and `application-autoscaling:scalable-dimension`
 * condition keys (Service Authorization Reference, Application Auto Scaling); the Describe actions on `*`.
 */
function applicationAutoScalingRequests(
  w: Where,
  action: string,
  p: Record<string, any>,
): RequiredAuthorization[] {
  const a = `application-autoscaling:${action}`;
  if (action.startsWith('Describe')) return [req(a, '*')];
  const namespace = String(p.ServiceNamespace ?? '');
  const dimension = String(p.ScalableDimension ?? '');
  const target = applicationAutoScalingBackend(w.cloud, w.accountId, w.region).find(
    namespace,
    String(p.ResourceId ?? ''),
    dimension,
  );
  return [
    req(
      a,
      target?.scalableTargetArn ??
        `arn:aws:application-autoscaling:${w.region}:${w.accountId}:scalable-target/*`,
      {
        'application-autoscaling:service-namespace': namespace,
        'application-autoscaling:scalable-dimension': dimension,
      },
    ),
  ];
}

/**
 * EventBridge Scheduler (Service Authorization Reference, "Amazon EventBridge Scheduler"): resource types
 * `schedule-group` = `arn:aws:scheduler:<region>:<account>:schedule-group/<group>` (taggable: `aws:ResourceTag/*`)
 * and `schedule` = `...:schedule/<group>/<name>`; `ListSchedules`/`ListScheduleGroups` on `*`. Creating or
 * updating a schedule passes its target's execution role: `iam:PassRole` on `Target.RoleArn`
 * (`iam:PassedToService` = `scheduler.amazonaws.com`; User Guide, "Set up the execution role").
 */
function schedulerRequests(w: Where, action: string, p: Record<string, any>): RequiredAuthorization[] {
  const a = `scheduler:${action}`;
  const be = schedulerBackend(w.cloud, w.accountId, w.region);
  const group = String(p.GroupName ?? 'default');
  const groupTags = (name: string) => resourceTags(be.groups.get(name)?.tags);
  const tags = (raw: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const t of list<any>(raw)) out[String(t?.Key ?? '')] = String(t?.Value ?? '');
    return out;
  };
  switch (action) {
    case 'CreateSchedule':
    case 'UpdateSchedule': {
      const out = [req(a, be.scheduleArn(group, String(p.Name ?? '')))];
      const role = p.Target?.RoleArn;
      if (typeof role === 'string' && role !== '')
        out.push(req('iam:PassRole', role, { 'iam:PassedToService': 'scheduler.amazonaws.com' }));
      return out;
    }
    case 'GetSchedule':
    case 'DeleteSchedule':
      return [req(a, be.scheduleArn(group, String(p.Name ?? '')))];
    case 'CreateScheduleGroup':
      return [req(a, be.groupArn(String(p.Name ?? '')), requestTags(tags(p.Tags)))];
    case 'GetScheduleGroup':
    case 'DeleteScheduleGroup':
      return [req(a, be.groupArn(String(p.Name ?? '')), groupTags(String(p.Name ?? '')))];
    case 'TagResource':
    case 'UntagResource':
    case 'ListTagsForResource': {
      const arn = String(p.ResourceArn ?? '');
      const name = /:schedule-group\/([^/]+)$/.exec(arn)?.[1];
      const context = {
        ...(name === undefined ? {} : groupTags(name)),
        ...(action === 'TagResource' ? requestTags(tags(p.Tags)) : {}),
      };
      return arn === '' ? [] : [req(a, arn, context)];
    }
    default:
      return [req(a, '*')];
  }
}

function dynamoRequests(
  w: Omit<Where, 'cloud'>,
  action: string,
  p: Record<string, any>,
): RequiredAuthorization[] {
  const a = `dynamodb:${action}`;
  const table = (name: string) => `arn:aws:dynamodb:${w.region}:${w.accountId}:table/${name}`;
  if (action === 'BatchWriteItem' || action === 'BatchGetItem')
    return Object.keys(p.RequestItems ?? {}).map((t) => req(a, table(t)));
  if (!p.TableName) return [req(a, '*')];
  const base = table(String(p.TableName));
  return [req(a, p.IndexName ? `${base}/index/${String(p.IndexName)}` : base)];
}

/** Every authorization one call of `service:action` with `params` needs, the call's own action first. */
export function requiredAuthorizations(
  w: Where,
  service: string,
  action: string,
  params: Record<string, any>,
): RequiredAuthorization[] {
  const base = { 'aws:RequestedRegion': w.region };
  // A call naming no resource (an empty list) is still authorized, on "*".
  const withBase = (rs: RequiredAuthorization[]) =>
    (rs.length > 0 ? rs : [req(`${service}:${action}`, '*')]).map((r) => ({
      ...r,
      context: { ...base, ...r.context },
    }));
  switch (service) {
    case 'ecs':
      return withBase(ecsRequests(w, action, params));
    case 'elasticloadbalancing':
      return withBase(elbRequests(w, action, params));
    case 'autoscaling':
      return withBase(autoScalingRequests(w, action, params));
    case 'ec2':
      return withBase(ec2Requests(w, action, params));
    case 'logs':
      return withBase(logsRequests(w, action, params));
    case 'ssm':
      return withBase(ssmRequests(w, action, params));
    case 'dynamodb':
      return withBase(dynamoRequests(w, action, params));
    case 'secretsmanager':
      return withBase(secretsRequests(w, action, params));
    case 'monitoring':
      // CloudWatch's IAM prefix is `cloudwatch` (its signing name is `monitoring`); GetMetricData,
      // GetMetricStatistics and ListMetrics support no resource-level permissions (Service Authorization
      // Reference, "Amazon CloudWatch"): their resource is "*".
      return withBase([req(`cloudwatch:${action}`, '*')]);
    case 'application-autoscaling':
      return withBase(applicationAutoScalingRequests(w, action, params));
    case 'scheduler':
      return withBase(schedulerRequests(w, action, params));
    default:
      return withBase([req(`${service}:${action}`, '*')]);
  }
}
