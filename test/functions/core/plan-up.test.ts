import { describe, expect, it } from 'vitest';
import { OwnershipConflictError } from '../../../functions/core/errors.ts';
import type { ObservedEnvironment, ObservedLogGroup } from '../../../functions/core/observed.ts';
import { planUp } from '../../../functions/core/plan-up.ts';
import {
  ENV,
  FOREIGN,
  fullyCreated,
  nothing,
  spec,
  TAGS,
  TD_ARN,
  withObserved,
} from './observed-fixtures.ts';

const SETTINGS = { allowedCidr: '0.0.0.0/0' };
const GROUP_ARN = 'arn:aws:logs:us-east-1:123456789012:log-group:/berth/demo';
/** The environment's log group as the default spec wants it (14 days, logs not kept after down). */
const withLogGroup = (
  observed: ObservedEnvironment,
  group: Partial<ObservedLogGroup> = {},
): ObservedEnvironment => ({
  ...observed,
  logGroup: {
    name: '/berth/demo',
    arn: GROUP_ARN,
    tags: { ...TAGS, 'berth:logs-keep-days': '0' },
    retentionInDays: 14,
    ...group,
  },
});
const logGroupStep = (observed: ObservedEnvironment, overrides: Record<string, unknown> = {}) =>
  planUp(observed, spec(overrides), SETTINGS).find((step) => step.resource === 'log group /berth/demo');
const summary = (observed: ObservedEnvironment, overrides: Record<string, unknown> = {}) =>
  planUp(observed, spec(overrides), SETTINGS).map((step) => `${step.stage} ${step.action} ${step.resource}`);

describe('planUp', () => {
  it('creates every resource of a fresh dedicated EC2 environment in stage order', () => {
    expect(summary(nothing())).toEqual([
      'network create security group berth-demo-alb',
      'network create security group berth-demo-instances',
      'load-balancer create target group berth-demo-tg',
      'load-balancer create load balancer berth-demo-alb',
      'load-balancer create listener :80 of berth-demo-alb',
      'load-balancer update security group berth-demo-alb',
      'load-balancer update security group berth-demo-instances',
      'cluster create ECS cluster berth-demo',
      'cluster create launch template berth-demo-lt',
      'cluster create Auto Scaling group berth-demo-asg',
      'cluster create capacity provider berth-demo-cp',
      'task-definition create log group /berth/demo',
      'task-definition create task definition berth-demo',
      'service create ECS service berth-demo',
      'verify wait environment demo',
    ]);
  });

  it('creates new security groups without rules and authorizes them after the load balancer is requested', () => {
    const steps = planUp(nothing(), spec(), SETTINGS);
    const network = steps.filter((step) => step.stage === 'network');
    expect(network.map((step) => step.kind)).toEqual(['createSecurityGroup', 'createSecurityGroup']);
    const balancing = steps.filter((step) => step.stage === 'load-balancer').map((step) => step.kind);
    expect(balancing).toEqual([
      'createTargetGroup',
      'createLoadBalancer',
      'createListener',
      'authorizeIngress',
      'authorizeIngress',
    ]);
    expect(steps.find((step) => step.kind === 'authorizeIngress')).toMatchObject({
      role: 'alb',
      reason: 'authorize HTTP, HTTPS',
    });
    expect(steps.find((step) => step.kind === 'authorizeIngress')).not.toHaveProperty('groupId');
  });

  it('keeps everything of a fully created matching environment', () => {
    const steps = planUp(withLogGroup(fullyCreated()), spec(), SETTINGS);
    expect(steps.filter((step) => step.action !== 'keep').map((step) => step.stage)).toEqual(['verify']);
  });

  it('plans a shared-mode Fargate environment without an ALB or instances', () => {
    expect(summary(nothing(), { launchType: 'FARGATE', loadBalancer: { mode: 'shared' } })).toEqual([
      'network skip security group berth-demo-alb',
      'network create security group berth-demo-instances',
      'load-balancer create target group berth-demo-tg',
      'load-balancer create listener rule on the shared listener',
      'load-balancer update security group berth-demo-instances',
      'cluster create ECS cluster berth-demo',
      'cluster skip EC2 capacity',
      'task-definition create log group /berth/demo',
      'task-definition create task definition berth-demo',
      'service create ECS service berth-demo',
      'verify wait environment demo',
    ]);
  });

  it('routes the shared listener rule by the default host', () => {
    const rule = planUp(nothing(), spec({ loadBalancer: { mode: 'shared' } }), SETTINGS).find((step) =>
      step.resource.startsWith('listener rule'),
    );
    expect(rule?.reason).toBe('forward demo.berth.internal');
  });

  it('creates only what is missing in a partially created environment', () => {
    const full = withLogGroup(fullyCreated());
    const { service: _service, taskDefinitions: _definitions, ...rest } = full;
    const partial: ObservedEnvironment = {
      ...rest,
      loadBalancer: { ...full.loadBalancer!, state: 'provisioning' },
    };
    const changing = planUp(partial, spec(), SETTINGS).filter((step) => step.action !== 'keep');
    expect(changing.map((step) => `${step.action} ${step.resource}`)).toEqual([
      'create task definition berth-demo',
      'create ECS service berth-demo',
      'wait environment demo',
    ]);
    expect(
      planUp(partial, spec(), SETTINGS).find((step) => step.resource === 'load balancer berth-demo-alb')
        ?.reason,
    ).toBe('exists (provisioning)');
  });

  it('updates a drifted desired count', () => {
    const service = planUp(fullyCreated(), spec({ desiredCount: 2 }), SETTINGS).find(
      (step) => step.stage === 'service',
    );
    expect(service).toEqual({
      kind: 'updateService',
      cluster: 'berth-demo',
      service: 'berth-demo',
      desiredCount: 2,
      stage: 'service',
      action: 'update',
      resource: 'ECS service berth-demo',
      reason: 'desired count 1 → 2',
    });
  });

  it('registers a new revision and redeploys when the image drifts', () => {
    const steps = planUp(fullyCreated(), spec({ image: 'nginx:1.28', memory: 1024 }), SETTINGS);
    expect(steps.filter((step) => step.action === 'update').map((step) => step.reason)).toEqual([
      'new revision: image nginx:1.27 → nginx:1.28, memory 512 → 1024',
      'deploy the new task definition revision',
    ]);
  });

  it('updates drifted Auto Scaling group capacity', () => {
    const asg = planUp(fullyCreated(), spec({ capacity: { maxSize: 4, desiredCapacity: 2 } }), SETTINGS).find(
      (step) => step.resource.startsWith('Auto Scaling group'),
    );
    expect(asg?.action).toBe('update');
    expect(asg?.reason).toBe('max 2 → 4, desired 1 → 2');
  });

  it('deploys the newest revision when the service runs an older one', () => {
    const full = fullyCreated();
    const observed = withObserved({ service: { ...full.service!, taskDefinition: TD_ARN(0) } });
    expect(planUp(observed, spec(), SETTINGS).find((step) => step.stage === 'service')?.reason).toBe(
      'deploy berth-demo:1',
    );
  });

  it('waits for a service still DRAINING from an earlier down instead of updating or creating it', () => {
    const full = fullyCreated();
    const observed = withObserved({ service: { ...full.service!, status: 'DRAINING', desiredCount: 0 } });
    const service = planUp(observed, spec(), SETTINGS).filter((step) => step.stage === 'service');
    expect(service).toEqual([
      {
        stage: 'service',
        action: 'wait',
        resource: 'ECS service berth-demo',
        reason:
          'still draining (deleted by an earlier down or rollback): ECS creates it again only once its tasks have stopped and it is INACTIVE',
        kind: 'awaitServiceInactive',
        cluster: 'berth-demo',
        service: 'berth-demo',
      },
    ]);
  });

  it('creates the service again once the drained one is INACTIVE', () => {
    const full = fullyCreated();
    const observed = withObserved({ service: { ...full.service!, status: 'INACTIVE', desiredCount: 0 } });
    expect(planUp(observed, spec(), SETTINGS).find((step) => step.stage === 'service')).toMatchObject({
      action: 'create',
      kind: 'createService',
    });
  });

  it('attaches a capacity provider that exists but is detached', () => {
    const full = fullyCreated();
    const observed = withObserved({ cluster: { ...full.cluster!, capacityProviders: [] } });
    const cp = planUp(observed, spec(), SETTINGS).find(
      (step) => step.resource === 'capacity provider berth-demo-cp',
    );
    expect(cp).toMatchObject({ action: 'update', reason: 'attach to berth-demo' });
  });

  it('recreates a cluster that is INACTIVE', () => {
    const observed = withObserved({ cluster: { ...fullyCreated().cluster!, status: 'INACTIVE', tags: {} } });
    expect(
      planUp(observed, spec(), SETTINGS).find((step) => step.resource === 'ECS cluster berth-demo')?.action,
    ).toBe('create');
  });

  it('throws OwnershipConflictError for a same-named foreign target group', () => {
    const observed: ObservedEnvironment = {
      ...nothing(),
      targetGroup: { arn: 'arn:tg', name: 'berth-demo-tg', tags: FOREIGN, loadBalancerArns: [], targets: [] },
    };
    expect(() => planUp(observed, spec(), SETTINGS)).toThrow(OwnershipConflictError);
    expect(() => planUp(observed, spec(), SETTINGS)).toThrow(
      'target group berth-demo-tg exists but is not tagged as belonging to environment "demo" (berth:env/berth:managed-by); Berth will neither adopt nor delete it',
    );
  });

  it('throws OwnershipConflictError for a service managed by something else', () => {
    const observed = withObserved({
      service: { ...fullyCreated().service!, tags: { 'berth:env': ENV, 'berth:managed-by': 'copilot' } },
    });
    expect(() => planUp(observed, spec(), SETTINGS)).toThrow(
      expect.objectContaining({ name: 'OwnershipConflictError', resource: 'ECS service berth-demo' }),
    );
  });

  it('accepts resources owned by another owner of the same environment', () => {
    const observed = withObserved({
      cluster: { ...fullyCreated().cluster!, tags: { ...TAGS, 'berth:owner': 'bob' } },
    });
    expect(() => planUp(observed, spec(), SETTINGS)).not.toThrow();
  });

  describe('the log group step (before the task definition that logs there)', () => {
    it('creates the group with the spec retention and the environment tags plus how long to keep it', () => {
      expect(logGroupStep(nothing(), { logs: { retentionDays: 7, keepDays: 3 } })).toEqual({
        stage: 'task-definition',
        action: 'create',
        resource: 'log group /berth/demo',
        reason: 'retention 7 days',
        kind: 'createLogGroup',
        name: '/berth/demo',
        retentionInDays: 7,
        tags: { ...TAGS, 'berth:logs-keep-days': '3' },
      });
    });

    it('keeps a group that matches the spec', () => {
      expect(logGroupStep(withLogGroup(nothing()))).toMatchObject({
        action: 'keep',
        kind: 'useLogGroup',
        arn: GROUP_ARN,
      });
    });

    it('converges retention and takes back a group an earlier down kept (its expiry tag removed)', () => {
      const kept = withLogGroup(nothing(), {
        retentionInDays: 30,
        tags: { ...TAGS, 'berth:logs-keep-days': '0', 'berth:logs-expire-at': '2026-12-01T00:00:00.000Z' },
      });
      expect(logGroupStep(kept)).toEqual({
        stage: 'task-definition',
        action: 'update',
        resource: 'log group /berth/demo',
        reason: 'retention 30 → 14 days, taken back from its expiry 2026-12-01T00:00:00.000Z',
        kind: 'updateLogGroup',
        arn: GROUP_ARN,
        name: '/berth/demo',
        retentionInDays: 14,
        removeTags: ['berth:logs-expire-at'],
      });
    });

    it('updates the keep-days tag when the spec changes it', () => {
      expect(logGroupStep(withLogGroup(nothing()), { logs: { keepDays: 5 } })).toMatchObject({
        action: 'update',
        reason: 'tags',
        tags: { ...TAGS, 'berth:logs-keep-days': '5' },
      });
    });

    it('refuses a same-named group with foreign tags before anything is planned', () => {
      expect(() => planUp(withLogGroup(nothing(), { tags: FOREIGN }), spec(), SETTINGS)).toThrow(
        expect.objectContaining({ name: 'OwnershipConflictError', resource: 'log group /berth/demo' }),
      );
    });
  });
});
