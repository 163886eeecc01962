import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateTransitionsOf } from '../../functions/core/state-transitions.ts';
import type { IdleCheckResult, MeasuredTraffic } from '../../functions/handlers/idle-check.ts';
import { type E2EPlatform, spec, startE2EPlatform } from './helpers/platform.ts';

/**
 * The cost of sample environments end to end: up through the API on the local platform, verify observes what runs,
 * record stores it, and the API prices it — against figures computed by hand from the shipped us-east-1 table
 * (functions/core/cost.ts): t3.small $0.0208/h, gp3 $0.08/GB-month (730 h), ALB $0.0225/h, Fargate x86_64
 * $0.04048 per vCPU-hour and $0.004445 per GB-hour.
 */
describe('environment cost through the API', () => {
  let e2e: E2EPlatform;
  const startedAt = Date.now();
  let upExecutionArn = '';
  /** The capacity units of the requests measured through the EC2 environment's ALB, per hour (USD). */
  let lcuHourly = 0;
  /** The one-off cost in the API: the state transitions of the operations so far. */
  const oneOffUsd = (cost: { oneOff?: readonly { usd: number }[] }) =>
    (cost.oneOff ?? []).reduce((sum, line) => sum + line.usd, 0);
  /** An execution's history events, oldest first. */
  const historyOf = async (executionArn: string): Promise<HistoryEvent[]> => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await e2e.clients.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, ...(nextToken ? { nextToken } : {}) }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  };

  beforeAll(async () => {
    // The idle check (which measures the request rates) runs only when a test asks.
    e2e = await startE2EPlatform({ idleCheckSeconds: 0 });
    const [ec2, fargate] = await Promise.all([
      e2e.api(
        'POST',
        '/environments',
        spec('priced', { capacity: { minSize: 1, maxSize: 1, desiredCapacity: 1 } }),
      ),
      e2e.api(
        'POST',
        '/environments',
        spec('fgpriced', { launchType: 'FARGATE', cpu: 512, memory: 1024, desiredCount: 2 }),
      ),
    ]);
    expect(ec2.status, ec2.text).toBe(202);
    expect(fargate.status, fargate.text).toBe(202);
    const done = await Promise.all([
      e2e.waitForExecution(ec2.body.executionArn),
      e2e.waitForExecution(fargate.body.executionArn),
    ]);
    for (const execution of done) expect(execution.status, execution.cause).toBe('SUCCEEDED');
    upExecutionArn = ec2.body.executionArn;
  });

  afterAll(async () => {
    await e2e?.stop();
  });

  it('prices a dedicated EC2 environment from its observed instances and load balancer', async () => {
    // What runs: one instance (the group is pinned to 1, so managed scaling cannot add a second).
    const groups = await e2e.clients.autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['berth-priced-asg'] }),
    );
    const inService = groups.AutoScalingGroups?.[0]?.Instances?.filter(
      (i) => i.LifecycleState === 'InService',
    );
    expect(inService).toHaveLength(1);
    const described = await e2e.api('GET', '/environments/priced');
    expect(described.status, described.text).toBe(200);
    // 1 × t3.small + 1 × 30 GiB gp3 + 1 ALB = 0.0208 + 30 × 0.08 / 730 + 0.0225 = 0.046587671… → 0.046588
    expect(described.body.cost).toMatchObject({
      hourlyUsd: 0.046588,
      currency: 'USD',
      region: 'us-east-1',
      pricesAsOf: '2026-11-01',
      lines: [
        { item: '1 × t3.small', hourlyUsd: 0.0208 },
        { item: '1 × 30 GiB gp3', hourlyUsd: 0.003288 },
        { item: 'Application Load Balancer', hourlyUsd: 0.0225 },
      ],
    });
    // The accrued cost counts from the observation (rounded to 1e-6 USD, ≈ 40 ms at this rate): read it again
    // once some time has passed since then, so the amount is measurably above zero.
    const observedAt = Date.parse(described.body.cost.observedAt);
    await new Promise((r) => setTimeout(r, Math.max(0, observedAt + 250 - Date.now())));
    const later = await e2e.api('GET', '/environments/priced');
    const hours = (Date.now() - startedAt) / 3_600_000;
    expect(later.body.cost.sinceCreatedUsd).toBeGreaterThan(oneOffUsd(later.body.cost));
    expect(later.body.cost.sinceCreatedUsd).toBeLessThanOrEqual(
      0.046588 * hours + oneOffUsd(later.body.cost) + 1e-6,
    );
  });

  it("adds the up's state transitions once, as a one-off line, counted from its execution's history", async () => {
    // What the record at the end of up saw: the history up to its own Task (RecordReady) being scheduled — its
    // LambdaFunctionScheduled included (with a retried Task earlier, that event counts in the retries).
    const events = await historyOf(upExecutionArn);
    const recordEntered = events.findIndex(
      (e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === 'RecordReady',
    );
    expect(recordEntered).toBeGreaterThan(0);
    const recordScheduled = events.findIndex(
      (e, i) => i > recordEntered && e.type === 'LambdaFunctionScheduled',
    );
    expect(recordScheduled).toBeGreaterThan(recordEntered);
    const transitions = stateTransitionsOf(events.slice(0, recordScheduled + 1).map((e) => e.type));
    const all = stateTransitionsOf(events.map((e) => e.type));
    expect(transitions).toBeGreaterThan(10);
    const described = await e2e.api('GET', '/environments/priced');
    // Each transition is $0.000025 (Step Functions Standard, us-east-1).
    expect(described.body.cost.oneOff).toEqual([
      { item: `${transitions} state transitions`, usd: Math.round(transitions * 25) / 1e6 },
    ]);
    // The closing states after the record (lock release, notification, end) are the only ones not counted.
    expect(all - transitions).toBeLessThanOrEqual(4);
  });

  it('prices a Fargate environment from its running tasks and their size', async () => {
    const listed = await e2e.api('GET', '/environments');
    const fargate = listed.body.environments.find((e: { name: string }) => e.name === 'fgpriced');
    // 2 tasks × (0.5 vCPU × 0.04048 + 1 GB × 0.004445) + ALB 0.0225 = 0.04937 + 0.0225 = 0.07187
    expect(fargate.cost).toMatchObject({
      hourlyUsd: 0.07187,
      lines: [
        { item: '2 × Fargate 0.5 vCPU / 1 GB', hourlyUsd: 0.04937 },
        { item: 'Application Load Balancer', hourlyUsd: 0.0225 },
      ],
    });
  });

  it('prices the requests through its ALB as capacity units once the idle check measured them', async () => {
    const before = await e2e.api('GET', '/environments/priced');
    const sent = 30;
    for (let i = 0; i < sent; i += 1) expect((await e2e.throughAlb(before.body.url, '/')).status).toBe(200);
    // The ALB's RequestCount reaches CloudWatch a (scaled) minute late: measure again until all of them count.
    let measured: MeasuredTraffic | undefined;
    const deadline = Date.now() + 30_000;
    do {
      const result = (await e2e.platform.handlers.invoke('idle-check', {})) as IdleCheckResult;
      measured = result.measured.find((m) => m.env === 'priced');
      if ((measured?.requests ?? 0) >= sent) break;
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    // Verify's probes went through the same ALB, so at least the requests sent here.
    expect(measured?.requests).toBeGreaterThanOrEqual(sent);
    expect(measured?.error).toBeUndefined();
    const { env: _env, unchanged: _unchanged, ...traffic } = measured as MeasuredTraffic;
    // Young environment: its window starts at the minute it was created, ends now.
    const windowHours = (Date.parse(traffic.windowEnd) - Date.parse(traffic.windowStart)) / 3_600_000;
    expect(windowHours).toBeGreaterThan(0);
    expect(windowHours).toBeLessThanOrEqual(1);
    expect(traffic.requestsPerHour).toBeCloseTo(traffic.requests / windowHours, 2);

    const described = await e2e.api('GET', '/environments/priced');
    // The stored figure (written by this run, or by an earlier one that measured the same figure).
    expect(described.body.cost.traffic).toMatchObject({
      requests: traffic.requests,
      requestsPerHour: traffic.requestsPerHour,
    });
    // One LCU is 25 new connections per second = 90,000 requests per hour, at $0.008 per LCU-hour.
    const lcu = traffic.requestsPerHour / 90_000;
    lcuHourly = lcu * 0.008;
    const line = described.body.cost.lines.find((l: { item: string }) => l.item.includes('LCU'));
    expect(line).toEqual({
      item: `${Number(lcu.toPrecision(2))} LCU (${Math.round(traffic.requestsPerHour).toLocaleString('en-US')} requests/h; new connections only, a lower bound)`,
      hourlyUsd: Math.round(lcuHourly * 1e6) / 1e6,
      kind: 'capacity-units',
    });
    expect(line.hourlyUsd).toBeGreaterThan(0);
    expect(described.body.cost.hourlyUsd).toBe(Math.round((0.046587671 + lcuHourly) * 1e6) / 1e6);
  });

  it('costs nothing per hour once torn down, and keeps what it cost', async () => {
    const down = await e2e.api('DELETE', '/environments/priced');
    expect(down.status, down.text).toBe(202);
    expect((await e2e.waitForExecution(down.body.executionArn)).status).toBe('SUCCEEDED');
    const described = await e2e.api('GET', '/environments/priced');
    expect(described.body.status).toBe('deleted');
    expect(described.body.cost).toMatchObject({ hourlyUsd: 0, lines: [] });
    const hours = (Date.now() - startedAt) / 3_600_000;
    expect(described.body.cost.sinceCreatedUsd).toBeGreaterThan(0);
    // The down's transitions are added to the up's.
    expect(described.body.cost.oneOff[0].item).toMatch(/^\d+ state transitions$/);
    expect(described.body.cost.sinceCreatedUsd).toBeLessThanOrEqual(
      (0.046588 + lcuHourly) * hours + oneOffUsd(described.body.cost) + 1e-6,
    );
    const later = await e2e.api('GET', '/environments/priced');
    expect(later.body.cost.sinceCreatedUsd).toBe(described.body.cost.sinceCreatedUsd);
  });
});
