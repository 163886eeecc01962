import { hex } from '../../core/ids.ts';
import { ServiceError } from '../../core/service-error.ts';
import { AlbListenerProxy } from '../../dataplane/alb-proxy.ts';
import {
  type Action,
  actionTargetGroups,
  type Condition,
  checkRange,
  ELBV2_NOT_FOUND,
  type Listener,
  type Rule,
  type Tags,
  validation,
} from './model.ts';
import { type Elbv2State, getListener, getLoadBalancer, getTargetGroup } from './state.ts';
import { admitsClient, countRequest, route } from './traffic.ts';

/**
 * ELBv2 listeners (each a real proxy on a loopback port) and their rules: creation with the checks
 * AWS makes on actions and conditions, modification, deletion, and rule priorities.
 */

function checkActions(elb: Elbv2State, actions: Action[], loadBalancerArn: string): void {
  if (actions.length === 0) throw validation('A default action must be specified');
  for (const action of actions) {
    if (action.type === 'forward') {
      const arns = actionTargetGroups(action);
      if (arns.length === 0) throw validation('A target group ARN must be specified for a forward action');
      for (const tgArn of arns) {
        getTargetGroup(elb, tgArn);
        const others = elb.routing.loadBalancerArnsOf(tgArn).filter((a) => a !== loadBalancerArn);
        if (others.length > 0)
          throw new ServiceError(
            'TargetGroupAssociationLimit',
            `The following target groups cannot be associated with more than one load balancer: ${tgArn}`,
          );
      }
    } else if (action.type === 'fixed-response') {
      if (!action.fixedResponse?.statusCode)
        throw validation('A fixed response status code must be specified');
    } else {
      throw validation(`Action type '${action.type}' is not supported by the local cloud`);
    }
  }
}

export function createListener(
  elb: Elbv2State,
  input: {
    loadBalancerArn: string;
    port: number;
    protocol: string;
    defaultActions: Action[];
  },
): Listener {
  const lb = getLoadBalancer(elb, input.loadBalancerArn);
  if (lb.deleting) throw ELBV2_NOT_FOUND.loadBalancer();
  checkRange(input.port, 'port', 1, 65535);
  if (!['HTTP', 'HTTPS'].includes(input.protocol))
    throw validation(`Listener protocol '${input.protocol}' must be one of 'HTTPS, HTTP'`);
  const existing = [...elb.listeners.values()].find(
    (l) => l.loadBalancerArn === lb.arn && l.port === input.port,
  );
  if (existing) {
    if (
      existing.protocol === input.protocol &&
      JSON.stringify(existing.defaultActions) === JSON.stringify(input.defaultActions)
    )
      return existing;
    throw new ServiceError(
      'DuplicateListener',
      `A listener already exists on this port for this load balancer '${lb.arn}'`,
    );
  }
  checkActions(elb, input.defaultActions, lb.arn);
  const arn = `${lb.arn.replace(':loadbalancer/', ':listener/')}/${hex(16)}`;
  const listener: Listener = {
    arn,
    loadBalancerArn: lb.arn,
    port: input.port,
    protocol: input.protocol,
    defaultActions: input.defaultActions,
    rules: [],
    defaultRuleArn: `${arn.replace(':listener/', ':listener-rule/')}/${hex(16)}`,
    proxy: undefined as unknown as AlbListenerProxy,
    ready: Promise.resolve(0),
  };
  listener.proxy = new AlbListenerProxy(
    (host, path) => route(elb, listener, host, path),
    (source) => admitsClient(elb, listener, source),
    (functionArn, event) => {
      const invoke = elb.cloud.lambdaInvoker;
      if (invoke === undefined)
        return Promise.reject(new Error('no Lambda service is attached to this cloud'));
      return invoke(functionArn, event);
    },
    (targetGroupArn) => countRequest(elb, lb.arn, targetGroupArn),
  );
  listener.ready = listener.proxy.start(0);
  listener.ready.catch(() => undefined);
  elb.listeners.set(arn, listener);
  elb.routing.changed();
  elb.tags.set(arn, {});
  return listener;
}

export function describeListeners(
  elb: Elbv2State,
  loadBalancerArn: string | undefined,
  arns: string[],
): Listener[] {
  if (arns.length > 0) return arns.map((a) => getListener(elb, a));
  if (loadBalancerArn) {
    getLoadBalancer(elb, loadBalancerArn);
    return [...elb.listeners.values()].filter((l) => l.loadBalancerArn === loadBalancerArn);
  }
  throw validation('You must specify either listener ARNs or a load balancer ARN');
}

export function modifyListener(
  elb: Elbv2State,
  arn: string,
  input: { port?: number; protocol?: string; defaultActions?: Action[] },
): Listener {
  const listener = getListener(elb, arn);
  if (input.port !== undefined && input.port !== listener.port) {
    const clash = [...elb.listeners.values()].some(
      (l) => l.loadBalancerArn === listener.loadBalancerArn && l.port === input.port,
    );
    if (clash)
      throw new ServiceError(
        'DuplicateListener',
        `A listener already exists on this port for this load balancer '${listener.loadBalancerArn}'`,
      );
    listener.port = input.port;
  }
  if (input.protocol) listener.protocol = input.protocol;
  if (input.defaultActions && input.defaultActions.length > 0) {
    checkActions(elb, input.defaultActions, listener.loadBalancerArn);
    listener.defaultActions = input.defaultActions;
    elb.routing.changed();
  }
  return listener;
}

export function removeListener(elb: Elbv2State, listener: Listener): void {
  elb.listeners.delete(listener.arn);
  elb.routing.changed();
  elb.tags.delete(listener.arn);
  for (const r of listener.rules) elb.tags.delete(r.arn);
  void listener.proxy.close();
}

export function deleteListener(elb: Elbv2State, arn: string): void {
  removeListener(elb, getListener(elb, arn));
}

export function createRule(
  elb: Elbv2State,
  input: {
    listenerArn: string;
    priority: number;
    conditions: Condition[];
    actions: Action[];
    tags?: Tags;
  },
): Rule {
  const listener = getListener(elb, input.listenerArn);
  checkRange(input.priority, 'priority', 1, 50000);
  if (input.conditions.length === 0) throw validation('A condition must be specified');
  for (const c of input.conditions) {
    if (
      ![
        'host-header',
        'path-pattern',
        'http-request-method',
        'source-ip',
        'http-header',
        'query-string',
      ].includes(c.field)
    )
      throw validation(
        `Condition field '${c.field}' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'`,
      );
    if (c.values.length === 0) throw validation(`A value must be specified for condition '${c.field}'`);
  }
  // AWS answers a taken priority with PriorityInUse, HTTP 400, "Priority '<n>' is currently in use"
  // (ELBv2 API Reference, CreateRule / SetRulePriorities errors; hashicorp/terraform#24239 quotes the message).
  if (listener.rules.some((r) => r.priority === input.priority))
    throw new ServiceError('PriorityInUse', `Priority '${input.priority}' is currently in use`);
  checkActions(elb, input.actions, listener.loadBalancerArn);
  const rule: Rule = {
    arn: `${listener.arn.replace(':listener/', ':listener-rule/')}/${hex(16)}`,
    listenerArn: listener.arn,
    priority: input.priority,
    conditions: input.conditions,
    actions: input.actions,
  };
  listener.rules.push(rule);
  elb.routing.changed();
  listener.rules.sort((a, b) => (a.priority as number) - (b.priority as number));
  elb.tags.set(rule.arn, { ...(input.tags ?? {}) });
  return rule;
}

function findRule(elb: Elbv2State, arn: string): { listener: Listener; rule: Rule } {
  for (const listener of elb.listeners.values()) {
    if (listener.defaultRuleArn === arn) return { listener, rule: defaultRule(listener) };
    const rule = listener.rules.find((r) => r.arn === arn);
    if (rule) return { listener, rule };
  }
  throw ELBV2_NOT_FOUND.rule();
}

function defaultRule(listener: Listener): Rule {
  return {
    arn: listener.defaultRuleArn,
    listenerArn: listener.arn,
    priority: 'default',
    conditions: [],
    actions: listener.defaultActions,
  };
}

export function describeRules(elb: Elbv2State, listenerArn: string | undefined, ruleArns: string[]): Rule[] {
  if (ruleArns.length > 0) return ruleArns.map((a) => findRule(elb, a).rule);
  if (!listenerArn) throw validation('You must specify either listener rule ARNs or a listener ARN');
  const listener = getListener(elb, listenerArn);
  return [...listener.rules, defaultRule(listener)];
}

export function modifyRule(
  elb: Elbv2State,
  arn: string,
  input: { conditions?: Condition[]; actions?: Action[] },
): Rule {
  const { listener, rule } = findRule(elb, arn);
  if (input.actions && input.actions.length > 0) {
    checkActions(elb, input.actions, listener.loadBalancerArn);
    if (rule.priority === 'default') listener.defaultActions = input.actions;
    else rule.actions = input.actions;
    elb.routing.changed();
  }
  if (input.conditions && input.conditions.length > 0) {
    if (rule.priority === 'default')
      throw new ServiceError('OperationNotPermitted', 'Conditions cannot be set on a default rule');
    rule.conditions = input.conditions;
  }
  return rule.priority === 'default' ? defaultRule(listener) : rule;
}

export function deleteRule(elb: Elbv2State, arn: string): void {
  const { listener, rule } = findRule(elb, arn);
  if (rule.priority === 'default')
    throw new ServiceError('OperationNotPermitted', 'Default rules cannot be deleted');
  listener.rules = listener.rules.filter((r) => r !== rule);
  elb.routing.changed();
  elb.tags.delete(arn);
}
