import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes.ts';
import { run } from '../../cli/main.ts';
import { StepPrinter } from '../../cli/progress.ts';
import { FakeApi, testIo } from './fake-api.ts';

const START = '2026-01-01T12:00:00.000Z';
const at = (s: number) => new Date(Date.parse(START) + s * 1000).toISOString();

/** The steps of a ten-second `up`: the creates, then thirteen verify polls, then ready. */
const UP_STEPS = [
  { step: 'LockAcquire', status: 'ok', at: at(0) },
  { step: 'up', status: 'creating', at: at(0) },
  { step: 'CreateNetwork', status: 'ok', at: at(1) },
  { step: 'CreateService', status: 'ok', at: at(2) },
  ...Array.from({ length: 13 }, (_, i) => ({ step: 'VerifyUp', status: 'ok', at: at(3 + i) })),
];

/** What a terminal shows after the text: `ESC[1A CR ESC[2K` rewrites the previous line. */
const screen = (text: string): string[] => {
  const lines: string[] = [];
  for (const part of text.split('\x1b[1A\r\x1b[2K')) {
    if (lines.length > 0 && part !== text) lines.pop();
    lines.push(...part.split('\n').filter((l) => l !== ''));
  }
  return lines;
};

describe('StepPrinter', () => {
  it('updates one line in place on a terminal for repeated verify polls', () => {
    const out: string[] = [];
    const printer = new StepPrinter((t) => out.push(t), START, true);
    for (const step of UP_STEPS) printer.add(step);
    printer.add({ step: 'RecordReady', status: 'ok', at: at(17) });
    printer.end();
    const shown = screen(out.join(''));
    expect(shown.filter((l) => l.includes('VerifyUp'))).toEqual([
      '  • VerifyUp ×13             ok           +15s',
    ]);
    expect(shown.map((l) => l.trim().split(/\s+/)[1])).toEqual([
      'LockAcquire',
      'up',
      'CreateNetwork',
      'CreateService',
      'VerifyUp',
      'RecordReady',
    ]);
  });

  it('prints the first poll and then one line with the count in a log', () => {
    const out: string[] = [];
    const printer = new StepPrinter((t) => out.push(t), START, false);
    for (const step of UP_STEPS) printer.add(step);
    printer.end();
    const lines = out
      .join('')
      .split('\n')
      .filter((l) => l.includes('VerifyUp'));
    expect(lines).toEqual([
      '  • VerifyUp                 ok           +3s',
      '  • VerifyUp ×13             ok           +15s',
    ]);
    expect(out.join('')).not.toContain('\x1b');
  });

  it('keeps a step that repeats with another status on its own line', () => {
    const out: string[] = [];
    const printer = new StepPrinter((t) => out.push(t), START, false);
    printer.add({ step: 'up', status: 'creating', at: at(0) });
    printer.add({ step: 'up', status: 'ready', at: at(9) });
    printer.end();
    expect(out.join('').trimEnd().split('\n')).toEqual([
      '  • up                       creating     +0s',
      '  ✓ up                       ready        +9s',
    ]);
  });
});

describe('berth up --watch progress', () => {
  const api = new FakeApi();
  beforeAll(() => api.start());
  afterAll(() => api.stop());
  beforeEach(() => api.reset());

  it('shows thirteen verify polls as one line, not thirteen', async () => {
    api.on('POST', '/environments', {
      status: 202,
      body: {
        operationId: 'op-1',
        executionArn: 'arn:x',
        env: 'demo',
        operation: 'up',
        statusUrl: '/environments/demo',
      },
    });
    // Each poll sees one more step; the last one sees the finished operation.
    api.on('GET', '/environments/demo', (_r, n) => {
      const done = n > UP_STEPS.length;
      const steps = done ? [UP_STEPS[1]!, { step: 'up', status: 'ready', at: at(17) }] : UP_STEPS.slice(0, n);
      return {
        status: 200,
        body: {
          name: 'demo',
          status: done ? 'ready' : 'creating',
          url: 'http://berth-demo-alb.elb.localhost:4566/',
          owner: 'ana',
          expiresAt: null,
          keep: false,
          currentOperation: done ? null : { operationId: 'op-1', operation: 'up' },
          spec: {},
          lastFailure: null,
          operations: [
            {
              operationId: 'op-1',
              operation: 'up',
              status: done ? 'succeeded' : 'running',
              requestedBy: 'anonymous',
              startedAt: START,
              finishedAt: done ? at(17) : null,
              steps,
              error: null,
            },
          ],
        },
      };
    });
    const t = testIo();
    const code = await run(['--api', api.url, 'up', 'demo', '--image', 'berth/hello:1'], t.io);
    expect(code).toBe(ExitCode.Ok);
    const verifyLines = t
      .stdout()
      .split('\n')
      .filter((l) => l.includes('VerifyUp'));
    expect(verifyLines).toEqual([
      '  • VerifyUp                 ok           +3s',
      '  • VerifyUp ×13             ok           +15s',
    ]);
    expect(t.stdout()).toContain('up of demo succeeded in 17s — http://berth-demo-alb.elb.localhost:4566/');
  });
});
