import { describe, expect, it } from 'vitest';
import { dueWarnings, ownerMention } from '../../../functions/core/expiry-warning.ts';

const now = new Date('2026-01-01T12:00:00.000Z');
const at = (hours: number) => new Date(now.getTime() + hours * 3_600_000).toISOString();

describe('dueWarnings', () => {
  it('warns environments expiring within the window, soonest first', () => {
    const due = dueWarnings(
      [
        { name: 'later', status: 'ready', expiresAt: at(1.5) },
        { name: 'soon', status: 'paused', expiresAt: at(0.25) },
        { name: 'far', status: 'ready', expiresAt: at(3) },
      ],
      now,
      2,
    );
    expect(due).toEqual([
      { env: 'soon', expiresAt: at(0.25), hoursLeft: 0.25 },
      { env: 'later', expiresAt: at(1.5), hoursLeft: 1.5 },
    ]);
  });

  it('skips kept, deleted, busy, expired and already-warned environments', () => {
    expect(
      dueWarnings(
        [
          { name: 'kept', status: 'ready', keep: true, expiresAt: at(1) },
          { name: 'gone', status: 'deleted', expiresAt: at(1) },
          { name: 'busy', status: 'redeploying', expiresAt: at(1) },
          { name: 'past', status: 'ready', expiresAt: at(-1) },
          { name: 'told', status: 'ready', expiresAt: at(1), expiryWarning: { expiresAt: at(1) } },
        ],
        now,
        2,
      ),
    ).toEqual([]);
  });

  it('warns again about a new expiry after an extension', () => {
    const due = dueWarnings(
      [{ name: 'moved', status: 'ready', expiresAt: at(1), expiryWarning: { expiresAt: at(-7) } }],
      now,
      2,
    );
    expect(due.map((d) => d.env)).toEqual(['moved']);
  });
});

describe('ownerMention', () => {
  it('mentions a Slack owner and leaves other owners as they are', () => {
    expect(ownerMention('slack:T0001/U0042')).toBe('<@U0042>');
    expect(ownerMention('arn:aws:iam::1:user/ana')).toBe('arn:aws:iam::1:user/ana');
    expect(ownerMention(undefined)).toBeUndefined();
  });
});
