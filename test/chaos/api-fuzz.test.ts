import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type E2EPlatform, slackHeaders, startE2EPlatform } from '../e2e/helpers/platform.ts';
import { chaosSeed, withSeed } from './seed.ts';

const seed = chaosSeed();
const RUNS = 60;

let e2e: E2EPlatform;

beforeAll(async () => {
  e2e = await startE2EPlatform();
});

afterAll(async () => {
  await e2e?.stop();
});

async function executionCount(): Promise<number> {
  let count = 0;
  for (const stateMachineArn of [e2e.platform.stateMachines.lifecycle, e2e.platform.stateMachines.nightly]) {
    const listed = await e2e.clients.sfn.send(
      new ListExecutionsCommand({ stateMachineArn, maxResults: 1000 }),
    );
    count += listed.executions?.length ?? 0;
  }
  return count;
}

/** Names that are valid, invalid, or hostile. */
const nameArb = fc.oneof(
  fc.constantFrom('demo', 'a', 'A-b', '-x', 'x-', 'a--b', 'x'.repeat(21), '%2e%2e', '..', 'é', '%00', ' '),
  fc.stringMatching(/^[a-z0-9%._~-]{0,24}$/),
);

/** Bodies: anything JSON, spec-shaped objects with wrong field types, and non-JSON text. */
const specLike = fc.record(
  {
    name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    image: fc.oneof(fc.string(), fc.constant(''), fc.integer()),
    owner: fc.oneof(fc.string(), fc.constant(undefined)),
    desiredCount: fc.oneof(fc.integer({ min: -5, max: 500 }), fc.double(), fc.string()),
    healthCheck: fc.oneof(fc.object(), fc.string(), fc.constant(null)),
    loadBalancer: fc.oneof(fc.record({ mode: fc.string() }), fc.constant([])),
    ttl: fc.oneof(fc.string(), fc.integer()),
  },
  { requiredKeys: [] },
);
const bodyArb = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  specLike.map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constantFrom('', '{', '[]', 'null', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
);

const routeArb = fc.oneof(
  fc.constant({ method: 'POST', path: () => '/environments' }),
  fc.constant({ method: 'DELETE', path: (n: string) => `/environments/${n}` }),
  fc.constant({ method: 'POST', path: (n: string) => `/environments/${n}/scale` }),
  fc.constant({ method: 'POST', path: (n: string) => `/environments/${n}/redeploy` }),
  fc.constant({ method: 'POST', path: (n: string) => `/environments/${n}/extend` }),
  fc.constant({ method: 'POST', path: (n: string) => `/environments/${n}/plan` }),
  fc.constant({ method: 'GET', path: (n: string) => `/environments/${n}?limit=%ff&status=x` }),
  fc.constant({ method: 'PUT', path: (n: string) => `/environments/${n}` }),
);

describe('bad input to the HTTP API', () => {
  it('never answers 5xx and starts no execution for a rejected request', async () => {
    await withSeed(seed, 'API fuzzing', () =>
      fc.assert(
        fc.asyncProperty(routeArb, nameArb, bodyArb, async (route, name, body) => {
          const before = await executionCount();
          const response = await e2e.api(
            route.method,
            route.path(name),
            route.method === 'GET' ? undefined : body,
          );
          expect(
            response.status,
            `${route.method} ${route.path(name)} ${body} → ${response.text}`,
          ).toBeLessThan(500);
          if (response.status !== 202) {
            expect(await executionCount(), `${route.method} ${route.path(name)} ${body}`).toBe(before);
          } else {
            expect(response.body.executionArn).toMatch(/^arn:aws:states:/);
          }
        }),
        { seed, numRuns: RUNS, endOnFailure: true },
      ),
    );
  });
});

describe('bad input to the Slack endpoint', () => {
  const formArb = fc.oneof(
    fc.string(),
    fc
      .record({
        command: fc.constantFrom('/berth', '/other', ''),
        text: fc.oneof(
          fc.string(),
          fc.constantFrom('up', 'down', 'redeploy', 'status', 'extend x 99999', 'down --yes', 'up ../x'),
        ),
        user_name: fc.string(),
        response_url: fc.constantFrom('http://127.0.0.1:9/x', 'not a url', ''),
      })
      .map((r) => new URLSearchParams(r).toString()),
  );
  const signatureArb = fc.constantFrom('none', 'wrong-secret', 'stale', 'garbage');

  it('rejects unsigned, wrongly signed and stale requests without 5xx or executions', async () => {
    await withSeed(seed, 'Slack signature fuzzing', () =>
      fc.assert(
        fc.asyncProperty(formArb, signatureArb, async (body, kind) => {
          const headers =
            kind === 'none'
              ? { 'content-type': 'application/x-www-form-urlencoded' }
              : kind === 'wrong-secret'
                ? slackHeaders(body, 'not-the-secret')
                : kind === 'stale'
                  ? slackHeaders(body, undefined, Math.floor(Date.now() / 1000) - 301)
                  : { ...slackHeaders(body), 'x-slack-signature': 'v0=zz' };
          const before = await executionCount();
          const response = await e2e.api('POST', '/slack/commands', body, headers);
          expect(response.status, `${kind} ${body} → ${response.text}`).toBeGreaterThanOrEqual(400);
          expect(response.status, `${kind} ${body} → ${response.text}`).toBeLessThan(500);
          expect(await executionCount()).toBe(before);
        }),
        { seed, numRuns: RUNS, endOnFailure: true },
      ),
    );
  });

  it('answers signed nonsense without 5xx and starts nothing for unknown environments', async () => {
    await withSeed(seed, 'Slack command fuzzing', () =>
      fc.assert(
        fc.asyncProperty(formArb, async (body) => {
          const before = await executionCount();
          const response = await e2e.api('POST', '/slack/commands', body, slackHeaders(body));
          expect(response.status, `${body} → ${response.text}`).toBeLessThan(500);
          // No environment exists in this platform and `up` needs a spec, so nothing can start.
          expect(await executionCount(), `${body} → ${response.text}`).toBe(before);
        }),
        { seed, numRuns: RUNS, endOnFailure: true },
      ),
    );
  });
});
