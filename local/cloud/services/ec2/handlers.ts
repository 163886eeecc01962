import { ServiceError } from '../../core/service-error.ts';
import type { RequestContext, ServiceFactory } from '../../core/types.ts';
import { EC2_XMLNS } from '../../protocol/ec2-query.ts';
import { int, list, str } from '../../protocol/params.ts';
import type {
  Ec2Backend,
  Instance,
  LaunchTemplate,
  LaunchTemplateVersion,
  PermissionInput,
  SecurityGroup,
  SgRule,
} from './backend.ts';
import { ec2Backend, instanceStateCode, resourceTypeOf } from './backend.ts';
import { applyFilters, paginate, readFilters } from './filters.ts';
import { instanceTypeArchitecture } from './images.ts';
import type { NetworkInterface } from './network-interfaces.ts';
import { readTags, required, tagSet, tagsFromSpecs } from './request.ts';
import { vpcActions } from './vpc-handlers.ts';

const ec2Of = (ctx: RequestContext): Ec2Backend => ec2Backend(ctx.cloud, ctx.accountId, ctx.region);

// ---------- security groups ----------

/** Reads `IpPermissions.N` (and the legacy flat params) as the backend's permission input. */
function readPermissions(params: any): PermissionInput[] {
  const perms = list<any>(params.IpPermissions);
  if (
    perms.length === 0 &&
    (params.IpProtocol !== undefined ||
      params.CidrIp !== undefined ||
      params.SourceSecurityGroupName !== undefined)
  ) {
    perms.push({
      IpProtocol: params.IpProtocol ?? '-1',
      FromPort: params.FromPort,
      ToPort: params.ToPort,
      IpRanges: params.CidrIp ? [{ CidrIp: params.CidrIp }] : [],
      Groups: params.SourceSecurityGroupName ? [{ GroupName: params.SourceSecurityGroupName }] : [],
    });
  }
  const description = (r: any) => (r?.Description ? { description: String(r.Description) } : {});
  return perms.map((p) => ({
    ipProtocol: String(p?.IpProtocol ?? ''),
    fromPort: int(p?.FromPort),
    toPort: int(p?.ToPort),
    ipRanges: list<any>(p?.IpRanges).map((r) => ({ cidrIp: String(r?.CidrIp ?? ''), ...description(r) })),
    ipv6Ranges: list<any>(p?.Ipv6Ranges).map((r) => ({
      cidrIpv6: String(r?.CidrIpv6 ?? ''),
      ...description(r),
    })),
    groups: list<any>(p?.Groups).map((g) => ({
      ...(g?.GroupId ? { groupId: String(g.GroupId) } : { groupName: String(g?.GroupName ?? '') }),
      ...description(g),
    })),
  }));
}

/** Groups flattened rules back into EC2's `IpPermission` shape. */
function renderPermissions(rules: SgRule[], ownerId: string): unknown[] {
  const byKey = new Map<
    string,
    { ipProtocol: string; fromPort?: number; toPort?: number; rules: SgRule[] }
  >();
  for (const r of rules) {
    const key = `${r.ipProtocol}/${r.fromPort ?? ''}/${r.toPort ?? ''}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { ipProtocol: r.ipProtocol, rules: [] };
      if (r.fromPort !== undefined) entry.fromPort = r.fromPort;
      if (r.toPort !== undefined) entry.toPort = r.toPort;
      byKey.set(key, entry);
    }
    entry.rules.push(r);
  }
  return [...byKey.values()].map((e) => ({
    ipProtocol: e.ipProtocol,
    fromPort: e.fromPort,
    toPort: e.toPort,
    groups: e.rules
      .filter((r) => r.groupId)
      .map((r) => ({ description: r.description, userId: ownerId, groupId: r.groupId })),
    ipRanges: e.rules.filter((r) => r.cidrIp).map((r) => ({ description: r.description, cidrIp: r.cidrIp })),
    ipv6Ranges: e.rules
      .filter((r) => r.cidrIpv6)
      .map((r) => ({ description: r.description, cidrIpv6: r.cidrIpv6 })),
    prefixListIds: [],
  }));
}

function sgArn(ec2: Ec2Backend, id: string): string {
  return `arn:aws:ec2:${ec2.region}:${ec2.accountId}:security-group/${id}`;
}

function renderGroup(ec2: Ec2Backend, sg: SecurityGroup): unknown {
  return {
    ownerId: sg.ownerId,
    groupId: sg.groupId,
    groupName: sg.groupName,
    groupDescription: sg.description,
    vpcId: sg.vpcId,
    securityGroupArn: sgArn(ec2, sg.groupId),
    ipPermissions: renderPermissions(sg.ingress, sg.ownerId),
    ipPermissionsEgress: renderPermissions(sg.egress, sg.ownerId),
    tagSet: tagSet(ec2.tagsOf(sg.groupId)),
  };
}

function renderRuleSet(ec2: Ec2Backend, sg: SecurityGroup, rules: SgRule[], isEgress: boolean): unknown[] {
  return rules.map((r) => ({
    securityGroupRuleId: r.ruleId,
    groupId: sg.groupId,
    groupOwnerId: sg.ownerId,
    isEgress,
    ipProtocol: r.ipProtocol,
    fromPort: r.fromPort ?? -1,
    toPort: r.toPort ?? -1,
    cidrIpv4: r.cidrIp,
    cidrIpv6: r.cidrIpv6,
    referencedGroupInfo: r.groupId ? { groupId: r.groupId, userId: sg.ownerId } : undefined,
    description: r.description,
    securityGroupRuleArn: `arn:aws:ec2:${ec2.region}:${ec2.accountId}:security-group-rule/${r.ruleId}`,
  }));
}

/** The group a call names (`GroupId` or `GroupName`); by id, subject to the propagation window unless `consistent`. */
function targetGroup(ec2: Ec2Backend, params: any, options: { consistent?: boolean } = {}): SecurityGroup {
  const id = str(params.GroupId);
  if (id) {
    const sg = ec2.requireGroup(id);
    if (!options.consistent) ec2.assertPropagated(id);
    return sg;
  }
  const name = str(params.GroupName);
  if (name) return ec2.requireGroupByName(name);
  throw new ServiceError('MissingParameter', 'The request must contain the parameter groupName or groupId');
}

/** The rules a Revoke call names: by `SecurityGroupRuleId` when it gives any, else by `IpPermissions`. */
function rulesToRevoke(
  ec2: Ec2Backend,
  sg: SecurityGroup,
  direction: 'ingress' | 'egress',
  params: any,
): SgRule[] {
  const ruleIds = list<string>(params.SecurityGroupRuleId);
  return ruleIds.length > 0
    ? ruleIds.map((id) => ec2.requireRule(sg, direction, id))
    : ec2.rulesFrom(readPermissions(params));
}

// ---------- launch templates ----------

/** Request member names → response (XML) names of launch template data. */
function renderTemplateData(value: unknown, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => renderTemplateData(v, parentKey));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const lower = k.charAt(0).toLowerCase() + k.slice(1);
    if (Array.isArray(v)) {
      const name = parentKey === 'NetworkInterface' && k === 'SecurityGroupId' ? 'groupSet' : `${lower}Set`;
      out[name] = renderTemplateData(v, k);
    } else {
      out[lower] = renderTemplateData(v, k);
    }
  }
  return out;
}

function renderTemplate(ec2: Ec2Backend, lt: LaunchTemplate): unknown {
  return {
    launchTemplateId: lt.launchTemplateId,
    launchTemplateName: lt.launchTemplateName,
    createTime: lt.createTime,
    createdBy: lt.createdBy,
    defaultVersionNumber: lt.defaultVersionNumber,
    latestVersionNumber: lt.latestVersionNumber,
    tagSet: tagSet(ec2.tagsOf(lt.launchTemplateId)),
  };
}

function renderVersion(lt: LaunchTemplate, v: LaunchTemplateVersion): unknown {
  return {
    launchTemplateId: lt.launchTemplateId,
    launchTemplateName: lt.launchTemplateName,
    versionNumber: v.versionNumber,
    versionDescription: v.versionDescription,
    createTime: v.createTime,
    createdBy: lt.createdBy,
    defaultVersion: v.versionNumber === lt.defaultVersionNumber,
    launchTemplateData: renderTemplateData(v.data),
  };
}

function templateFromParams(ec2: Ec2Backend, params: any): LaunchTemplate {
  const id = str(params.LaunchTemplateId);
  const name = str(params.LaunchTemplateName);
  if (id && name) {
    throw new ServiceError(
      'InvalidParameterCombination',
      'The parameters launchTemplateId and launchTemplateName cannot be used together',
    );
  }
  if (!id && !name)
    throw new ServiceError(
      'MissingParameter',
      'The request must contain the parameter launchTemplateName or launchTemplateId',
    );
  return ec2.requireLaunchTemplate({ id, name });
}

// ---------- instances ----------

function renderInstance(ec2: Ec2Backend, i: Instance): unknown {
  const groups = i.securityGroupIds.map((id) => ({
    groupId: id,
    groupName: ec2.getSecurityGroup(id)?.groupName,
  }));
  const running = i.state !== 'terminated';
  return {
    instanceId: i.instanceId,
    imageId: i.imageId,
    instanceState: { code: instanceStateCode(i.state), name: i.state },
    privateDnsName: running
      ? `ip-${i.privateIpAddress.replace(/\./g, '-')}.${ec2.region === 'us-east-1' ? 'ec2.internal' : `${ec2.region}.compute.internal`}`
      : '',
    dnsName: '',
    reason: i.stateTransitionReason,
    amiLaunchIndex: 0,
    instanceType: i.instanceType,
    launchTime: i.launchTime,
    placement: { availabilityZone: i.availabilityZone, tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: running ? i.subnetId : undefined,
    vpcId: running ? i.vpcId : undefined,
    privateIpAddress: running ? i.privateIpAddress : undefined,
    ipAddress: running ? i.publicIpAddress : undefined,
    architecture: instanceTypeArchitecture(i.instanceType),
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    groupSet: groups,
    tagSet: tagSet(ec2.tagsOf(i.instanceId)),
    virtualizationType: 'hvm',
    hypervisor: 'xen',
    networkInterfaceSet: running
      ? [
          {
            networkInterfaceId: ec2.eniIdFor(i.instanceId),
            subnetId: i.subnetId,
            vpcId: i.vpcId,
            ownerId: ec2.accountId,
            status: 'in-use',
            privateIpAddress: i.privateIpAddress,
            groupSet: groups,
            attachment: { deviceIndex: 0, status: 'attached', deleteOnTermination: true },
          },
        ]
      : [],
  };
}

const INSTANCE_FIELDS = {
  'instance-id': (i: Instance) => i.instanceId,
  'instance-state-name': (i: Instance) => i.state,
  'instance-state-code': (i: Instance) => String(instanceStateCode(i.state)),
  'instance-type': (i: Instance) => i.instanceType,
  'image-id': (i: Instance) => i.imageId,
  'vpc-id': (i: Instance) => i.vpcId,
  'subnet-id': (i: Instance) => i.subnetId,
  'availability-zone': (i: Instance) => i.availabilityZone,
  'private-ip-address': (i: Instance) => i.privateIpAddress,
  'instance.group-id': (i: Instance) => i.securityGroupIds,
  'launch-template.launch-template-id': (i: Instance) => i.launchTemplate?.launchTemplateId,
};

/** EC2 (EC2 Query protocol, version 2016-11-15). */
export const ec2Service: ServiceFactory = (cloud) => {
  cloud.addStateDumper('ec2', () => {
    const out: Record<string, unknown> = {};
    for (const key of cloud.backendKeys('ec2')) {
      out[key] = ec2Backend(cloud, ...(key.split('/') as [string, string])).dump();
    }
    return out;
  });
  return {
    signingName: 'ec2',
    protocol: 'ec2',
    xmlNamespace: EC2_XMLNS,
    actions: {
      ...vpcActions,

      CreateSecurityGroup(params, ctx) {
        const ec2 = ec2Of(ctx);
        const name = required(params, 'GroupName');
        const description = required(params, 'GroupDescription');
        const tags = tagsFromSpecs(params.TagSpecification, 'security-group');
        const sg = ec2.createSecurityGroup(name, description, str(params.VpcId), tags);
        return {
          return: true,
          groupId: sg.groupId,
          securityGroupArn: sgArn(ec2, sg.groupId),
          tagSet: tagSet(tags),
        };
      },

      DescribeSecurityGroups(params, ctx) {
        const ec2 = ec2Of(ctx);
        const ids = list<string>(params.GroupId);
        const names = list<string>(params.GroupName);
        if ((ids.length > 0 || names.length > 0) && params.MaxResults !== undefined) {
          throw new ServiceError(
            'InvalidParameterCombination',
            'The parameter groupIds or groupNames cannot be used with the parameter maxResults',
          );
        }
        let groups: SecurityGroup[];
        if (ids.length > 0 || names.length > 0) {
          for (const id of ids) {
            ec2.requireGroup(id);
            ec2.assertPropagated(id);
          }
          groups = [...ids.map((id) => ec2.requireGroup(id)), ...names.map((n) => ec2.requireGroupByName(n))];
          groups = [...new Set(groups)];
        } else {
          groups = [...ec2.securityGroups.values()];
        }
        groups = applyFilters(
          groups,
          readFilters(params.Filter),
          {
            'group-name': (g) => g.groupName,
            'group-id': (g) => g.groupId,
            'vpc-id': (g) => g.vpcId,
            description: (g) => g.description,
            'owner-id': (g) => g.ownerId,
            'ip-permission.group-id': (g) => g.ingress.flatMap((r) => (r.groupId ? [r.groupId] : [])),
            'ip-permission.cidr': (g) => g.ingress.flatMap((r) => (r.cidrIp ? [r.cidrIp] : [])),
          },
          (g) => ec2.tagsOf(g.groupId),
        );
        const { page, nextToken } = paginate(groups, params);
        return { securityGroupInfo: page.map((g) => renderGroup(ec2, g)), nextToken };
      },

      AuthorizeSecurityGroupIngress(params, ctx) {
        const ec2 = ec2Of(ctx);
        const sg = targetGroup(ec2, params);
        const rules = ec2.rulesFrom(readPermissions(params));
        ec2.authorize(sg, 'ingress', rules);
        return { return: true, securityGroupRuleSet: renderRuleSet(ec2, sg, rules, false) };
      },

      AuthorizeSecurityGroupEgress(params, ctx) {
        const ec2 = ec2Of(ctx);
        const sg = ec2.requireGroup(required(params, 'GroupId'));
        const rules = ec2.rulesFrom(readPermissions(params));
        ec2.authorize(sg, 'egress', rules);
        return { return: true, securityGroupRuleSet: renderRuleSet(ec2, sg, rules, true) };
      },

      RevokeSecurityGroupIngress(params, ctx) {
        const ec2 = ec2Of(ctx);
        const sg = targetGroup(ec2, params);
        ec2.revoke(sg, 'ingress', rulesToRevoke(ec2, sg, 'ingress', params));
        return { return: true };
      },

      RevokeSecurityGroupEgress(params, ctx) {
        const ec2 = ec2Of(ctx);
        const sg = ec2.requireGroup(required(params, 'GroupId'));
        ec2.revoke(sg, 'egress', rulesToRevoke(ec2, sg, 'egress', params));
        return { return: true };
      },

      DeleteSecurityGroup(params, ctx) {
        const ec2 = ec2Of(ctx);
        const sg = targetGroup(ec2, params, { consistent: true });
        ec2.deleteSecurityGroup(sg);
        return { return: true, groupId: sg.groupId };
      },

      CreateTags(params, ctx) {
        const ec2 = ec2Of(ctx);
        const ids = list<string>(params.ResourceId);
        if (ids.length === 0)
          throw new ServiceError('MissingParameter', 'The request must contain the parameter resourceIdSet');
        const tags = readTags(params.Tag);
        if (Object.keys(tags).length === 0)
          throw new ServiceError('MissingParameter', 'The request must contain the parameter tagSet');
        ec2.tagResources(ids, tags);
        return { return: true };
      },

      DeleteTags(params, ctx) {
        const ec2 = ec2Of(ctx);
        const ids = list<string>(params.ResourceId);
        if (ids.length === 0)
          throw new ServiceError('MissingParameter', 'The request must contain the parameter resourceIdSet');
        for (const id of ids) ec2.requireTaggable(id);
        const tags = list<any>(params.Tag);
        for (const id of ids) {
          if (tags.length === 0) {
            for (const key of Object.keys(ec2.tagsOf(id))) ec2.deleteTag(id, key);
          }
          for (const t of tags)
            ec2.deleteTag(id, String(t?.Key ?? ''), t?.Value === undefined ? undefined : String(t.Value));
        }
        return { return: true };
      },

      DescribeTags(params, ctx) {
        const ec2 = ec2Of(ctx);
        const all: Array<{ resourceId: string; resourceType: string; key: string; value: string }> = [];
        for (const [id, tags] of ec2.tags) {
          if (!ec2.resourceExists(id)) continue;
          for (const [key, value] of tags)
            all.push({ resourceId: id, resourceType: resourceTypeOf(id), key, value });
        }
        all.sort((a, b) => a.resourceId.localeCompare(b.resourceId) || a.key.localeCompare(b.key));
        const filtered = applyFilters(
          all,
          readFilters(params.Filter),
          {
            'resource-id': (t) => t.resourceId,
            'resource-type': (t) => t.resourceType,
            key: (t) => t.key,
            value: (t) => t.value,
          },
          (t) => ({ [t.key]: t.value }),
        );
        const { page, nextToken } = paginate(filtered, params);
        return { tagSet: page, nextToken };
      },

      CreateLaunchTemplate(params, ctx) {
        const ec2 = ec2Of(ctx);
        const name = required(params, 'LaunchTemplateName');
        if (params.LaunchTemplateData === undefined) {
          throw new ServiceError(
            'MissingParameter',
            'The request must contain the parameter LaunchTemplateData',
          );
        }
        const data = typeof params.LaunchTemplateData === 'object' ? params.LaunchTemplateData : {};
        const tags = tagsFromSpecs(params.TagSpecification, 'launch-template');
        const lt = ec2.createLaunchTemplate(name, data, str(params.VersionDescription), tags);
        return { launchTemplate: renderTemplate(ec2, lt) };
      },

      CreateLaunchTemplateVersion(params, ctx) {
        const ec2 = ec2Of(ctx);
        const lt = templateFromParams(ec2, params);
        if (params.LaunchTemplateData === undefined) {
          throw new ServiceError(
            'MissingParameter',
            'The request must contain the parameter LaunchTemplateData',
          );
        }
        const data = typeof params.LaunchTemplateData === 'object' ? params.LaunchTemplateData : {};
        const version = ec2.createLaunchTemplateVersion(
          lt,
          data,
          str(params.VersionDescription),
          str(params.SourceVersion),
        );
        return { launchTemplateVersion: renderVersion(lt, version) };
      },

      DescribeLaunchTemplates(params, ctx) {
        const ec2 = ec2Of(ctx);
        const ids = list<string>(params.LaunchTemplateId);
        const names = list<string>(params.LaunchTemplateName);
        let templates: LaunchTemplate[];
        if (ids.length > 0 || names.length > 0) {
          for (const id of ids) ec2.requireLaunchTemplate({ id });
          templates = [
            ...ids.map((id) => ec2.requireLaunchTemplate({ id })),
            ...names.map((name) => ec2.requireLaunchTemplate({ name })),
          ];
        } else {
          templates = [...ec2.launchTemplates.values()];
        }
        templates = applyFilters(
          templates,
          readFilters(params.Filter),
          {
            'launch-template-name': (t) => t.launchTemplateName,
            'create-time': (t) => t.createTime.toISOString(),
          },
          (t) => ec2.tagsOf(t.launchTemplateId),
        );
        const { page, nextToken } = paginate(templates, params, { min: 1, max: 200 });
        return { launchTemplates: page.map((t) => renderTemplate(ec2, t)), nextToken };
      },

      DescribeLaunchTemplateVersions(params, ctx) {
        const ec2 = ec2Of(ctx);
        const lt = templateFromParams(ec2, params);
        const wanted = list<string>(params.LaunchTemplateVersion);
        let versions: LaunchTemplateVersion[];
        if (wanted.length > 0) {
          versions = wanted.map((w) => ec2.requireVersion(lt, w));
        } else {
          const min = int(params.MinVersion) ?? 1;
          const max = int(params.MaxVersion) ?? Number.MAX_SAFE_INTEGER;
          versions = lt.versions.filter((v) => v.versionNumber >= min && v.versionNumber <= max).reverse();
        }
        const { page, nextToken } = paginate(versions, params, { min: 1, max: 200 });
        return { launchTemplateVersionSet: page.map((v) => renderVersion(lt, v)), nextToken };
      },

      DeleteLaunchTemplate(params, ctx) {
        const ec2 = ec2Of(ctx);
        const lt = templateFromParams(ec2, params);
        const rendered = renderTemplate(ec2, lt);
        ec2.deleteLaunchTemplate(lt);
        return { launchTemplate: rendered };
      },

      DescribeInstances(params, ctx) {
        const ec2 = ec2Of(ctx);
        const ids = list<string>(params.InstanceId);
        if (ids.length > 0 && params.MaxResults !== undefined) {
          throw new ServiceError(
            'InvalidParameterCombination',
            'The parameter instancesSet cannot be used with the parameter maxResults',
          );
        }
        let instances =
          ids.length > 0 ? ids.map((id) => ec2.requireInstance(id)) : [...ec2.instances.values()];
        instances = applyFilters(instances, readFilters(params.Filter), INSTANCE_FIELDS, (i) =>
          ec2.tagsOf(i.instanceId),
        );
        const { page, nextToken } = paginate(instances, params);
        return {
          reservationSet: page.map((i) => ({
            reservationId: `r-${i.instanceId.slice(2)}`,
            ownerId: ec2.accountId,
            requesterId: i.autoScalingGroupName ? '940372691376' : undefined,
            groupSet: [],
            instancesSet: [renderInstance(ec2, i)],
          })),
          nextToken,
        };
      },

      TerminateInstances(params, ctx) {
        const ec2 = ec2Of(ctx);
        const ids = list<string>(params.InstanceId);
        if (ids.length === 0)
          throw new ServiceError('MissingParameter', 'The request must contain the parameter InstanceId');
        const changes = ec2.terminateInstances(ids).map(({ instance, previous }) => ({
          instanceId: instance.instanceId,
          currentState: { code: instanceStateCode(instance.state), name: instance.state },
          previousState: { code: instanceStateCode(previous), name: previous },
        }));
        return { instancesSet: changes };
      },

      DescribeNetworkInterfaces(params, ctx) {
        const ec2 = ec2Of(ctx);
        const filtered = applyFilters(
          ec2.requireNetworkInterfaces(list<string>(params.NetworkInterfaceId)),
          readFilters(params.Filter),
          {
            'group-id': (e) => e.groupIds,
            'group-name': (e) => e.groupIds.map((id) => ec2.getSecurityGroup(id)?.groupName ?? ''),
            'vpc-id': (e) => e.vpcId,
            'subnet-id': (e) => e.subnetId,
            'availability-zone': (e) => e.availabilityZone,
            description: (e) => e.description,
            'network-interface-id': (e) => e.networkInterfaceId,
            'attachment.instance-id': (e) => e.attachment?.instanceId,
            'attachment.status': (e) => e.attachment?.status,
            'requester-managed': (e) => String(e.requesterManaged),
            'requester-id': (e) => e.requesterId,
            'interface-type': (e) => e.interfaceType,
            'owner-id': (e) => e.ownerId,
            status: (e) => e.status,
          },
          () => ({}),
        );
        const { page, nextToken } = paginate(filtered, params);
        return { networkInterfaceSet: page.map((e) => renderInterface(ec2, e)), nextToken };
      },
    },
  };
};

/** One interface as DescribeNetworkInterfaces renders it. */
function renderInterface(ec2: Ec2Backend, eni: NetworkInterface): Record<string, unknown> {
  return {
    networkInterfaceId: eni.networkInterfaceId,
    subnetId: eni.subnetId,
    vpcId: eni.vpcId,
    availabilityZone: eni.availabilityZone,
    description: eni.description,
    ownerId: eni.ownerId,
    requesterId: eni.requesterId,
    requesterManaged: eni.requesterManaged,
    status: eni.status,
    macAddress: eni.macAddress,
    privateIpAddress: eni.privateIpAddress,
    privateDnsName: `ip-${eni.privateIpAddress.replace(/\./g, '-')}.ec2.internal`,
    sourceDestCheck: true,
    interfaceType: eni.interfaceType,
    groupSet: eni.groupIds.map((id) => ({
      groupId: id,
      groupName: ec2.getSecurityGroup(id)?.groupName ?? '',
    })),
    attachment: eni.attachment,
    privateIpAddressesSet: [{ privateIpAddress: eni.privateIpAddress, primary: true }],
    tagSet: [],
  };
}
