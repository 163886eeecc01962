import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type ServiceEvent,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ecsClient } from '../../../functions/adapters/aws/clients.ts';
import { AwsEcsAdapter, OBSERVED_SERVICE_EVENTS } from '../../../functions/adapters/ecs.ts';

const ecs = mockClient(ECSClient);
const adapter = new AwsEcsAdapter(ecsClient({ region: 'us-east-1', maxAttempts: 1 }));
const tgArn =
  'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/berth-demo-tg/0123456789abcdef';

/** Events as ECS lists them: newest first, one second apart. */
const events = (...messages: string[]): ServiceEvent[] =>
  messages.map((message, i) => ({
    id: `e-${i}`,
    message,
    createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, 60 - i)),
  }));

const service = (list: ServiceEvent[] | undefined) => ({
  services: [
    {
      serviceArn: 'arn:aws:ecs:us-east-1:000000000000:service/berth-demo/berth-demo',
      serviceName: 'berth-demo',
      status: 'ACTIVE',
      desiredCount: 1,
      runningCount: 0,
      pendingCount: 0,
      taskDefinition: 'arn:td:1',
      deployments: [],
      ...(list === undefined ? {} : { events: list }),
    },
  ],
});

beforeEach(() => ecs.reset());

describe('AwsEcsAdapter.observeService events', () => {
  it('keeps the messages of the newest events, newest first', async () => {
    const all = events(
      '(service berth-demo) has stopped 1 running tasks: (task a1).',
      `(service berth-demo) (instance i-1) (port 32768) is unhealthy in (target-group ${tgArn}) due to (reason Health checks failed with these codes: [500]).`,
      '(service berth-demo) registered 1 targets in (target-group x)',
      '(service berth-demo) has started 1 tasks: (task a1).',
      '(service berth-demo) has started 1 tasks: (task a0).',
      '(service berth-demo) was unable to place a task.',
      '(service berth-demo) has reached a steady state.',
    );
    ecs.on(DescribeServicesCommand).resolves(service([...all].reverse()));

    const observed = await adapter.observeService('berth-demo', 'berth-demo');

    expect(observed?.events).toEqual(all.slice(0, OBSERVED_SERVICE_EVENTS).map((e) => e.message));
    expect(OBSERVED_SERVICE_EVENTS).toBe(5);
  });

  it('adds the newest target health event when it is older than the newest events', async () => {
    const unhealthy = (port: number) =>
      `(service berth-demo) (instance i-1) (port ${port}) is unhealthy in (target-group ${tgArn}) due to (reason Request timed out).`;
    const all = events(
      '(service berth-demo) deregistered 1 targets in (target-group x)',
      '(service berth-demo) has started 1 tasks: (task a3).',
      '(service berth-demo) rolling back to deployment ecs-svc/1.',
      '(service berth-demo) has begun draining connections on 1 tasks.',
      '(service berth-demo) (deployment ecs-svc/2) deployment failed: tasks failed to start.',
      '(service berth-demo) has stopped 1 running tasks: (task a2).',
      unhealthy(32770),
      '(service berth-demo) has stopped 1 running tasks: (task a1).',
      unhealthy(32769),
    );
    ecs.on(DescribeServicesCommand).resolves(service(all));

    const observed = await adapter.observeService('berth-demo', 'berth-demo');

    expect(observed?.events).toEqual([...all.slice(0, 5).map((e) => e.message), unhealthy(32770)]);
  });

  it('leaves events out when the service has none', async () => {
    ecs.on(DescribeServicesCommand).resolves(service([]));

    const observed = await adapter.observeService('berth-demo', 'berth-demo');

    expect(observed).toBeDefined();
    expect(observed).not.toHaveProperty('events');
  });
});

describe('AwsEcsAdapter.describeStoppedTasks', () => {
  it('lists STOPPED tasks of the service with their stopped reasons and codes', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/a1'] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:task/a1',
          lastStatus: 'STOPPED',
          taskDefinitionArn: 'arn:td:1',
          stoppedReason: `Task failed ELB health checks in (target-group ${tgArn})`,
          stopCode: 'ServiceSchedulerInitiated',
        },
      ],
    });

    const stopped = await adapter.describeStoppedTasks('berth-demo', 'berth-demo');

    expect(stopped).toEqual([
      {
        arn: 'arn:task/a1',
        lastStatus: 'STOPPED',
        taskDefinitionArn: 'arn:td:1',
        stoppedReason: `Task failed ELB health checks in (target-group ${tgArn})`,
        stopCode: 'ServiceSchedulerInitiated',
      },
    ]);
    expect(ecs.commandCalls(ListTasksCommand)[0]?.args[0].input).toEqual({
      cluster: 'berth-demo',
      serviceName: 'berth-demo',
      desiredStatus: 'STOPPED',
    });
  });
});
