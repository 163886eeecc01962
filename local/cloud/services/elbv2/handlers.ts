import type { IncomingMessage } from 'node:http';
import type { Cloud } from '../../core/cloud.ts';
import { ServiceError } from '../../core/service-error.ts';
import type { RequestContext, ServiceDefinition } from '../../core/types.ts';
import { LOAD_BALANCER_HEADER } from '../../dataplane/alb-proxy.ts';
import { bool, int, list, str } from '../../protocol/params.ts';
import {
  type Action,
  albDnsRegistry,
  type Condition,
  type Elbv2Backend,
  elbv2Backend,
  type Listener,
  type LoadBalancer,
  type Rule,
  type Tags,
  type TargetGroup,
} from './backend.ts';

const XMLNS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

const backendOf = (ctx: RequestContext): Elbv2Backend => elbv2Backend(ctx.cloud, ctx.accountId, ctx.region);

function tagsParam(value: unknown): Tags {
  const out: Tags = {};
  for (const t of list<{ Key?: string; Value?: string }>(value)) {
    if (t.Key === undefined) continue;
    if (t.Key in out)
      throw new ServiceError('DuplicateTagKeys', `Tag key '${t.Key}' specified more than once`);
    out[t.Key] = t.Value ?? '';
  }
  return out;
}

/** A key → value map as ELBv2 lists it, `[{ Key, Value }]` (tags, attributes). */
const keyValueList = (map: Readonly<Record<string, string>>): { Key: string; Value: string }[] =>
  Object.entries(map).map(([Key, Value]) => ({ Key, Value }));

function attributesParam(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of list<{ Key?: string; Value?: string }>(value)) if (a.Key) out[a.Key] = a.Value ?? '';
  return out;
}

function actionsParam(value: unknown): Action[] {
  return list<any>(value).map((a) => {
    const type = String(a.Type ?? '');
    const action: Action = { type };
    const order = int(a.Order);
    if (order !== undefined) action.order = order;
    if (a.TargetGroupArn) action.targetGroupArn = String(a.TargetGroupArn);
    const forward = list<any>(a.ForwardConfig?.TargetGroups);
    if (forward.length > 0)
      action.forwardTargetGroups = forward.map((t) => ({
        targetGroupArn: String(t.TargetGroupArn),
        weight: int(t.Weight) ?? 1,
      }));
    if (a.FixedResponseConfig) {
      action.fixedResponse = {
        statusCode: String(a.FixedResponseConfig.StatusCode ?? ''),
        ...(a.FixedResponseConfig.ContentType
          ? { contentType: String(a.FixedResponseConfig.ContentType) }
          : {}),
        ...(a.FixedResponseConfig.MessageBody
          ? { messageBody: String(a.FixedResponseConfig.MessageBody) }
          : {}),
      };
    }
    return action;
  });
}

function conditionsParam(value: unknown): Condition[] {
  return list<any>(value).map((c) => {
    const field = String(c.Field ?? '');
    let values = list<string>(c.Values).map(String);
    if (values.length === 0 && field === 'host-header')
      values = list<string>(c.HostHeaderConfig?.Values).map(String);
    if (values.length === 0 && field === 'path-pattern')
      values = list<string>(c.PathPatternConfig?.Values).map(String);
    return { field, values };
  });
}

const renderAction = (a: Action): Record<string, unknown> => ({
  Type: a.type,
  ...(a.order === undefined ? {} : { Order: a.order }),
  ...(a.targetGroupArn ? { TargetGroupArn: a.targetGroupArn } : {}),
  ...(a.type === 'forward'
    ? {
        ForwardConfig: {
          TargetGroups: a.forwardTargetGroups
            ? a.forwardTargetGroups.map((t) => ({ TargetGroupArn: t.targetGroupArn, Weight: t.weight }))
            : [{ TargetGroupArn: a.targetGroupArn, Weight: 1 }],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      }
    : {}),
  ...(a.fixedResponse
    ? {
        FixedResponseConfig: {
          StatusCode: a.fixedResponse.statusCode,
          ContentType: a.fixedResponse.contentType,
          MessageBody: a.fixedResponse.messageBody,
        },
      }
    : {}),
});

const renderLoadBalancer = (lb: LoadBalancer): Record<string, unknown> => ({
  LoadBalancerArn: lb.arn,
  DNSName: lb.dnsName,
  CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
  CreatedTime: lb.createdTime,
  LoadBalancerName: lb.name,
  Scheme: lb.scheme,
  VpcId: lb.vpcId,
  State: { Code: lb.state },
  Type: lb.type,
  AvailabilityZones: lb.zones.map((z) => ({
    ZoneName: z.zoneName,
    SubnetId: z.subnetId,
    LoadBalancerAddresses: [],
  })),
  SecurityGroups: lb.securityGroups,
  IpAddressType: lb.ipAddressType,
});

const renderTargetGroup = (b: Elbv2Backend, tg: TargetGroup): Record<string, unknown> => ({
  TargetGroupArn: tg.arn,
  TargetGroupName: tg.name,
  Protocol: tg.protocol,
  Port: tg.port,
  VpcId: tg.vpcId,
  HealthCheckProtocol: tg.healthCheckProtocol,
  HealthCheckPort: tg.healthCheck.port,
  HealthCheckEnabled: tg.healthCheck.enabled,
  HealthCheckIntervalSeconds: tg.healthCheck.intervalSeconds,
  HealthCheckTimeoutSeconds: tg.healthCheck.timeoutSeconds,
  HealthyThresholdCount: tg.healthCheck.healthyThreshold,
  UnhealthyThresholdCount: tg.healthCheck.unhealthyThreshold,
  HealthCheckPath: tg.healthCheck.path,
  Matcher: { HttpCode: tg.healthCheck.matcher },
  LoadBalancerArns: b.loadBalancerArnsOf(tg.arn),
  TargetType: tg.targetType,
  ProtocolVersion: tg.protocolVersion,
  IpAddressType: 'ipv4',
});

const renderListener = (l: Listener): Record<string, unknown> => ({
  ListenerArn: l.arn,
  LoadBalancerArn: l.loadBalancerArn,
  Port: l.port,
  Protocol: l.protocol,
  DefaultActions: l.defaultActions.map(renderAction),
});

const renderRule = (r: Rule): Record<string, unknown> => ({
  RuleArn: r.arn,
  Priority: String(r.priority),
  Conditions: r.conditions.map((c) => ({
    Field: c.field,
    Values: c.values,
    ...(c.field === 'host-header' ? { HostHeaderConfig: { Values: c.values } } : {}),
    ...(c.field === 'path-pattern' ? { PathPatternConfig: { Values: c.values } } : {}),
  })),
  Actions: r.actions.map(renderAction),
  IsDefault: r.priority === 'default',
});

/** Marker pagination over a full list (`Marker` is the next offset). */
function page<T>(items: T[], params: any): { items: T[]; NextMarker?: string } {
  const size = int(params.PageSize) ?? 400;
  if (size < 1 || size > 400)
    throw new ServiceError(
      'ValidationError',
      `1 validation error detected: Value '${size}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400`,
    );
  const marker = str(params.Marker);
  const start = marker === undefined ? 0 : Number(Buffer.from(marker, 'base64').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) throw new ServiceError('ValidationError', 'Invalid marker');
  const slice = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(String(start + size)).toString('base64') : undefined;
  return { items: slice, ...(next === undefined ? {} : { NextMarker: next }) };
}

function healthCheckParams(p: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (k: string, v: unknown): void => {
    if (v !== undefined) out[k] = v;
  };
  set('healthCheckProtocol', str(p.HealthCheckProtocol));
  set('healthCheckPort', str(p.HealthCheckPort));
  set('healthCheckPath', str(p.HealthCheckPath));
  set('healthCheckEnabled', bool(p.HealthCheckEnabled));
  set('intervalSeconds', int(p.HealthCheckIntervalSeconds));
  set('timeoutSeconds', int(p.HealthCheckTimeoutSeconds));
  set('healthyThreshold', int(p.HealthyThresholdCount));
  set('unhealthyThreshold', int(p.UnhealthyThresholdCount));
  set('matcher', str(p.Matcher?.HttpCode));
  return out;
}

const registeredClouds = new WeakSet<Cloud>();

/**
 * Registers the ALB front door on the cloud's main port once per cloud. A request reaches an ALB's
 * port-80 listener when its `x-berth-load-balancer` header names the ALB's DNS name (the request's
 * own `Host` then goes to the listener rules, e.g. a shared-mode `demo.berth.internal`), or else
 * when its `Host` is the ALB's DNS name. The header wins when both are present.
 */
function registerFrontDoor(cloud: Cloud): void {
  if (registeredClouds.has(cloud)) return;
  registeredClouds.add(cloud);
  const albName = (req: IncomingMessage): string | undefined => {
    const named = req.headers[LOAD_BALANCER_HEADER];
    const value = typeof named === 'string' && named !== '' ? named : req.headers.host;
    const host = (value ?? '').trim().replace(/:\d+$/, '').toLowerCase();
    return host.endsWith('.elb.localhost') ? host : undefined;
  };
  cloud.addHttpRoute({
    match: (req) => req.headers[LOAD_BALANCER_HEADER] !== undefined || albName(req) !== undefined,
    handle: (req, res) => {
      const name = albName(req);
      const listener =
        name === undefined ? undefined : albDnsRegistry(cloud).get(name)?.frontDoorListener(name);
      if (!listener) {
        req.resume();
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end(`No load balancer answers to ${name ?? 'this host name'}\n`);
        return;
      }
      listener.proxy.handle(req, res);
    },
  });
  cloud.addStateDumper('elbv2', () => {
    const out: Record<string, unknown> = {};
    for (const backend of new Set(albDnsRegistry(cloud).values()))
      out[`${backend.accountId}/${backend.region}`] = backend.dump();
    return out;
  });
}

/** ELBv2 (Query protocol, 2015-12-01). */
export function elbv2Service(cloud: Cloud): ServiceDefinition {
  registerFrontDoor(cloud);
  return {
    signingName: 'elasticloadbalancing',
    protocol: 'query',
    xmlNamespace: XMLNS,
    actions: {
      CreateLoadBalancer: (p, ctx) => {
        const subnets = list<string>(p.Subnets).map(String);
        for (const m of list<any>(p.SubnetMappings)) if (m.SubnetId) subnets.push(String(m.SubnetId));
        const lb = backendOf(ctx).createLoadBalancer({
          name: str(p.Name) ?? '',
          subnets,
          securityGroups: list<string>(p.SecurityGroups).map(String),
          ...(str(p.Scheme) ? { scheme: str(p.Scheme) as string } : {}),
          ...(str(p.Type) ? { type: str(p.Type) as string } : {}),
          ...(str(p.IpAddressType) ? { ipAddressType: str(p.IpAddressType) as string } : {}),
          tags: tagsParam(p.Tags),
        });
        return { LoadBalancers: [renderLoadBalancer(lb)] };
      },
      DescribeLoadBalancers: (p, ctx) => {
        const lbs = backendOf(ctx).describeLoadBalancers(
          list<string>(p.LoadBalancerArns),
          list<string>(p.Names),
        );
        const { items, NextMarker } = page(lbs, p);
        return { LoadBalancers: items.map(renderLoadBalancer), NextMarker };
      },
      DeleteLoadBalancer: (p, ctx) => {
        backendOf(ctx).deleteLoadBalancer(str(p.LoadBalancerArn) ?? '');
        return {};
      },
      DescribeLoadBalancerAttributes: (p, ctx) => {
        const lb = backendOf(ctx).getLoadBalancer(str(p.LoadBalancerArn) ?? '');
        return { Attributes: keyValueList(lb.attributes) };
      },
      ModifyLoadBalancerAttributes: (p, ctx) => {
        const attrs = backendOf(ctx).modifyLoadBalancerAttributes(
          str(p.LoadBalancerArn) ?? '',
          attributesParam(p.Attributes),
        );
        return { Attributes: keyValueList(attrs) };
      },
      CreateTargetGroup: (p, ctx) => {
        const b = backendOf(ctx);
        const port = int(p.Port);
        const tg = b.createTargetGroup({
          name: str(p.Name) ?? '',
          ...(str(p.Protocol) ? { protocol: str(p.Protocol) as string } : {}),
          ...(port === undefined ? {} : { port }),
          ...(str(p.VpcId) ? { vpcId: str(p.VpcId) as string } : {}),
          ...(str(p.TargetType) ? { targetType: str(p.TargetType) as string } : {}),
          ...(str(p.ProtocolVersion) ? { protocolVersion: str(p.ProtocolVersion) as string } : {}),
          ...healthCheckParams(p),
          tags: tagsParam(p.Tags),
        });
        return { TargetGroups: [renderTargetGroup(b, tg)] };
      },
      DescribeTargetGroups: (p, ctx) => {
        const b = backendOf(ctx);
        const tgs = b.describeTargetGroups({
          ...(str(p.LoadBalancerArn) ? { loadBalancerArn: str(p.LoadBalancerArn) as string } : {}),
          arns: list<string>(p.TargetGroupArns),
          names: list<string>(p.Names),
        });
        const { items, NextMarker } = page(tgs, p);
        return { TargetGroups: items.map((tg) => renderTargetGroup(b, tg)), NextMarker };
      },
      ModifyTargetGroup: (p, ctx) => {
        const b = backendOf(ctx);
        const tg = b.modifyTargetGroup(str(p.TargetGroupArn) ?? '', healthCheckParams(p));
        return { TargetGroups: [renderTargetGroup(b, tg)] };
      },
      DescribeTargetGroupAttributes: (p, ctx) => {
        const tg = backendOf(ctx).getTargetGroup(str(p.TargetGroupArn) ?? '');
        return { Attributes: keyValueList(tg.attributes) };
      },
      ModifyTargetGroupAttributes: (p, ctx) => {
        const attrs = backendOf(ctx).modifyTargetGroupAttributes(
          str(p.TargetGroupArn) ?? '',
          attributesParam(p.Attributes),
        );
        return { Attributes: keyValueList(attrs) };
      },
      DeleteTargetGroup: (p, ctx) => {
        backendOf(ctx).deleteTargetGroup(str(p.TargetGroupArn) ?? '');
        return {};
      },
      RegisterTargets: (p, ctx) => {
        backendOf(ctx).registerTargets(str(p.TargetGroupArn) ?? '', targetsParam(p.Targets));
        return {};
      },
      DeregisterTargets: (p, ctx) => {
        backendOf(ctx).deregisterTargets(str(p.TargetGroupArn) ?? '', targetsParam(p.Targets));
        return {};
      },
      DescribeTargetHealth: (p, ctx) => {
        const b = backendOf(ctx);
        const arn = str(p.TargetGroupArn) ?? '';
        const tg = b.getTargetGroup(arn);
        const rows = b.describeTargetHealth(arn, targetsParam(p.Targets));
        return {
          TargetHealthDescriptions: rows.map((r) => ({
            Target: { Id: r.target.id, Port: r.target.port, AvailabilityZone: r.target.availabilityZone },
            HealthCheckPort:
              tg.healthCheck.port === 'traffic-port' ? String(r.target.port) : tg.healthCheck.port,
            TargetHealth: {
              State: r.health.state,
              Reason: r.health.reason,
              Description: r.health.description,
            },
          })),
        };
      },
      CreateListener: (p, ctx) => {
        const listener = backendOf(ctx).createListener({
          loadBalancerArn: str(p.LoadBalancerArn) ?? '',
          port: int(p.Port) ?? 0,
          protocol: str(p.Protocol) ?? 'HTTP',
          defaultActions: actionsParam(p.DefaultActions),
        });
        const tags = tagsParam(p.Tags);
        if (Object.keys(tags).length > 0) backendOf(ctx).addTags([listener.arn], tags);
        return { Listeners: [renderListener(listener)] };
      },
      DescribeListeners: (p, ctx) => {
        const ls = backendOf(ctx).describeListeners(str(p.LoadBalancerArn), list<string>(p.ListenerArns));
        const { items, NextMarker } = page(ls, p);
        return { Listeners: items.map(renderListener), NextMarker };
      },
      ModifyListener: (p, ctx) => {
        const port = int(p.Port);
        const l = backendOf(ctx).modifyListener(str(p.ListenerArn) ?? '', {
          ...(port === undefined ? {} : { port }),
          ...(str(p.Protocol) ? { protocol: str(p.Protocol) as string } : {}),
          defaultActions: actionsParam(p.DefaultActions),
        });
        return { Listeners: [renderListener(l)] };
      },
      DeleteListener: (p, ctx) => {
        backendOf(ctx).deleteListener(str(p.ListenerArn) ?? '');
        return {};
      },
      CreateRule: (p, ctx) => {
        const rule = backendOf(ctx).createRule({
          listenerArn: str(p.ListenerArn) ?? '',
          priority: int(p.Priority) ?? 0,
          conditions: conditionsParam(p.Conditions),
          actions: actionsParam(p.Actions),
          tags: tagsParam(p.Tags),
        });
        return { Rules: [renderRule(rule)] };
      },
      DescribeRules: (p, ctx) => {
        const rules = backendOf(ctx).describeRules(str(p.ListenerArn), list<string>(p.RuleArns));
        const { items, NextMarker } = page(rules, p);
        return { Rules: items.map(renderRule), NextMarker };
      },
      ModifyRule: (p, ctx) => {
        const rule = backendOf(ctx).modifyRule(str(p.RuleArn) ?? '', {
          conditions: conditionsParam(p.Conditions),
          actions: actionsParam(p.Actions),
        });
        return { Rules: [renderRule(rule)] };
      },
      DeleteRule: (p, ctx) => {
        backendOf(ctx).deleteRule(str(p.RuleArn) ?? '');
        return {};
      },
      AddTags: (p, ctx) => {
        backendOf(ctx).addTags(list<string>(p.ResourceArns), tagsParam(p.Tags));
        return {};
      },
      RemoveTags: (p, ctx) => {
        backendOf(ctx).removeTags(list<string>(p.ResourceArns), list<string>(p.TagKeys));
        return {};
      },
      DescribeTags: (p, ctx) => ({
        TagDescriptions: backendOf(ctx)
          .describeTags(list<string>(p.ResourceArns))
          .map((d) => ({ ResourceArn: d.arn, Tags: keyValueList(d.tags) })),
      }),
    },
  };
}

function targetsParam(value: unknown): { id: string; port?: number; availabilityZone?: string }[] {
  return list<any>(value).map((t) => {
    const port = int(t.Port);
    return {
      id: String(t.Id ?? ''),
      ...(port === undefined ? {} : { port }),
      ...(t.AvailabilityZone ? { availabilityZone: String(t.AvailabilityZone) } : {}),
    };
  });
}
