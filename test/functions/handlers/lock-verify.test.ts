import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ProbeInput } from '../../../functions/adapters/http-probe.ts';
import type { DynamoRegistry } from '../../../functions/adapters/registry.ts';
import { OperationInProgressError } from '../../../functions/core/errors.ts';
import { loadConfig } from '../../../functions/handlers/config.ts';
import { makeHandler as lockHandler } from '../../../functions/handlers/lock.ts';
import { makeHandler as verifyHandler } from '../../../functions/handlers/verify.ts';
import { mocks, OWNED, OWNED_ECS, ownedCluster, resetMocks, testDeps, upState } from './aws-fixtures.ts';

describe('lock handler', () => {
  const calls: unknown[][] = [];
  const registry = {
    acquireLock: async (...args: unknown[]) => {
      calls.push(['acquire', ...args]);
      const input = args[1] as {
        token: string;
        operationId: string;
        operation: string;
        nowSeconds: number;
        ttlSeconds: number;
      };
      if (args[0] === 'busy')
        throw new OperationInProgressError('environment "busy" is busy: down (operation r0) is running');
      return { ...input, expiresAt: input.nowSeconds + input.ttlSeconds };
    },
    releaseLock: async (...args: unknown[]) => {
      calls.push(['release', ...args]);
      return { released: args[1] === 'arn:exec:1' };
    },
  } as unknown as DynamoRegistry;
  const deps = testDeps({ registry, config: loadConfig({ BERTH_LOCK_TTL_SECONDS: '600' }) });

  beforeEach(() => {
    calls.length = 0;
  });

  it('acquires with the execution ARN as token, the request id as operation id and the configured TTL', async () => {
    const result = await lockHandler(deps)({
      action: 'acquire',
      env: 'demo',
      operation: 'up',
      requestId: 'req-1',
      requestedBy: 'ana',
      executionArn: 'arn:exec:1',
    });
    expect(result).toEqual({ token: 'arn:exec:1', expiresAt: 1795608000 + 600 });
    expect(calls).toEqual([
      [
        'acquire',
        'demo',
        {
          token: 'arn:exec:1',
          operationId: 'req-1',
          operation: 'up',
          nowSeconds: 1795608000,
          ttlSeconds: 600,
        },
      ],
    ]);
  });

  it('lets OperationInProgressError through when the environment is busy', async () => {
    await expect(
      lockHandler(deps)({
        action: 'acquire',
        env: 'busy',
        operation: 'up',
        requestId: 'r',
        executionArn: 'e',
      }),
    ).rejects.toMatchObject({
      name: 'OperationInProgressError',
      message: 'environment "busy" is busy: down (operation r0) is running',
    });
  });

  it('releases with the token and reports whether it was held', async () => {
    await expect(lockHandler(deps)({ action: 'release', env: 'demo', token: 'arn:exec:1' })).resolves.toEqual(
      {
        released: true,
      },
    );
    await expect(lockHandler(deps)({ action: 'release', env: 'demo', token: 'other' })).resolves.toEqual({
      released: false,
    });
  });

  it('rejects an unknown action naming the field', async () => {
    await expect(lockHandler(deps)({ action: 'steal' as never, env: 'demo' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: "action: must be 'acquire' or 'release'",
    });
  });
});

describe('verify handler', () => {
  const td = 'arn:aws:ecs:us-east-1:1:task-definition/berth-demo:1';
  const dns = 'berth-demo-alb-1.us-east-1.elb.localhost';

  /** The environment's ALB, in `state`, with any other fields of its description. */
  function loadBalancer(state: 'active' | 'provisioning', extra: Partial<LoadBalancer> = {}) {
    mocks.elbv2.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [
        {
          LoadBalancerArn: 'arn:lb',
          LoadBalancerName: 'berth-demo-alb',
          DNSName: dns,
          State: { Code: state },
          ...extra,
        },
      ],
    });
  }

  /** A healthy environment whose ALB is still provisioning. */
  function provisioning(extra: Partial<LoadBalancer> = {}) {
    healthyEnvironment();
    loadBalancer('provisioning', extra);
  }

  /** The target is registered, its first health checks not passed yet. */
  function initialTargets() {
    mocks.elbv2.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        {
          Target: { Id: 'i-1', Port: 32768 },
          TargetHealth: { State: 'initial', Reason: 'Elb.InitialHealthChecking' },
        },
      ],
    });
  }

  function healthyEnvironment(primaryTaskDefinition = td) {
    mocks.elbv2.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [
        { TargetGroupArn: 'arn:tg', TargetGroupName: 'berth-demo-tg', LoadBalancerArns: ['arn:lb'] },
      ],
    });
    mocks.elbv2.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((arn) => ({ ResourceArn: arn, Tags: OWNED })),
    }));
    mocks.elbv2.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: 'i-1', Port: 32768 }, TargetHealth: { State: 'healthy' } }],
    });
    loadBalancer('active');
    ownedCluster({
      registeredContainerInstancesCount: 2,
    });
    mocks.ecs.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceArn: 'arn:svc',
          serviceName: 'berth-demo',
          status: 'ACTIVE',
          desiredCount: 1,
          runningCount: 1,
          pendingCount: 0,
          taskDefinition: primaryTaskDefinition,
          deployments: [
            {
              id: 'ecs-svc/1',
              status: 'PRIMARY',
              rolloutState: 'COMPLETED',
              taskDefinition: primaryTaskDefinition,
              desiredCount: 1,
              runningCount: 1,
              failedTasks: 0,
            },
          ],
          tags: OWNED_ECS,
        },
      ],
    });
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    mocks.ecs.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [td] });
  }

  beforeEach(() => resetMocks());

  it('probes through the ALB DNS name via BERTH_PROBE_ENDPOINT and reports Healthy', async () => {
    healthyEnvironment();
    const probes: ProbeInput[] = [];
    const deps = testDeps({
      config: loadConfig({ BERTH_PROBE_ENDPOINT: 'http://127.0.0.1:4566' }),
      probe: async (input) => {
        probes.push(input);
        return { url: input.url, status: 200 };
      },
    });
    const result = await verifyHandler(deps)(upState);
    expect(probes).toEqual([
      { url: `http://${dns}:80/`, hostHeader: dns, timeoutMs: 3000, connectTo: 'http://127.0.0.1:4566' },
    ]);
    expect(result).toEqual({
      health: 'Healthy',
      reason: `1 of 1 targets healthy; HTTP 200 from http://${dns}:80/`,
      // The URL people follow carries the port the load balancers answer on (the probe endpoint's).
      url: `http://${dns}:4566/`,
      checks: 1,
      waitedSeconds: 0,
      deadlineSeconds: 1985,
      // What it runs, for its cost: the cluster's registered instances and the dedicated ALB.
      usage: { instances: [{ type: 't3.small', count: 2 }], loadBalancer: { mode: 'dedicated' } },
    });
  });

  it('reports Unhealthy (rolled-back) when the PRIMARY deployment is not the redeployed revision', async () => {
    healthyEnvironment(td);
    const result = await verifyHandler(testDeps())({
      ...upState,
      redeploy: { taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/berth-demo:2' },
    });
    expect(result.health).toBe('Unhealthy');
    expect(result.code).toBe('rolled-back');
    expect(result.reason).toContain('runs berth-demo:1, not the requested berth-demo:2');
  });

  it('reports Pending without probing while the ALB is provisioning', async () => {
    provisioning();
    let probed = false;
    const deps = testDeps({
      probe: async (input) => {
        probed = true;
        return { url: input.url, status: 200 };
      },
    });
    const result = await verifyHandler(deps)(upState);
    expect(result).toMatchObject({
      health: 'Pending',
      reason: 'load balancer berth-demo-alb is provisioning',
      waitingFor: 'load-balancer',
      waitSeconds: 170,
      checks: 1,
    });
    expect(probed).toBe(false);
  });

  it('does not probe a dedicated ALB narrowed by BERTH_ALLOWED_CIDR and reports Healthy on rollout and targets', async () => {
    healthyEnvironment();
    let probed = false;
    const deps = testDeps({
      config: loadConfig({ BERTH_ALLOWED_CIDR: '203.0.113.0/24' }),
      probe: async (input) => {
        probed = true;
        return { url: input.url, error: 'timeout after 3000 ms' };
      },
    });
    const result = await verifyHandler(deps)(upState);
    expect(probed).toBe(false);
    expect(result).toMatchObject({
      health: 'Healthy',
      reason:
        "1 of 1 targets healthy (the load balancer's own health checks reach them); HTTP probe skipped: the load balancer admits HTTP only from 203.0.113.0/24 (BERTH_ALLOWED_CIDR), and the verifier runs outside the VPC",
    });
  });

  describe('deadline derived from the spec (verifyBudget)', () => {
    // Defaults: max(ALB provisioning 1800 s, boot 300 s + start 120 s) + health checks 30 × 6 + 5 s.
    // The previous check (kept at `$.verify`) had waited `waited` s and asked for 10 s more.
    const afterWaiting = (waited: number) => ({
      ...upState,
      verify: {
        health: 'Pending',
        waitingFor: 'load-balancer',
        waitSeconds: 10,
        checks: 20,
        waitedSeconds: waited,
      },
    });

    it('keeps waiting for a provisioning ALB within the deadline, past the old 10-minute limit', async () => {
      provisioning();
      const result = await verifyHandler(testDeps())(afterWaiting(1970));
      expect(result).toMatchObject({ health: 'Pending', waitedSeconds: 1980, deadlineSeconds: 1985 });
    });

    it('throws VerifyTimeoutError naming the step still waiting once the deadline has passed', async () => {
      provisioning();
      await expect(verifyHandler(testDeps())(afterWaiting(1980))).rejects.toMatchObject({
        name: 'VerifyTimeoutError',
        message:
          'still waiting after 1990 s, past the verify deadline of 1985 s (max(ALB provisioning 1800 s, instance boot and registration 300 s + image pull and task start 120 s) + health checks (5 × 30 s, timeout 5 s) 185 s = 1985 s): load balancer berth-demo-alb is provisioning',
      });
    });

    it('derives a shorter deadline from faster health-check settings in the spec', async () => {
      provisioning();
      const spec = { ...upState.spec, healthCheck: { intervalSeconds: 10, healthyThreshold: 2 } };
      const result = await verifyHandler(testDeps())({ ...upState, spec });
      expect(result.deadlineSeconds).toBe(1800 + 10 * 3 + 5);
    });
  });

  it('backs off when the ALB is still provisioning at the next check, and counts the checks', async () => {
    provisioning();

    const result = await verifyHandler(testDeps())({
      ...upState,
      verify: { health: 'Pending', waitingFor: 'load-balancer', waitSeconds: 170, checks: 1 },
    });

    expect(result).toMatchObject({
      health: 'Pending',
      waitingFor: 'load-balancer',
      waitSeconds: 10,
      checks: 2,
      waitedSeconds: 170,
    });
  });

  it('waits the health checks out once the ALB is active and the targets are initial', async () => {
    healthyEnvironment();
    initialTargets();

    const result = await verifyHandler(testDeps())({
      ...upState,
      verify: { health: 'Pending', waitingFor: 'load-balancer', waitSeconds: 170, checks: 1 },
    });

    expect(result).toMatchObject({
      health: 'Pending',
      waitingFor: 'health-checks',
      waitSeconds: 150,
      checks: 2,
    });
  });
  it("sizes the first ALB wait from the load balancer's CreatedTime", async () => {
    // testDeps' clock reads 12:00:00: created 40 s before this first check.
    provisioning({ CreatedTime: new Date('2026-11-25T11:59:20Z') });

    const result = await verifyHandler(testDeps())(upState);

    expect(result).toMatchObject({ waitingFor: 'load-balancer', waitSeconds: 130, waitStep: 0 });
  });

  it("sizes the first health-check wait from the newest running task's start when the ALB was already active", async () => {
    healthyEnvironment();
    initialTargets();
    mocks.ecs.on(ListTasksCommand).resolves({ taskArns: ['arn:task/1'] });
    mocks.ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:task/1',
          lastStatus: 'RUNNING',
          taskDefinitionArn: td,
          startedAt: new Date('2026-11-25T11:59:00Z'),
        },
      ],
    });

    const result = await verifyHandler(testDeps())({
      ...upState,
      verify: { health: 'Pending', waitingFor: 'tasks', waitSeconds: 15, checks: 2 },
    });

    // 5 × 30 s of checks, 60 s of them done since the task started, plus 3 s for the last answer.
    expect(result).toMatchObject({ waitingFor: 'health-checks', waitSeconds: 93, waitStep: 0 });
  });
});
