/**
 * The local platform under a restrictive access policy file (the `npm start -- --policy FILE` path): fuzzed API
 * and Slack requests from callers the policy does not let change anything never get a 5xx and never start an
 * operation (the executions list and the registry stay as they were).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, slackHeaders, spec, startE2EPlatform } from '../e2e/helpers/platform.ts';
import { chaosSeed, withSeed } from './seed.ts';

const seed = chaosSeed();
const RUNS = 40;

/** The local caller (OS user or BERTH_OWNER) may only read; one Slack user may deploy; only berth/* images. */
const POLICY = {
  version: 1,
  description: 'restrictive test policy',
  bindings: [
    { role: 'viewer', principals: ['*'] },
    { role: 'deployer', slack: { teams: ['TALLOWED'], users: ['UALLOWED'], channels: ['CALLOWED'] } },
  ],
  images: { allow: ['docker.io/berth/*'], latest: false },
};

let e2e: E2EPlatform;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-policy-'));
  const file = join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify(POLICY));
  e2e = await startE2EPlatform({ policyFile: file });
});

afterAll(async () => {
  await e2e?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function executionCount(): Promise<number> {
  const listed = await e2e.clients.sfn.send(
    new ListExecutionsCommand({ stateMachineArn: e2e.platform.stateMachines.lifecycle, maxResults: 1000 }),
  );
  return listed.executions?.length ?? 0;
}

async function environmentCount(): Promise<number> {
  const listed = await e2e.api('GET', '/environments?status=ready');
  expect(listed.status, listed.text).toBe(200);
  const all = await e2e.api('GET', '/environments');
  return (all.body.environments as unknown[]).length;
}

const nameArb = fc.oneof(fc.constantFrom('demo', 'qa-1', 'x'), fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/));
const bodyArb = fc.oneof(
  fc.constant(JSON.stringify(spec('demo'))),
  fc
    .record({ image: fc.constantFrom('berth/hello:1', 'evil/miner:1', 'nginx', 'berth/hello:latest') })
    .map((r) => JSON.stringify(spec('demo', r))),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{"desiredCount":2}',
    '{"hours":2}',
    '{}',
    '{"operation":"up"}',
    '{"image":"berth/hello:2"}',
  ),
);
const routeArb = fc.constantFrom(
  { method: 'POST', path: () => '/environments' },
  { method: 'DELETE', path: (n: string) => `/environments/${n}` },
  { method: 'POST', path: (n: string) => `/environments/${n}/scale` },
  { method: 'POST', path: (n: string) => `/environments/${n}/redeploy` },
  { method: 'POST', path: (n: string) => `/environments/${n}/extend` },
  { method: 'POST', path: (n: string) => `/environments/${n}/plan` },
);

describe('a restrictive policy file on the local platform', () => {
  it('answers a local caller who may only read with 403 on every mutation, never 5xx, starting nothing', async () => {
    const refused = await e2e.api('POST', '/environments', spec('demo'));
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.message).toMatch(
      /local user .+ may not up environment 'demo': the caller's role is viewer/,
    );
    await withSeed(seed, 'policy API fuzzing', () =>
      fc.assert(
        fc.asyncProperty(routeArb, nameArb, bodyArb, async (route, name, body) => {
          const response = await e2e.api(route.method, route.path(name), body);
          const what = `${route.method} ${route.path(name)} ${body} → ${response.text}`;
          expect(response.status, what).toBeLessThan(500);
          expect(response.status, what).not.toBe(202);
          expect(await executionCount(), what).toBe(0);
        }),
        { seed, numRuns: RUNS, endOnFailure: true },
      ),
    );
    expect(await environmentCount()).toBe(0);
  });

  it('refuses Slack callers outside the policy (team, user or channel), never 5xx, starting nothing', async () => {
    const idArb = fc.oneof(
      fc.constantFrom('TALLOWED', 'UALLOWED', 'CALLOWED'),
      fc.stringMatching(/^[A-Z0-9]{1,11}$/),
    );
    const commandArb = fc.constantFrom(
      'down demo',
      'redeploy demo berth/hello:2',
      'extend demo 2',
      'up demo',
      'status demo',
    );
    await withSeed(seed, 'policy Slack fuzzing', () =>
      fc.assert(
        fc.asyncProperty(idArb, idArb, idArb, commandArb, async (team, user, channel, text) => {
          fc.pre(!(team === 'TALLOWED' && user === 'UALLOWED' && channel === 'CALLOWED'));
          const body = new URLSearchParams({
            command: '/berth',
            text,
            team_id: team,
            user_id: user,
            channel_id: channel,
            response_url: 'https://hooks.slack.com/commands/1',
            trigger_id: `${team}.${user}.${channel}.${text}`,
          }).toString();
          const response = await e2e.api('POST', '/slack/commands', body, slackHeaders(body));
          const what = `${team}/${user}/${channel} ${text} → ${response.text}`;
          expect(response.status, what).toBe(200);
          // Slack's team may read (status) only when a binding names it; nobody here is named but the allowed user.
          expect(response.body.text, what).toMatch(
            /^Not allowed: Slack user .+ no binding of the access policy names this caller/,
          );
          expect(await executionCount(), what).toBe(0);
        }),
        { seed, numRuns: RUNS, endOnFailure: true },
      ),
    );
  });

  it('lets the Slack user it names act, through the same policy (the image rules still apply)', async () => {
    const body = (text: string) =>
      new URLSearchParams({
        command: '/berth',
        text,
        team_id: 'TALLOWED',
        user_id: 'UALLOWED',
        channel_id: 'CALLOWED',
        response_url: 'https://hooks.slack.com/commands/1',
        trigger_id: `allowed.${text}`,
      }).toString();
    const image = body('redeploy demo evil/miner:1');
    const refused = await e2e.api('POST', '/slack/commands', image, slackHeaders(image));
    expect(refused.body.text).toMatch(
      /image evil\/miner:1 is not allowed \(allowed: docker\.io\/berth\/\*\)/,
    );
    const status = body('status demo');
    const answered = await e2e.api('POST', '/slack/commands', status, slackHeaders(status));
    expect(answered.body.text).toMatch(/No environment named/);
    expect(await executionCount()).toBe(0);
  });
});
