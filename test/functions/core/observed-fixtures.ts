import { type EnvSpec, parseEnvSpec } from '../../../functions/core/env-spec.ts';
import type { ObservedEnvironment } from '../../../functions/core/observed.ts';
import { ownershipTags } from '../../../functions/core/tags.ts';

export const ENV = 'demo';
export const TAGS = ownershipTags(ENV, 'ana@example.com');
export const FOREIGN = { team: 'payments' };
export const TD_ARN = (revision: number) =>
  `arn:aws:ecs:us-east-1:123456789012:task-definition/berth-demo:${revision}`;

export const spec = (overrides: Record<string, unknown> = {}): EnvSpec =>
  parseEnvSpec({ name: ENV, image: 'nginx:1.27', owner: 'ana@example.com', ...overrides });

export const nothing = (): ObservedEnvironment => ({ env: ENV, securityGroups: {} });

/** A healthy, fully created dedicated-mode EC2 environment matching `spec()`. */
export function fullyCreated(): ObservedEnvironment {
  return {
    env: ENV,
    securityGroups: {
      alb: {
        id: 'sg-alb',
        name: 'berth-demo-alb',
        tags: TAGS,
        ingress: [
          { from: 80, to: 80, cidr: '0.0.0.0/0' },
          { from: 443, to: 443, cidr: '0.0.0.0/0' },
        ],
      },
      instances: {
        id: 'sg-inst',
        name: 'berth-demo-instances',
        tags: TAGS,
        ingress: [{ from: 32768, to: 65535, groupId: 'sg-alb' }],
      },
    },
    targetGroup: {
      arn: 'arn:tg',
      name: 'berth-demo-tg',
      tags: TAGS,
      loadBalancerArns: ['arn:alb'],
      targets: [{ id: 'i-1', port: 32768, state: 'healthy' }],
    },
    loadBalancer: {
      arn: 'arn:alb',
      name: 'berth-demo-alb',
      dnsName: 'berth-demo-alb-1.elb',
      state: 'active',
      tags: TAGS,
    },
    listener: { arn: 'arn:listener', port: 80 },
    cluster: {
      arn: 'arn:cluster',
      name: 'berth-demo',
      status: 'ACTIVE',
      tags: TAGS,
      registeredContainerInstances: 1,
      activeServices: 1,
      runningTasks: 1,
      capacityProviders: ['berth-demo-cp'],
    },
    capacityProvider: { name: 'berth-demo-cp', arn: 'arn:cp', status: 'ACTIVE', tags: TAGS },
    autoScalingGroup: {
      name: 'berth-demo-asg',
      arn: 'arn:asg',
      desiredCapacity: 1,
      minSize: 1,
      maxSize: 2,
      instances: [{ id: 'i-1', lifecycleState: 'InService', protectedFromScaleIn: true }],
      tags: TAGS,
    },
    launchTemplate: { id: 'lt-1', name: 'berth-demo-lt', tags: TAGS },
    service: {
      arn: 'arn:service',
      name: 'berth-demo',
      status: 'ACTIVE',
      desiredCount: 1,
      runningCount: 1,
      pendingCount: 0,
      taskDefinition: TD_ARN(1),
      deployments: [
        {
          id: 'ecs-svc/1',
          status: 'PRIMARY',
          rolloutState: 'COMPLETED',
          rolloutStateReason: 'ECS deployment ecs-svc/1 completed.',
          taskDefinition: TD_ARN(1),
          desiredCount: 1,
          runningCount: 1,
          failedTasks: 0,
        },
      ],
      tags: TAGS,
    },
    tasks: [{ arn: 'arn:task/1', lastStatus: 'RUNNING', taskDefinitionArn: TD_ARN(1) }],
    taskDefinitions: [
      {
        arn: TD_ARN(1),
        family: 'berth-demo',
        revision: 1,
        status: 'ACTIVE',
        image: 'nginx:1.27',
        cpu: 256,
        memory: 512,
        memoryReservation: 256,
        containerPort: 80,
        networkMode: 'bridge',
      },
    ],
    probe: { url: 'http://berth-demo-alb-1.elb/', status: 200 },
  };
}

/** A shallow-merge helper that keeps the type. */
export const withObserved = (overrides: Partial<ObservedEnvironment>): ObservedEnvironment => ({
  ...fullyCreated(),
  ...overrides,
});
