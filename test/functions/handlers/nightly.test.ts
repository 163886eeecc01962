import { describe, expect, it } from 'vitest';
import { parseAccessPolicy } from '../../../functions/core/access-policy.ts';
import type { HttpPoster } from '../../../functions/handlers/http/http-poster.ts';
import { makeHandler } from '../../../functions/handlers/nightly.ts';
import { FakeRegistry, readyEnv } from './entry-fakes.ts';

const NOW = new Date('2026-01-02T03:00:00.000Z');

const registry = () => {
  const r = new FakeRegistry();
  r.environments.set('kept', readyEnv('kept', { keep: true }));
  r.environments.set('expired', readyEnv('expired', { expiresAt: '2026-01-01T00:00:00.000Z' }));
  r.environments.set('fresh', readyEnv('fresh', { expiresAt: '2026-01-03T00:00:00.000Z' }));
  r.environments.set('gone', readyEnv('gone', { status: 'deleted' }));
  const sleepy = readyEnv('sleepy', { expiresAt: '2026-01-03T00:00:00.000Z' });
  r.environments.set('sleepy', { ...sleepy, spec: { ...(sleepy.spec as object), nightly: 'pause' } });
  return r;
};

const recordingPoster = (status = 200) => {
  const posts: { url: string; body: any }[] = [];
  const poster: HttpPoster = {
    async postJson(url, body) {
      posts.push({ url, body });
      return { status };
    },
  };
  return { poster, posts };
};

describe('nightly list', () => {
  it('lists expired and unkept environments as candidates and skips the rest with reasons', async () => {
    const result = await makeHandler({ registry: registry(), clock: { now: () => NOW } })({ action: 'list' });
    expect(result).toEqual({
      candidates: [
        { env: 'expired', reason: 'expired at 2026-01-01T00:00:00.000Z', operation: 'down' },
        {
          env: 'fresh',
          reason: 'not kept (would expire at 2026-01-03T00:00:00.000Z)',
          operation: 'down',
        },
        // Its spec's nightly policy is pause: paused instead of torn down.
        { env: 'sleepy', reason: 'nightly: pause (expires at 2026-01-03T00:00:00.000Z)', operation: 'pause' },
      ],
      skipped: [
        { env: 'gone', reason: 'already deleted' },
        { env: 'kept', reason: 'kept (keep=true) although expired at 2026-01-02T00:00:00.000Z' },
      ],
      dryRun: false,
    });
  });

  it('authorizes each teardown with the access policy: a refused environment is reported, not handed on', async () => {
    const denials: Record<string, unknown>[] = [];
    const policy = parseAccessPolicy({
      version: 1,
      bindings: [],
      images: { allow: ['*'] },
      nightly: { environments: ['exp*'] },
    });
    const result = await makeHandler({
      registry: registry(),
      clock: { now: () => NOW },
      policy: async () => policy,
      denialLogger: (entry) => denials.push(entry),
    })({ action: 'list' });
    const refusal =
      "the nightly job may not down environment 'fresh': the access policy limits the nightly job to environments exp*";
    const pauseRefusal =
      "the nightly job may not pause environment 'sleepy': the access policy limits the nightly job to environments exp*";
    expect(result).toMatchObject({
      candidates: [{ env: 'expired', reason: 'expired at 2026-01-01T00:00:00.000Z' }],
      skipped: [
        { env: 'fresh', reason: `refused by the access policy: ${refusal}` },
        { env: 'gone', reason: 'already deleted' },
        { env: 'kept', reason: 'kept (keep=true) although expired at 2026-01-02T00:00:00.000Z' },
        // Its nightly policy is pause: the pause is authorized like a teardown, and refused here.
        { env: 'sleepy', reason: `refused by the access policy: ${pauseRefusal}` },
      ],
    });
    expect(denials).toEqual([
      { caller: 'the nightly job', action: 'down', env: 'fresh', reason: refusal },
      { caller: 'the nightly job', action: 'pause', env: 'sleepy', reason: pauseRefusal },
    ]);
  });

  it('refuses every teardown when the access policy cannot be read (fail closed)', async () => {
    const denials: Record<string, unknown>[] = [];
    const result = (await makeHandler({
      registry: registry(),
      clock: { now: () => NOW },
      policy: async () => parseAccessPolicy('{"version": 2}'),
      denialLogger: (entry) => denials.push(entry),
    })({ action: 'list' })) as { candidates: unknown[]; skipped: { env: string; reason: string }[] };
    expect(result.candidates).toEqual([]);
    expect(result.skipped.map((s) => s.env)).toEqual(['expired', 'fresh', 'gone', 'kept', 'sleepy']);
    expect(result.skipped[0]?.reason).toMatch(
      /refused by the access policy: .*could not be read or is malformed/,
    );
    expect(denials.map((d) => d['reason'])).toEqual([
      'policy unavailable: policy.version: must be 1',
      'policy unavailable: policy.version: must be 1',
      'policy unavailable: policy.version: must be 1',
    ]);
  });

  it('passes dryRun through and decides against the given time', async () => {
    const result = await makeHandler({ registry: registry() })({
      action: 'list',
      dryRun: true,
      now: '2025-12-31T00:00:00.000Z',
    });
    expect(result).toMatchObject({ dryRun: true });
    expect((result as { skipped: { env: string; reason: string }[] }).skipped).toContainEqual({
      env: 'kept',
      reason: 'kept (keep=true)',
    });
  });

  it('rejects an invalid now', async () => {
    await expect(
      makeHandler({ registry: registry() })({ action: 'list', now: 'yesterday' }),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'now: must be an ISO date-time',
    });
  });
});

describe('nightly report', () => {
  it('splits results into torn down and failed and posts the report', async () => {
    const { poster, posts } = recordingPoster();
    const result = await makeHandler({ registry: registry(), poster, webhookUrl: 'http://127.0.0.1:9/hook' })(
      {
        action: 'report',
        skipped: [{ env: 'kept', reason: 'kept (keep=true)' }],
        results: [
          { env: 'expired', status: 'Succeeded', executionArn: 'arn:exec:1' },
          {
            env: 'fresh',
            status: 'Failed',
            error: 'OwnershipConflictError',
            cause: JSON.stringify({
              errorType: 'OwnershipConflictError',
              errorMessage: 'sg berth-fresh-alb is foreign',
            }),
          },
        ],
      },
    );
    expect(result).toEqual({
      tornDown: [{ env: 'expired', executionArn: 'arn:exec:1' }],
      skipped: [{ env: 'kept', reason: 'kept (keep=true)' }],
      failed: [{ env: 'fresh', error: 'OwnershipConflictError: sg berth-fresh-alb is foreign' }],
      notification: { delivered: true },
      expiredLogGroups: [],
      // The torn-down environment was never seen running (no recorded usage): its saving is unknown.
      savings: {
        hourlyUsd: 0,
        nightUsd: 0,
        hours: 12,
        environments: [],
        unknown: [{ env: 'expired', reason: 'never seen running' }],
      },
    });
    expect(posts[0]?.url).toBe('http://127.0.0.1:9/hook');
    expect(posts[0]?.body.text).toBe('Nightly teardown: 1 torn down, 1 skipped, 1 failed');
  });

  it("says what the night's teardowns save, from what each environment ran before", async () => {
    const r = registry();
    const ran = {
      region: 'us-east-1',
      instances: [{ type: 't3.small', count: 2 }],
      loadBalancer: { mode: 'dedicated' as const },
    };
    r.environments.set(
      'expired',
      readyEnv('expired', {
        status: 'deleted',
        usage: {
          resources: { region: 'us-east-1', instances: [] },
          before: ran,
          observedAt: '2026-01-02T02:00:00.000Z',
          accruedUsd: 1,
        },
      }),
    );
    const { poster, posts } = recordingPoster();
    const result = await makeHandler({
      registry: r,
      poster,
      webhookUrl: 'http://127.0.0.1:9/hook',
      nightHours: 10,
    })({ action: 'report', results: [{ env: 'expired', status: 'Succeeded' }] });
    // 2 × 0.0208 + 2 × 30 × 0.08 / 730 + 0.0225 = 0.070675 per hour; × 10 h
    expect(result).toMatchObject({
      savings: {
        hourlyUsd: 0.070675,
        nightUsd: 0.70675,
        hours: 10,
        environments: [{ env: 'expired', action: 'down', hourlyUsd: 0.070675 }],
        unknown: [],
      },
    });
    expect(posts[0]?.body.text).toBe(
      'Nightly teardown: 1 torn down, 0 skipped, 0 failed; saves $0.0707/h ($0.7067 over 10 h)',
    );
    expect(JSON.stringify(posts[0]?.body.blocks)).toContain('• expired (down) — $0.0707/h');
  });

  it("gives a failure without a cause the reason the registry recorded for that environment's down", async () => {
    const r = registry();
    const failure = { operation: 'down', step: 'teardown-cluster', error: 'TransientAwsError', at: 'x' };
    r.environments.set('fresh', readyEnv('fresh', { lastFailure: { ...failure, reason: 'internal error' } }));
    r.environments.set(
      'expired',
      readyEnv('expired', { lastFailure: { ...failure, operation: 'up', reason: 'an older up' } }),
    );

    const result = await makeHandler({ registry: r })({
      action: 'report',
      results: [
        { env: 'fresh', status: 'Failed', error: 'States.TaskFailed' },
        { env: 'expired', status: 'Failed', error: 'States.TaskFailed' },
      ],
    });

    expect((result as { failed: unknown }).failed).toEqual([
      { env: 'fresh', error: 'States.TaskFailed: teardown-cluster: TransientAwsError: internal error' },
      { env: 'expired', error: 'States.TaskFailed' },
    ]);
  });

  it('deletes kept log groups whose expiry passed and nothing else', async () => {
    const groups = new Map<string, Record<string, string>>([
      ['/berth/old', { 'berth:managed-by': 'berth', 'berth:logs-expire-at': '2026-01-01T00:00:00.000Z' }],
      ['/berth/later', { 'berth:managed-by': 'berth', 'berth:logs-expire-at': '2026-02-01T00:00:00.000Z' }],
      ['/berth/live', { 'berth:managed-by': 'berth', 'berth:env': 'live' }],
      ['/berth/foreign', { 'berth:logs-expire-at': '2026-01-01T00:00:00.000Z' }],
    ]);
    const logs = {
      listLogGroups: async (prefix: string) =>
        [...groups].filter(([name]) => name.startsWith(prefix)).map(([name, tags]) => ({ name, tags })),
      deleteLogGroup: async (name: string) => groups.delete(name),
    };
    const result = await makeHandler({ registry: registry(), logs, clock: { now: () => NOW } })({
      action: 'report',
      results: [],
    });
    expect(result).toMatchObject({
      expiredLogGroups: [{ group: '/berth/old', reason: 'kept logs expired at 2026-01-01T00:00:00.000Z' }],
    });
    expect([...groups.keys()]).toEqual(['/berth/later', '/berth/live', '/berth/foreign']);
  });

  it('reports without posting when no webhook is configured', async () => {
    const { poster, posts } = recordingPoster();
    const result = await makeHandler({ registry: registry(), poster })({ action: 'report', results: [] });
    expect(result).toMatchObject({
      notification: { delivered: false, reason: 'no responseUrl or webhook configured' },
    });
    expect(posts).toHaveLength(0);
  });

  it('does not fail when the webhook answers an error', async () => {
    const { poster } = recordingPoster(500);
    const result = await makeHandler({ registry: registry(), poster, webhookUrl: 'http://127.0.0.1:9/hook' })(
      {
        action: 'report',
        results: [],
      },
    );
    expect(result).toMatchObject({
      notification: { delivered: false, reason: 'receiver answered HTTP 500' },
    });
  });

  it('rejects an unknown action', async () => {
    await expect(makeHandler({ registry: registry() })({ action: 'purge' } as never)).rejects.toMatchObject({
      name: 'ValidationError',
      message: "action: must be 'list' or 'report'",
    });
  });
});
