/**
 * Which AWS actions each function really uses, against what its synthesized policy grants
 * (docs/architecture.md, "IAM"). One platform with IAM enforced runs up / scale / redeploy / re-up / extend /
 * dry run / down in dedicated EC2 mode, then shared mode and Fargate; the local cloud records every
 * (function, action) pair it evaluated. Pause, wake on request and resume run in dedicated EC2 mode, pause and resume in shared mode. The test fails when a function used an action its policy does not
 * allow, or is granted a mutating action it never used — each message names the handler and the action to
 * add to or remove from infra/handler-permissions.ts.
 *
 * Scope: the actions of the services the local cloud serves (ECS, ELBv2, Auto Scaling, EC2, SSM, DynamoDB,
 * CloudWatch Logs, Secrets Manager, and the iam:PassRole / ec2:RunInstances / tag-on-create checks it derives
 * from them), and the Step Functions and Lambda calls the local runtime serves (it evaluates them with the same
 * enforcer; the slack function's GetSecretValue is exercised by test/e2e/slack.test.ts). The
 * "granted but never used" check leaves CloudWatch Logs out: its mutating grants include paths a healthy run
 * does not take (tag convergence of an existing group, the nightly expiry).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvSpec } from '../../functions/core/env-spec.ts';
import { tasksPerInstance } from '../../functions/core/plan-scale.ts';
import { ALL_HANDLERS } from '../../infra/handler-catalog.ts';
import { HANDLER_PERMISSIONS, isReadOnlyAction } from '../../infra/handler-permissions.ts';
import type { IamUsage } from '../../local/cloud/core/iam/enforcer.ts';
import { readFunctionPolicies } from '../../local/cloud/core/iam/function-policies.ts';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

const SERVED =
  /^(ecs|elasticloadbalancing|autoscaling|ec2|ssm|dynamodb|states|lambda|secretsmanager|scheduler):|^iam:PassRole$/;

/** Handlers this run does not invoke, and why that is acceptable. */
const NOT_EXERCISED: Record<string, string> = {
  Slack: 'same registry and Step Functions calls as Api (functions/handlers/http), signed by Slack',
  Nightly:
    'reads the registry (dynamodb:Scan) and deletes expired log groups (test/functions/handlers/nightly.test.ts)',
  Notify: 'posts to Slack or a webhook; no AWS call',
  ExpiryWarnings:
    'scheduled, not part of an operation: scans the registry and notes each warned expiry (dynamodb:UpdateItem), with IAM enforced in test/e2e/slack-interactions.test.ts',
  IdleCheck:
    'scheduled, not part of an operation: reads RequestCount (cloudwatch:GetMetricData) and starts pauses (dynamodb:PutItem, states:StartExecution), with IAM enforced in test/e2e/idle.test.ts',
};

/** Granted mutating actions a healthy run cannot reach, each with the code path that needs it. */
const NOT_REACHED: Record<string, string> = {
  'Api dynamodb:UpdateItem':
    'setRequestExecution (functions/handlers/http/aws-deps.ts) repairs a request record left without its execution by a crash between PutItem and StartExecution',
  'ApiAux dynamodb:UpdateItem':
    'PATCH /environments/{name} (idleAfter) stores the setting; it runs with IAM enforced in test/e2e/idle.test.ts',
  'Wake dynamodb:UpdateItem':
    'the same startOperation path as Api: setRequestExecution repairs a request record left without its execution',
  'Schedule scheduler:CreateScheduleGroup':
    "a schedule change on a stack whose schedule group does not exist yet (core planSchedules plans the same createScheduleGroup step as up); here demo's up created the group first",
  'ScheduledAction dynamodb:UpdateItem':
    'the same startOperation path as Api: setRequestExecution repairs a request record left without its execution',
};

/** Sleep/wake schedules of the dedicated environment (EventBridge Scheduler, fired through the local cloud). */
const SCHEDULE = { sleep: 'cron(0 20 ? * MON-FRI *)', wake: 'cron(0 8 ? * MON-FRI *)', timezone: 'UTC' };

const FARGATE = { launchType: 'FARGATE', cpu: 256, memory: 512, memoryReservation: 256 };

describe('IAM actions used by a full run, against the synthesized policies', () => {
  let e2e: E2EPlatform;
  let usage: IamUsage[] = [];

  beforeAll(async () => {
    e2e = await startE2EPlatform({ iam: 'enforce' });
  });
  afterAll(async () => {
    await e2e?.stop();
  });

  const run = async (method: string, path: string, body?: unknown): Promise<void> => {
    const started = await e2e.api(method, path, body);
    expect(started.status, `${method} ${path}: ${started.text}`).toBe(202);
    const execution = await e2e.waitForExecution(started.body.executionArn);
    expect(execution.status, `${method} ${path}: ${execution.cause}`).toBe('SUCCEEDED');
  };

  it('runs every operation in dedicated, shared and Fargate modes with IAM enforced', async () => {
    await run('POST', '/environments', spec('demo', { schedule: SCHEDULE }));
    // One task more than the group's maximum holds: scale raises the group's maxSize before the service.
    const parsed = parseEnvSpec(spec('demo'));
    const grow = tasksPerInstance(parsed) * (parsed.capacity?.maxSize ?? 2) + 1;
    expect(grow).toBeLessThanOrEqual(100);
    await run('POST', '/environments/demo/scale', { desiredCount: grow });
    // An up after a scale converges to the spec (create-cluster resizes its group, create-service its service).
    await run('POST', '/environments', spec('demo', { schedule: SCHEDULE }));
    await run('POST', '/environments/demo/redeploy', { image: 'berth/hello:2' });
    // A re-up with the spec's image converges the redeployed service (create-service calls UpdateService), and
    // its schedules: the sleep's time zone changed (UpdateSchedule), the wake dropped (DeleteSchedule).
    await run(
      'POST',
      '/environments',
      spec('demo', { schedule: { sleep: SCHEDULE.sleep, timezone: 'Asia/Seoul' } }),
    );
    // Sleep and wake: the counts remembered, service and group to 0, then restored. The sleep schedule fires
    // (the local cloud's Scheduler invokes the scheduled-action function, which starts the pause).
    const fired = await e2e.control('/_berth/scheduler/fire', {
      body: { name: 'berth-demo-sleep', group: 'berth-environments' },
    });
    expect(fired.outcome, JSON.stringify(fired)).toBe('invoked');
    const asleep = Date.now() + 60_000;
    while ((await e2e.api('GET', '/environments/demo')).body.status !== 'paused' && Date.now() < asleep) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await e2e.api('GET', '/environments/demo')).body.status).toBe('paused');
    // Wake on request: a request through the paused environment's load balancer reaches the wake function,
    // which starts the resume; the workload answers again once it is done.
    const url = (await e2e.api('GET', '/environments/demo')).body.url;
    expect((await e2e.throughAlb(url, '/')).status).toBe(503);
    const woken = Date.now() + 60_000;
    while ((await e2e.api('GET', '/environments/demo')).body.status !== 'ready' && Date.now() < woken) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await e2e.throughAlb(url, '/')).status).toBe(200);
    await run('POST', '/environments/demo/pause');
    await run('POST', '/environments/demo/resume');
    const extended = await e2e.api('POST', '/environments/demo/extend', { hours: 2 });
    expect(extended.status, extended.text).toBeLessThan(300);
    const planned = await e2e.api('POST', '/environments/demo/plan', { operation: 'down' });
    expect(planned.status, planned.text).toBe(200);
    await run('DELETE', '/environments/demo');
    await run('POST', '/environments', spec('tidal', { loadBalancer: { mode: 'shared' } }));
    // Shared mode: pause and resume change the rule's action (ModifyRule).
    await run('POST', '/environments/tidal/pause');
    await run('POST', '/environments/tidal/resume');
    await run('DELETE', '/environments/tidal');
    await run('POST', '/environments', spec('fg', FARGATE));
    await run('POST', '/environments/fg/scale', { desiredCount: 2 });
    // berth schedule: the schedule function, under the lock, creates both schedules, then changes the sleep's
    // time zone (UpdateSchedule) and drops the wake (DeleteSchedule), storing each in the spec (UpdateItem).
    for (const schedule of [SCHEDULE, { sleep: SCHEDULE.sleep, timezone: 'Asia/Seoul' }]) {
      const changed = await e2e.api('PATCH', '/environments/fg', { schedule });
      expect(changed.status, changed.text).toBe(200);
    }
    await run('DELETE', '/environments/fg');
    usage = e2e.platform.cloud.iam.usage();
    expect(usage.length).toBeGreaterThan(0);
    // The local runtime evaluates the functions' Step Functions and Lambda calls too.
    expect(usage.filter((u) => u.allowed).map((u) => `${idOf(u.functionName)} ${u.action}`)).toEqual(
      expect.arrayContaining(['Api states:StartExecution', 'ApiAux lambda:InvokeFunction']),
    );
  }, 180_000);

  it('uses no action that a function is not granted', () => {
    expect(usage.length, 'the run above failed: fix it first').toBeGreaterThan(0);
    const missing = usage
      .filter((u) => !u.allowed)
      .map(
        (u) =>
          `${idOf(u.functionName)}: add ${u.action} (on ${u.resource}) to HANDLER_PERMISSIONS.${idOf(u.functionName)}`,
      );
    expect(missing, 'in infra/handler-permissions.ts, then npm run iam:policies').toEqual([]);
  });

  it('grants no mutating action that the run never used', () => {
    expect(usage.length, 'the run above failed: fix it first').toBeGreaterThan(0);
    const policies = readFunctionPolicies().functions;
    const unused: string[] = [];
    for (const entry of ALL_HANDLERS) {
      if (entry.id in NOT_EXERCISED) continue;
      const functionName = `berth-${entry.file}`;
      const notObservable = new Set(
        (HANDLER_PERMISSIONS[entry.id] ?? []).filter((p) => p.notObservedLocally).flatMap((p) => p.actions),
      );
      const granted = new Set(
        (policies[functionName]?.statements ?? []).flatMap((s) =>
          s.Action === undefined ? [] : Array.isArray(s.Action) ? s.Action : [s.Action as string],
        ),
      );
      const used = new Set(usage.filter((u) => u.functionName === functionName).map((u) => u.action));
      for (const action of granted) {
        if (!SERVED.test(action) || isReadOnlyAction(action) || notObservable.has(action)) continue;
        if (`${entry.id} ${action}` in NOT_REACHED) continue;
        if (!used.has(action))
          unused.push(`${entry.id}: remove ${action} from HANDLER_PERMISSIONS.${entry.id}`);
      }
    }
    expect(
      unused,
      'granted but never used (infra/handler-permissions.ts, then npm run iam:policies)',
    ).toEqual([]);
  });

  it('keeps its exceptions true: each NOT_REACHED action is granted and really unused', () => {
    const policies = readFunctionPolicies().functions;
    for (const key of Object.keys(NOT_REACHED)) {
      const [id, action] = key.split(' ') as [string, string];
      const functionName = `berth-${ALL_HANDLERS.find((e) => e.id === id)?.file}`;
      const granted = (policies[functionName]?.statements ?? []).flatMap((s) =>
        Array.isArray(s.Action) ? s.Action : [s.Action as string],
      );
      expect(granted, key).toContain(action);
      expect(
        usage.filter((u) => u.functionName === functionName && u.action === action),
        key,
      ).toEqual([]);
    }
    for (const id of Object.keys(NOT_EXERCISED)) {
      const functionName = `berth-${ALL_HANDLERS.find((e) => e.id === id)?.file}`;
      expect(
        usage.filter((u) => u.functionName === functionName),
        id,
      ).toEqual([]);
    }
  });
});

function idOf(functionName: string): string {
  return ALL_HANDLERS.find((e) => `berth-${e.file}` === functionName)?.id ?? functionName;
}
