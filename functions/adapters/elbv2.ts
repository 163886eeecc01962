import {
  type Action,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  type CreateTargetGroupCommandInput,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  type LoadBalancer,
  ModifyListenerCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  type Rule,
  type RuleCondition,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsRequestError, RouteConflictError, ValidationError } from '../core/errors.ts';
import type {
  ObservedListener,
  ObservedListenerRule,
  ObservedLoadBalancer,
  ObservedTarget,
  ObservedTargetGroup,
  Tags,
} from '../core/observed.ts';
import type { TargetGroupHealthCheck } from '../core/plan.ts';
import { describeRoute, lowestFreePriority } from '../core/shared-route.ts';
import {
  fromAwsTags,
  isOwnedBy,
  MANAGED_BY_BERTH,
  TAG_ENV,
  TAG_MANAGED_BY,
  TAG_OWNER,
  toAwsTags,
} from '../core/tags.ts';
import { awsErrorCode, deleteUnlessGone, hasAwsCode, mapAwsError } from './map-aws-error.ts';

const TG_GONE = ['TargetGroupNotFound', 'TargetGroupNotFoundException'];
const LB_GONE = ['LoadBalancerNotFound', 'LoadBalancerNotFoundException'];
const LISTENER_GONE = ['ListenerNotFound', 'ListenerNotFoundException'];
const RULE_GONE = ['RuleNotFound', 'RuleNotFoundException'];

export interface TargetGroupInput {
  readonly env: string;
  readonly name: string;
  readonly vpcId: string;
  readonly port: number;
  /** `instance` for bridge/host, `ip` for awsvpc. */
  readonly targetType: 'instance' | 'ip';
  readonly healthCheck: TargetGroupHealthCheck;
  /** Seconds a draining target keeps connections (ephemeral envs: short; AWS default 300). */
  readonly deregistrationDelaySeconds?: number;
  readonly tags: Tags;
}

export interface LoadBalancerInput {
  readonly env: string;
  readonly name: string;
  readonly subnets: readonly string[];
  readonly securityGroupIds: readonly string[];
  readonly tags: Tags;
}

export interface ListenerRuleInput {
  readonly env: string;
  readonly listenerArn: string;
  readonly targetGroupArn: string;
  readonly host?: string;
  readonly pathPrefix?: string;
  readonly tags: Tags;
}

/** Deregistration delay used unless given: environments are ephemeral, drain fast. */
export const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 30;
/** Creates of a shared listener rule tried (each after re-reading the rules) before giving up. */
const MAX_PRIORITY_ATTEMPTS = 10;

/** The listener rule conditions for a shared-mode environment. */
function ruleConditions(input: { readonly host?: string; readonly pathPrefix?: string }): RuleCondition[] {
  const conditions: RuleCondition[] = [];
  if (input.host !== undefined) {
    conditions.push({ Field: 'host-header', HostHeaderConfig: { Values: [input.host] } });
  }
  if (input.pathPrefix !== undefined) {
    const prefix = input.pathPrefix.replace(/\/+$/, '');
    const values = prefix === '' ? ['/*'] : [prefix, `${prefix}/*`];
    conditions.push({ Field: 'path-pattern', PathPatternConfig: { Values: values } });
  }
  return conditions;
}

/**
 * A comparable form of rule conditions: the host-header and path-pattern values (lower-cased hosts, sorted),
 * whichever way the rule spells them (`HostHeaderConfig` or the older `Values`). Other condition fields make a
 * rule match a narrower set of requests: they are part of the key, so such a rule never equals Berth's.
 */
function conditionsKey(conditions: readonly RuleCondition[]): string {
  const parts = conditions.map((c) => {
    const field = c.Field ?? '';
    const values =
      field === 'host-header'
        ? (c.HostHeaderConfig?.Values ?? c.Values ?? []).map((v) => v.toLowerCase())
        : field === 'path-pattern'
          ? (c.PathPatternConfig?.Values ?? c.Values ?? [])
          : [JSON.stringify(c)];
    return `${field}=${[...values].sort().join(',')}`;
  });
  return parts.sort().join(';');
}

/**
 * ELBv2 side of an environment: target group, dedicated ALB + listener, or a rule on the shared
 * listener.
 *
 * @example
 * const elb = new AwsElbv2Adapter(clients.elbv2);
 * const tg = await elb.createTargetGroup({ env: 'demo', name: 'berth-demo-tg', ... });
 */
export class AwsElbv2Adapter {
  constructor(private readonly client: ElasticLoadBalancingV2Client) {}

  private async tagsOf(arns: readonly string[]): Promise<Map<string, Tags>> {
    const result = new Map<string, Tags>();
    for (let i = 0; i < arns.length; i += 20) {
      const batch = arns.slice(i, i + 20);
      try {
        const out = await this.client.send(new DescribeTagsCommand({ ResourceArns: batch }));
        for (const d of out.TagDescriptions ?? []) {
          if (d.ResourceArn) result.set(d.ResourceArn, fromAwsTags(d.Tags));
        }
      } catch (err) {
        throw mapAwsError(err, `elbv2.DescribeTags ${batch.join(',')}`);
      }
    }
    return result;
  }

  /**
   * Tags of one resource that may vanish between its describe call and this one (an ALB finishing
   * its deletion): `undefined` when ELBv2 answers that it is gone.
   */
  private async tagsOfOne(arn: string, goneCodes: readonly string[]): Promise<Tags | undefined> {
    try {
      return (await this.tagsOf([arn])).get(arn) ?? {};
    } catch (err) {
      if (hasAwsCode(err instanceof Error && err.cause !== undefined ? err.cause : err, goneCodes)) {
        return undefined;
      }
      throw err;
    }
  }

  private async describeTargetGroup(name: string): Promise<TargetGroup | undefined> {
    try {
      const out = await this.client.send(new DescribeTargetGroupsCommand({ Names: [name] }));
      return out.TargetGroups?.[0];
    } catch (err) {
      if (hasAwsCode(err, TG_GONE)) return undefined;
      throw mapAwsError(err, `elbv2.DescribeTargetGroups ${name}`);
    }
  }

  /** Target health of a group. */
  async describeTargetHealth(targetGroupArn: string): Promise<ObservedTarget[]> {
    try {
      const out = await this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
      return (out.TargetHealthDescriptions ?? []).map((d) => ({
        id: d.Target?.Id ?? '',
        port: d.Target?.Port ?? 0,
        state: d.TargetHealth?.State ?? 'unavailable',
        ...(d.TargetHealth?.Reason ? { reason: d.TargetHealth.Reason } : {}),
        ...(d.TargetHealth?.Description ? { description: d.TargetHealth.Description } : {}),
      }));
    } catch (err) {
      if (hasAwsCode(err, TG_GONE)) return [];
      throw mapAwsError(err, `elbv2.DescribeTargetHealth ${targetGroupArn}`);
    }
  }

  /** The target group `name` with its tags (and target health unless `withTargets` is false). */
  async observeTargetGroup(
    name: string,
    options: { readonly withTargets?: boolean } = {},
  ): Promise<ObservedTargetGroup | undefined> {
    const tg = await this.describeTargetGroup(name);
    if (!tg?.TargetGroupArn) return undefined;
    const arn = tg.TargetGroupArn;
    const tags = await this.tagsOfOne(arn, TG_GONE);
    if (tags === undefined) return undefined;
    const targets = options.withTargets === false ? [] : await this.describeTargetHealth(arn);
    return {
      arn,
      name: tg.TargetGroupName ?? name,
      tags,
      loadBalancerArns: tg.LoadBalancerArns ?? [],
      targets,
    };
  }

  /**
   * Creates the target group (HTTP, health check from the spec, short deregistration delay).
   * @throws OwnershipConflictError when a same-named group lacks this env's tags.
   */
  async createTargetGroup(input: TargetGroupInput): Promise<ObservedTargetGroup> {
    const hc = input.healthCheck;
    const arn = await this.sendCreateTargetGroup({
      Name: input.name,
      Protocol: 'HTTP',
      Port: input.port,
      VpcId: input.vpcId,
      TargetType: input.targetType,
      HealthCheckEnabled: true,
      HealthCheckProtocol: 'HTTP',
      HealthCheckPath: hc.path,
      HealthCheckPort: String(hc.port),
      HealthCheckIntervalSeconds: hc.intervalSeconds,
      HealthCheckTimeoutSeconds: hc.timeoutSeconds,
      HealthyThresholdCount: hc.healthyThreshold,
      UnhealthyThresholdCount: hc.unhealthyThreshold,
      Matcher: { HttpCode: hc.matcher },
      Tags: toAwsTags(input.tags),
    });
    try {
      await this.client.send(
        new ModifyTargetGroupAttributesCommand({
          TargetGroupArn: arn,
          Attributes: [
            {
              Key: 'deregistration_delay.timeout_seconds',
              Value: String(input.deregistrationDelaySeconds ?? DEFAULT_DEREGISTRATION_DELAY_SECONDS),
            },
          ],
        }),
      );
    } catch (err) {
      throw mapAwsError(err, `elbv2.ModifyTargetGroupAttributes ${input.name}`);
    }
    return { arn, name: input.name, tags: input.tags, loadBalancerArns: [], targets: [] };
  }

  /**
   * Creates the environment's wake target group (`TargetType: lambda`, health checks off, tagged) and
   * registers the wake function as its target. The load balancer must be allowed to invoke the function
   * (its resource policy, granted by the stack for `berth-*-wake` target groups) before RegisterTargets.
   */
  async createLambdaTargetGroup(input: {
    readonly name: string;
    readonly functionArn: string;
    readonly tags: Tags;
  }): Promise<ObservedTargetGroup> {
    const arn = await this.sendCreateTargetGroup({
      Name: input.name,
      TargetType: 'lambda',
      HealthCheckEnabled: false,
      Tags: toAwsTags(input.tags),
    });
    await this.registerLambdaTarget(arn, input.functionArn);
    return { arn, name: input.name, tags: input.tags, loadBalancerArns: [], targets: [] };
  }

  /** Sends CreateTargetGroup; the new group's ARN. */
  private async sendCreateTargetGroup(
    input: CreateTargetGroupCommandInput & { readonly Name: string },
  ): Promise<string> {
    try {
      const out = await this.client.send(new CreateTargetGroupCommand(input));
      const created = out.TargetGroups?.[0]?.TargetGroupArn;
      if (!created) throw new AwsRequestError('MissingArn', `CreateTargetGroup ${input.Name}`);
      return created;
    } catch (err) {
      throw mapAwsError(err, `elbv2.CreateTargetGroup ${input.Name}`);
    }
  }

  /** Registers a Lambda function as the target of a `lambda` target group (idempotent). */
  async registerLambdaTarget(targetGroupArn: string, functionArn: string): Promise<void> {
    try {
      await this.client.send(
        new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: functionArn }] }),
      );
    } catch (err) {
      throw mapAwsError(err, `elbv2.RegisterTargets ${targetGroupArn}`);
    }
  }

  /**
   * Points a listener's default action (dedicated mode) or a rule's action (shared mode: only the action,
   * never its conditions or priority) at one target group.
   */
  async forwardTo(
    at: { readonly listenerArn: string } | { readonly ruleArn: string },
    targetGroupArn: string,
    keepAttached?: string,
  ): Promise<void> {
    // `keepAttached` stays in the forward with weight 0: associated with the load balancer (ECS refuses to
    // update a service whose target group has none) but sent no traffic.
    const actions =
      keepAttached === undefined
        ? [{ Type: 'forward' as const, TargetGroupArn: targetGroupArn }]
        : [
            {
              Type: 'forward' as const,
              ForwardConfig: {
                TargetGroups: [
                  { TargetGroupArn: targetGroupArn, Weight: 1 },
                  { TargetGroupArn: keepAttached, Weight: 0 },
                ],
              },
            },
          ];
    try {
      if ('listenerArn' in at) {
        await this.client.send(
          new ModifyListenerCommand({ ListenerArn: at.listenerArn, DefaultActions: actions }),
        );
      } else {
        await this.client.send(new ModifyRuleCommand({ RuleArn: at.ruleArn, Actions: actions }));
      }
    } catch (err) {
      throw mapAwsError(
        err,
        'listenerArn' in at ? `elbv2.ModifyListener ${at.listenerArn}` : `elbv2.ModifyRule ${at.ruleArn}`,
      );
    }
  }

  /**
   * Deletes a target group observed as the environment's (`name` only labels errors); gone → `false`.
   * @throws DependencyPendingError while in use.
   */
  async deleteTargetGroup(arn: string, name: string): Promise<boolean> {
    return deleteUnlessGone(`elbv2.DeleteTargetGroup ${name}`, { codes: TG_GONE }, () =>
      this.client.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })),
    );
  }

  private toObservedLb(lb: LoadBalancer, tags: Tags): ObservedLoadBalancer {
    return {
      arn: lb.LoadBalancerArn ?? '',
      name: lb.LoadBalancerName ?? '',
      dnsName: lb.DNSName ?? '',
      state: lb.State?.Code ?? 'provisioning',
      ...(lb.CreatedTime ? { createdTime: lb.CreatedTime.toISOString() } : {}),
      tags,
    };
  }

  /** The ALB `name` with its tags, or `undefined`. */
  async observeLoadBalancer(name: string): Promise<ObservedLoadBalancer | undefined> {
    let lb: LoadBalancer | undefined;
    try {
      const out = await this.client.send(new DescribeLoadBalancersCommand({ Names: [name] }));
      lb = out.LoadBalancers?.[0];
    } catch (err) {
      if (hasAwsCode(err, LB_GONE)) return undefined;
      throw mapAwsError(err, `elbv2.DescribeLoadBalancers ${name}`);
    }
    if (!lb?.LoadBalancerArn) return undefined;
    const tags = await this.tagsOfOne(lb.LoadBalancerArn, LB_GONE);
    if (tags === undefined) return undefined;
    return this.toObservedLb(lb, tags);
  }

  /** The load balancer behind a listener ARN (shared mode: its DNS name). */
  async observeLoadBalancerOfListener(listenerArn: string): Promise<ObservedLoadBalancer | undefined> {
    let lbArn: string | undefined;
    try {
      const out = await this.client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
      lbArn = out.Listeners?.[0]?.LoadBalancerArn;
    } catch (err) {
      if (hasAwsCode(err, LISTENER_GONE)) return undefined;
      throw mapAwsError(err, `elbv2.DescribeListeners ${listenerArn}`);
    }
    if (!lbArn) return undefined;
    try {
      const out = await this.client.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }));
      const lb = out.LoadBalancers?.[0];
      return lb ? this.toObservedLb(lb, {}) : undefined;
    } catch (err) {
      if (hasAwsCode(err, LB_GONE)) return undefined;
      throw mapAwsError(err, `elbv2.DescribeLoadBalancers ${lbArn}`);
    }
  }

  /**
   * Creates an internet-facing ALB in ≥ 2 public subnets with the ALB group.
   * Returns at once (state `provisioning`); verify waits for it.
   */
  async createLoadBalancer(input: LoadBalancerInput): Promise<ObservedLoadBalancer> {
    if (input.subnets.length < 2) {
      throw new ValidationError(
        'BERTH_PUBLIC_SUBNETS',
        `an ALB needs at least 2 public subnets in different AZs (got ${input.subnets.length})`,
      );
    }
    try {
      const out = await this.client.send(
        new CreateLoadBalancerCommand({
          Name: input.name,
          Type: 'application',
          Scheme: 'internet-facing',
          IpAddressType: 'ipv4',
          Subnets: [...input.subnets],
          SecurityGroups: [...input.securityGroupIds],
          Tags: toAwsTags(input.tags),
        }),
      );
      const lb = out.LoadBalancers?.[0];
      if (!lb) throw new AwsRequestError('MissingLoadBalancer', `CreateLoadBalancer ${input.name}`);
      return this.toObservedLb(lb, input.tags);
    } catch (err) {
      throw mapAwsError(err, `elbv2.CreateLoadBalancer ${input.name}`);
    }
  }

  /** Deletes an ALB observed as the environment's (`name` only labels errors); gone → `false`. */
  async deleteLoadBalancer(arn: string, name: string): Promise<boolean> {
    return deleteUnlessGone(`elbv2.DeleteLoadBalancer ${name}`, { codes: LB_GONE }, () =>
      this.client.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })),
    );
  }

  /** The ALB's listener on `port` (80), or `undefined`. */
  async observeListener(loadBalancerArn: string, port = 80): Promise<ObservedListener | undefined> {
    try {
      const out = await this.client.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
      const l = out.Listeners?.find((x) => x.Port === port);
      return l?.ListenerArn
        ? { arn: l.ListenerArn, port: l.Port ?? port, forwardsTo: forwardTargets(l.DefaultActions) }
        : undefined;
    } catch (err) {
      if (hasAwsCode(err, [...LB_GONE, ...LISTENER_GONE])) return undefined;
      throw mapAwsError(err, `elbv2.DescribeListeners ${loadBalancerArn}`);
    }
  }

  /** Creates the HTTP:80 listener forwarding to the target group. */
  async createListener(input: {
    readonly loadBalancerArn: string;
    readonly targetGroupArn: string;
    readonly tags: Tags;
  }): Promise<ObservedListener> {
    try {
      const out = await this.client.send(
        new CreateListenerCommand({
          LoadBalancerArn: input.loadBalancerArn,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: input.targetGroupArn }],
          Tags: toAwsTags(input.tags),
        }),
      );
      const arn = out.Listeners?.[0]?.ListenerArn;
      if (!arn) throw new AwsRequestError('MissingArn', `CreateListener ${input.loadBalancerArn}`);
      return { arn, port: 80 };
    } catch (err) {
      throw mapAwsError(err, `elbv2.CreateListener ${input.loadBalancerArn}`);
    }
  }

  /** Deletes a listener; gone → `false`. */
  async deleteListener(listenerArn: string): Promise<boolean> {
    return deleteUnlessGone(
      `elbv2.DeleteListener ${listenerArn}`,
      { codes: [...LISTENER_GONE, ...LB_GONE] },
      () => this.client.send(new DeleteListenerCommand({ ListenerArn: listenerArn })),
    );
  }

  /** The env's (tagged) rule on the shared listener, or `undefined`. */
  async observeListenerRule(listenerArn: string, env: string): Promise<ObservedListenerRule | undefined> {
    const described = await this.describeRules(listenerArn, LISTENER_GONE);
    if (described === undefined) return undefined;
    const rules = described.map((r) => ({
      arn: r.RuleArn,
      priority: r.Priority ?? '',
      forwardsTo: forwardTargets(r.Actions),
    }));
    if (rules.length === 0) return undefined;
    const tags = await this.tagsOf(rules.map((r) => r.arn));
    const mine = rules.find((r) => isOwnedBy(tags.get(r.arn), env));
    return mine
      ? {
          arn: mine.arn,
          priority: mine.priority,
          tags: tags.get(mine.arn) ?? {},
          rulesOnListener: rules.length,
          forwardsTo: mine.forwardsTo,
        }
      : undefined;
  }

  /**
   * Creates the env's rule on the shared listener (host-header/path-pattern conditions). The listener's rules
   * and their tags are the source of truth: a rule of another environment (or one Berth does not manage) that
   * matches the same host/path is a `RouteConflictError` naming its holder; the priority is the lowest free
   * one, and a `PriorityInUse` answer (a concurrent create took it) re-reads the rules and tries again.
   */
  async createListenerRule(input: ListenerRuleInput): Promise<ObservedListenerRule> {
    const conditions = ruleConditions(input);
    if (conditions.length === 0) {
      throw new ValidationError('loadBalancer.host', 'shared mode needs a host or a pathPrefix');
    }
    const wanted = conditionsKey(conditions);
    const route = describeRoute({
      ...(input.host !== undefined ? { host: input.host } : {}),
      ...(input.pathPrefix !== undefined ? { pathPrefix: input.pathPrefix } : {}),
    });
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_PRIORITY_ATTEMPTS; attempt++) {
      const rules = await this.listenerRules(input.listenerArn);
      const tags = rules.length === 0 ? new Map<string, Tags>() : await this.tagsOf(rules.map((r) => r.arn));
      const holder = rules.find(
        (r) => conditionsKey(r.conditions) === wanted && !isOwnedBy(tags.get(r.arn), input.env),
      );
      if (holder !== undefined) {
        const held = tags.get(holder.arn) ?? {};
        const env = held[TAG_ENV];
        throw new RouteConflictError(
          env !== undefined && held[TAG_MANAGED_BY] === MANAGED_BY_BERTH
            ? `the shared load balancer's ${route} is already claimed by environment "${env}" (owner: ${held[TAG_OWNER] ?? 'unknown'})`
            : `the shared load balancer's ${route} is already claimed by a listener rule Berth does not manage (${holder.arn}, priority ${holder.priority})`,
        );
      }
      const priority = lowestFreePriority(rules.map((r) => r.priority));
      if (priority === undefined) {
        throw new AwsRequestError('TooManyRules', `elbv2.CreateRule ${input.env}: no free rule priority`);
      }
      try {
        const out = await this.client.send(
          new CreateRuleCommand({
            ListenerArn: input.listenerArn,
            Priority: priority,
            Conditions: conditions,
            Actions: [{ Type: 'forward', TargetGroupArn: input.targetGroupArn }],
            Tags: toAwsTags(input.tags),
          }),
        );
        const arn = out.Rules?.[0]?.RuleArn;
        if (!arn) throw new AwsRequestError('MissingArn', `CreateRule ${input.env}`);
        return { arn, priority: String(priority), tags: input.tags };
      } catch (err) {
        if (awsErrorCode(err) !== 'PriorityInUse' && awsErrorCode(err) !== 'PriorityInUseException') {
          throw mapAwsError(err, `elbv2.CreateRule ${input.env}`);
        }
        lastError = err;
      }
    }
    throw mapAwsError(lastError, `elbv2.CreateRule ${input.env} (no free priority)`);
  }

  /** The listener's non-default rules with their priorities and conditions (every page). */
  private async listenerRules(
    listenerArn: string,
  ): Promise<{ arn: string; priority: string; conditions: readonly RuleCondition[] }[]> {
    const rules = (await this.describeRules(listenerArn)) ?? [];
    return rules.map((r) => ({ arn: r.RuleArn, priority: r.Priority ?? '', conditions: r.Conditions ?? [] }));
  }

  /**
   * The listener's non-default rules, every page of DescribeRules; `undefined` when the call fails with one of
   * `goneCodes` (the listener is gone).
   */
  private async describeRules(
    listenerArn: string,
    goneCodes: readonly string[] = [],
  ): Promise<(Rule & { readonly RuleArn: string })[] | undefined> {
    const rules: (Rule & { readonly RuleArn: string })[] = [];
    let marker: string | undefined;
    do {
      try {
        const out = await this.client.send(
          new DescribeRulesCommand({ ListenerArn: listenerArn, ...(marker ? { Marker: marker } : {}) }),
        );
        for (const r of out.Rules ?? []) {
          if (r.RuleArn && !r.IsDefault) rules.push({ ...r, RuleArn: r.RuleArn });
        }
        marker = out.NextMarker;
      } catch (err) {
        if (hasAwsCode(err, goneCodes)) return undefined;
        throw mapAwsError(err, `elbv2.DescribeRules ${listenerArn}`);
      }
    } while (marker);
    return rules;
  }

  /** Deletes the environment's (observed, tagged) rule on the shared listener; gone → `false`. */
  async deleteListenerRule(ruleArn: string): Promise<boolean> {
    return deleteUnlessGone(`elbv2.DeleteRule ${ruleArn}`, { codes: RULE_GONE }, () =>
      this.client.send(new DeleteRuleCommand({ RuleArn: ruleArn })),
    );
  }
}

/** The target groups a listener's or rule's forward action sends to. */
function forwardTargets(actions: readonly Action[] | undefined): string[] {
  const forward = (actions ?? []).find((a) => a.Type === 'forward');
  if (forward === undefined) return [];
  if (forward.TargetGroupArn) return [forward.TargetGroupArn];
  // Weight-0 groups stay associated but get no traffic.
  return (forward.ForwardConfig?.TargetGroups ?? []).flatMap((t) =>
    t.TargetGroupArn && (t.Weight ?? 1) > 0 ? [t.TargetGroupArn] : [],
  );
}
