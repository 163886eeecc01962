import { describe, expect, it } from 'vitest';
import { decideNightly } from '../../../functions/core/nightly.ts';

const NOW = new Date('2026-11-25T03:00:00Z');
const PAST = '2026-11-24T03:00:00.000Z';
const FUTURE = '2026-11-26T03:00:00.000Z';

describe('decideNightly', () => {
  it.each([
    [
      'an expired environment',
      { keep: false, expiresAt: PAST, status: 'ready' },
      'teardown',
      `expired at ${PAST}`,
    ],
    [
      'an unexpired environment that is not kept',
      { keep: false, expiresAt: FUTURE, status: 'ready' },
      'teardown',
      `not kept (would expire at ${FUTURE})`,
    ],
    ['a kept environment', { keep: true, expiresAt: FUTURE, status: 'ready' }, 'skip', 'kept (keep=true)'],
    [
      'a kept environment past its expiry',
      { keep: true, expiresAt: PAST, status: 'ready' },
      'skip',
      `kept (keep=true) although expired at ${PAST}`,
    ],
    ['a deleted environment', { keep: false, expiresAt: PAST, status: 'deleted' }, 'skip', 'already deleted'],
    [
      'an unexpired environment whose nightly policy is pause',
      { keep: false, expiresAt: FUTURE, status: 'ready', nightly: 'pause' as const },
      'pause',
      `nightly: pause (expires at ${FUTURE})`,
    ],
    [
      'an expired environment whose nightly policy is pause (its time is up)',
      { keep: false, expiresAt: PAST, status: 'paused', nightly: 'pause' as const },
      'teardown',
      `expired at ${PAST}`,
    ],
    [
      'a paused environment whose nightly policy is pause',
      { keep: false, expiresAt: FUTURE, status: 'paused', nightly: 'pause' as const },
      'skip',
      'already paused (nightly: pause)',
    ],
    [
      'an environment whose nightly policy is keep, past its expiry',
      { keep: false, expiresAt: PAST, status: 'ready', nightly: 'keep' as const },
      'skip',
      `kept (nightly: keep) although expired at ${PAST}`,
    ],
    [
      'a paused environment whose nightly policy is destroy (the default)',
      { keep: false, expiresAt: FUTURE, status: 'paused' },
      'teardown',
      `not kept (would expire at ${FUTURE})`,
    ],
    [
      'an environment being torn down',
      { keep: false, expiresAt: PAST, status: 'tearing-down' },
      'skip',
      'teardown already in progress',
    ],
    [
      'an environment rolling back',
      { keep: false, expiresAt: PAST, status: 'rolling-back' },
      'skip',
      'rollback (teardown) already in progress',
    ],
    [
      'a failed environment',
      { keep: false, expiresAt: PAST, status: 'failed' },
      'teardown',
      `expired at ${PAST}`,
    ],
    [
      'an environment without a valid expiry',
      { keep: false, expiresAt: 'soon', status: 'ready' },
      'teardown',
      'not kept (no valid expiry)',
    ],
    [
      'an environment expiring exactly now',
      { keep: false, expiresAt: NOW.toISOString(), status: 'ready' },
      'teardown',
      `expired at ${NOW.toISOString()}`,
    ],
  ])('decides for %s', (_label, record, action, reason) => {
    expect(decideNightly({ name: 'demo', ...record }, NOW)).toEqual({ action, reason });
  });
});
