import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_ACTIONS,
  type AccessAction,
  type AccessPolicy,
  authorize,
  type Caller,
  checkImage,
  DEVELOPMENT_POLICY,
  defaultDeployedPolicy,
  entryOf,
  globMatch,
  ownerOf,
  parseAccessPolicy,
  parseImageRef,
} from '../../../functions/core/access-policy.ts';
import { ValidationError } from '../../../functions/core/errors.ts';

const ANA = 'arn:aws:sts::123456789012:assumed-role/Dev/ana';
const BO = 'arn:aws:sts::123456789012:assumed-role/Dev/bo';
const OPS = 'arn:aws:sts::123456789012:assumed-role/Ops/cy';
const api = (principal: string): Caller => ({ entry: 'api', principal });
const slack = (userId: string, channelId = 'C1', teamId = 'T1'): Caller => ({
  entry: 'slack',
  teamId,
  userId,
  channelId,
});

const policy: AccessPolicy = parseAccessPolicy({
  version: 1,
  bindings: [
    {
      role: 'viewer',
      principals: ['arn:aws:sts::123456789012:assumed-role/ReadOnly/*'],
      slack: { teams: ['T1'] },
    },
    { role: 'deployer', principals: ['arn:aws:sts::123456789012:assumed-role/Dev/*'] },
    {
      role: 'deployer',
      slack: { teams: ['T1'], users: ['U1', 'U2'], channels: ['C1'] },
      environments: ['team-*'],
    },
    {
      role: 'admin',
      principals: ['arn:aws:sts::123456789012:assumed-role/Ops/*'],
      slack: { users: ['UADMIN'] },
    },
  ],
  images: { allow: ['docker.io/library/nginx', '123456789012.dkr.ecr.*.amazonaws.com/*'] },
});

describe('parseAccessPolicy', () => {
  it('applies defaults and accepts JSON text', () => {
    const parsed = parseAccessPolicy(
      JSON.stringify({
        version: 1,
        bindings: [{ role: 'admin', principals: ['*'] }],
        images: { allow: ['*'] },
      }),
    );
    expect(parsed.images.latest).toBe(false);
  });

  it.each([
    ['not JSON', '{', 'policy: must be a JSON document'],
    ['a wrong version', { version: 2, bindings: [], images: { allow: ['*'] } }, 'policy.version: must be 1'],
    [
      'an unknown role',
      { version: 1, bindings: [{ role: 'owner', principals: ['*'] }], images: { allow: ['*'] } },
      'policy.bindings.0.role: must be one of viewer, deployer, admin',
    ],
    [
      'a binding naming nobody',
      { version: 1, bindings: [{ role: 'admin' }], images: { allow: ['*'] } },
      'policy.bindings.0: must name principals or slack callers',
    ],
    [
      'a lower-case Slack id',
      { version: 1, bindings: [{ role: 'admin', slack: { users: ['u1'] } }], images: { allow: ['*'] } },
      'policy.bindings.0.slack.users.0: must be Slack ids or patterns',
    ],
    [
      'no image patterns',
      { version: 1, bindings: [], images: { allow: [] } },
      'policy.images.allow: must name at least one',
    ],
    ['a missing images field', { version: 1, bindings: [] }, 'policy.images: is required'],
    [
      'an unknown field',
      { version: 1, bindings: [], images: { allow: ['*'] }, extra: 1 },
      'policy.extra: is not a known field',
    ],
  ])('names the bad field for %s', (_label, document, message) => {
    expect(() => parseAccessPolicy(document)).toThrow(ValidationError);
    expect(() => parseAccessPolicy(document)).toThrow(message);
  });

  it('never throws anything but a ValidationError, whatever the document (fuzz)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.jsonValue(), fc.string()), (document) => {
        try {
          parseAccessPolicy(document);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as Error).message).toMatch(/^policy/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('authorize', () => {
  it('lets a viewer read and refuses every change, saying who, what and why', () => {
    const viewer = api('arn:aws:sts::123456789012:assumed-role/ReadOnly/dee');
    for (const action of ['ls', 'status', 'history', 'logs'] as const) {
      expect(authorize(policy, { caller: viewer, action, env: 'demo', envOwner: ANA }).allowed).toBe(true);
    }
    const decision = authorize(policy, { caller: viewer, action: 'scale', env: 'demo', envOwner: ANA });
    expect(decision).toEqual({
      allowed: false,
      reason:
        "API caller arn:aws:sts::123456789012:assumed-role/ReadOnly/dee may not scale environment 'demo': the caller's role is viewer, which may only ls, status, history, logs",
    });
  });

  it('lets a deployer change and tear down its own environment', () => {
    for (const action of ['up', 'scale', 'redeploy', 'extend', 'keep', 'pause', 'resume', 'down'] as const) {
      expect(
        authorize(policy, { caller: api(ANA), action, env: 'demo', envOwner: ANA }).allowed,
        action,
      ).toBe(true);
    }
  });

  it("refuses a deployer tearing down someone else's environment", () => {
    const decision = authorize(policy, { caller: api(BO), action: 'down', env: 'demo', envOwner: ANA });
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain(
      `only an admin may tear down an environment it does not own (owner: ${ANA})`,
    );
  });

  it("refuses a deployer scaling someone else's environment unless it is granted", () => {
    expect(
      authorize(policy, { caller: api(BO), action: 'scale', env: 'demo', envOwner: ANA }).reason,
    ).toContain(`the environment belongs to ${ANA} and is not granted to the caller`);
    const granted = authorize(policy, { caller: slack('U2'), action: 'scale', env: 'team-a', envOwner: ANA });
    expect(granted).toEqual({ allowed: true, role: 'deployer', reason: 'deployer, granted team-*' });
    // A grant does not extend to teardown.
    expect(
      authorize(policy, { caller: slack('U2'), action: 'down', env: 'team-a', envOwner: ANA }).allowed,
    ).toBe(false);
  });

  it('lets an admin tear down anything', () => {
    expect(authorize(policy, { caller: api(OPS), action: 'down', env: 'demo', envOwner: ANA })).toMatchObject(
      {
        allowed: true,
        role: 'admin',
      },
    );
    expect(
      authorize(policy, { caller: slack('UADMIN', 'C9', 'T7'), action: 'down', env: 'x', envOwner: ANA })
        .allowed,
    ).toBe(true);
  });

  it('refuses a Slack user, channel or team outside the policy', () => {
    // U3 is in T1, so it is a viewer there, but not a deployer.
    expect(
      authorize(policy, { caller: slack('U3'), action: 'redeploy', env: 'team-a', envOwner: ANA }).allowed,
    ).toBe(false);
    // U1 from another channel: only the viewer binding of T1 applies.
    expect(
      authorize(policy, { caller: slack('U1', 'C2'), action: 'redeploy', env: 'team-a', envOwner: ANA })
        .allowed,
    ).toBe(false);
    // Another team: nothing applies.
    const other = authorize(policy, {
      caller: slack('U1', 'C1', 'T2'),
      action: 'status',
      env: 'team-a',
      envOwner: ANA,
    });
    expect(other).toEqual({
      allowed: false,
      reason:
        "Slack user U1 (team T2, channel C1) may not status environment 'team-a': no binding of the access policy names this caller",
    });
  });

  it('refuses an API caller outside the policy', () => {
    const decision = authorize(policy, {
      caller: api('arn:aws:iam::999999999999:user/mallory'),
      action: 'ls',
    });
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain('no binding of the access policy names this caller');
  });

  it('refuses an image outside the allowed patterns, listing them', () => {
    const decision = authorize(policy, {
      caller: api(ANA),
      action: 'up',
      env: 'new',
      image: 'ghcr.io/evil/miner:1.0',
    });
    expect(decision).toEqual({
      allowed: false,
      reason:
        "API caller arn:aws:sts::123456789012:assumed-role/Dev/ana may not up environment 'new': image ghcr.io/evil/miner:1.0 is not allowed (allowed: docker.io/library/nginx, 123456789012.dkr.ecr.*.amazonaws.com/*)",
    });
    expect(
      authorize(policy, { caller: api(ANA), action: 'up', env: 'new', image: 'nginx:1.27' }).allowed,
    ).toBe(true);
    expect(
      authorize(policy, {
        caller: api(ANA),
        action: 'redeploy',
        env: 'new',
        envOwner: ANA,
        image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v2',
      }).allowed,
    ).toBe(true);
  });

  it("refuses the 'latest' tag (explicit or implied) unless the policy allows it; digests are pinned", () => {
    for (const image of ['nginx', 'nginx:latest', 'docker.io/library/nginx:latest']) {
      expect(authorize(policy, { caller: api(ANA), action: 'up', env: 'n', image }).reason).toContain(
        "runs the 'latest' tag",
      );
    }
    expect(checkImage(policy, `nginx@sha256:${'a'.repeat(64)}`)).toEqual({ allowed: true });
    expect(checkImage(DEVELOPMENT_POLICY, 'nginx')).toEqual({ allowed: true });
  });

  it('lets the nightly job list, tear down and pause only', () => {
    const nightly: Caller = { entry: 'nightly' };
    expect(authorize(policy, { caller: nightly, action: 'down', env: 'demo', envOwner: ANA }).allowed).toBe(
      true,
    );
    expect(authorize(policy, { caller: nightly, action: 'pause', env: 'demo', envOwner: ANA }).allowed).toBe(
      true,
    );
    expect(
      authorize(policy, { caller: nightly, action: 'redeploy', env: 'demo', envOwner: ANA }).allowed,
    ).toBe(false);
  });

  it("limits the nightly job to the policy's nightly environments, naming them in the refusal", () => {
    const scoped = parseAccessPolicy({
      version: 1,
      bindings: [],
      images: { allow: ['*'] },
      nightly: { environments: ['qa-*', 'tmp-?'] },
    });
    const nightly: Caller = { entry: 'nightly' };
    expect(authorize(scoped, { caller: nightly, action: 'down', env: 'qa-1' }).allowed).toBe(true);
    expect(authorize(scoped, { caller: nightly, action: 'pause', env: 'tmp-a' }).allowed).toBe(true);
    expect(authorize(scoped, { caller: nightly, action: 'ls' }).allowed).toBe(true);
    const refused = authorize(scoped, { caller: nightly, action: 'down', env: 'prod-api' });
    expect(refused).toEqual({
      allowed: false,
      reason:
        "the nightly job may not down environment 'prod-api': the access policy limits the nightly job to environments qa-*, tmp-?",
    });
    expect(() =>
      parseAccessPolicy({ version: 1, bindings: [], images: { allow: ['*'] }, nightly: {} }),
    ).toThrow('policy.nightly.environments');
  });

  it('lets only an admin claim a wildcard host on the shared load balancer', () => {
    const request = { action: 'up' as const, env: 'new', wildcardHost: '*.example.com' };
    const refused = authorize(policy, { caller: api(ANA), ...request });
    expect(refused.allowed).toBe(false);
    expect(refused.allowed ? '' : refused.reason).toContain(
      'the wildcard host *.example.com is admin-only on the shared load balancer',
    );
    expect(authorize(policy, { caller: api(ANA), action: 'up', env: 'new' }).allowed).toBe(true);
    expect(authorize(DEVELOPMENT_POLICY, { caller: api(ANA), ...request }).allowed).toBe(true);
  });

  it("names the entry point each caller's operations are recorded under", () => {
    expect(entryOf(api(ANA))).toBe('api');
    expect(entryOf(slack('U1'))).toBe('slack');
    expect(entryOf({ entry: 'local', user: 'ana' })).toBe('cli-local');
    expect(entryOf({ entry: 'nightly' })).toBe('nightly');
  });

  it('decides every (role, action, ownership) combination as the role table says', () => {
    const table: Record<string, readonly AccessAction[]> = {
      viewer: ['ls', 'status', 'history', 'logs'],
      'deployer-own': [
        'ls',
        'status',
        'history',
        'logs',
        'up',
        'down',
        'scale',
        'redeploy',
        'extend',
        'keep',
        'pause',
        'resume',
      ],
      'deployer-other': ['ls', 'status', 'history', 'logs'],
      admin: ACCESS_ACTIONS,
    };
    const one = (role: 'viewer' | 'deployer' | 'admin'): AccessPolicy =>
      parseAccessPolicy({
        version: 1,
        bindings: [{ role, principals: ['me'] }],
        images: { allow: ['*'], latest: true },
      });
    const caller = api('me');
    for (const [row, allowed] of Object.entries(table)) {
      const role = row.split('-')[0] as 'viewer' | 'deployer' | 'admin';
      const envOwner = row === 'deployer-other' ? 'someone' : 'me';
      for (const action of ACCESS_ACTIONS) {
        const decision = authorize(one(role), { caller, action, env: 'e', envOwner });
        expect(decision.allowed, `${row} ${action}`).toBe(allowed.includes(action));
      }
    }
  });

  it('never allows a caller no binding names, and never throws (fuzz)', () => {
    const arbCaller: fc.Arbitrary<Caller> = fc.oneof(
      fc.record({ entry: fc.constant('api' as const), principal: fc.string() }),
      fc.record({
        entry: fc.constant('slack' as const),
        teamId: fc.string(),
        userId: fc.string(),
        channelId: fc.string(),
      }),
    );
    const empty = parseAccessPolicy({ version: 1, bindings: [], images: { allow: ['*'] } });
    fc.assert(
      fc.property(
        arbCaller,
        fc.constantFrom(...ACCESS_ACTIONS),
        fc.string(),
        fc.string(),
        (caller, action, env, image) => {
          expect(authorize(empty, { caller, action, env, image }).allowed).toBe(false);
          const decision = authorize(policy, { caller, action, env, envOwner: 'someone', image });
          expect(typeof decision.reason).toBe('string');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('default policies', () => {
  it('a deployed stack without a policy: Slack reads only, the API only for the deploy-time principals', () => {
    const deployed = defaultDeployedPolicy([OPS]);
    expect(
      authorize(deployed, { caller: slack('U1'), action: 'status', env: 'demo', envOwner: ANA }).allowed,
    ).toBe(true);
    expect(
      authorize(deployed, { caller: slack('U1'), action: 'redeploy', env: 'demo', envOwner: ANA }).allowed,
    ).toBe(false);
    expect(
      authorize(deployed, { caller: api(OPS), action: 'down', env: 'demo', envOwner: ANA }).allowed,
    ).toBe(true);
    expect(authorize(deployed, { caller: api(ANA), action: 'ls' }).allowed).toBe(false);
    expect(authorize(defaultDeployedPolicy([]), { caller: api(OPS), action: 'ls' }).allowed).toBe(false);
  });

  it('the development policy lets everyone do everything', () => {
    expect(
      authorize(DEVELOPMENT_POLICY, {
        caller: { entry: 'local', user: 'ana' },
        action: 'down',
        env: 'x',
        envOwner: 'bo',
      }).allowed,
    ).toBe(true);
    expect(
      authorize(DEVELOPMENT_POLICY, { caller: slack('U1'), action: 'down', env: 'x', envOwner: 'bo' })
        .allowed,
    ).toBe(true);
    expect(parseAccessPolicy(DEVELOPMENT_POLICY)).toEqual(DEVELOPMENT_POLICY);
  });
});

describe('helpers', () => {
  it.each([
    ['*', 'anything', true],
    ['arn:aws:sts::1:assumed-role/Dev/*', 'arn:aws:sts::1:assumed-role/Dev/ana', true],
    ['arn:aws:sts::1:assumed-role/Dev/*', 'arn:aws:sts::1:assumed-role/Ops/ana', false],
    ['team-?', 'team-a', true],
    ['team-?', 'team-ab', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbYd', false],
    ['', '', true],
    ['abc', 'ab', false],
  ])('globMatch(%s, %s) = %s', (pattern, value, expected) => {
    expect(globMatch(pattern, value)).toBe(expected);
  });

  it('globMatch runs in linear time on adversarial patterns', () => {
    const started = performance.now();
    expect(globMatch(`${'*a'.repeat(200)}b`, 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it.each([
    ['nginx', { repository: 'docker.io/library/nginx' }],
    ['nginx:1.27', { repository: 'docker.io/library/nginx', tag: '1.27' }],
    ['bitnami/redis:7', { repository: 'docker.io/bitnami/redis', tag: '7' }],
    ['localhost:5000/app:v1', { repository: 'localhost:5000/app', tag: 'v1' }],
    [
      'public.ecr.aws/nginx/nginx@sha256:abc',
      { repository: 'public.ecr.aws/nginx/nginx', digest: 'sha256:abc' },
    ],
  ])('parseImageRef(%s)', (image, expected) => {
    expect(parseImageRef(image)).toEqual(expected);
  });

  it('records the owner from the verified identity', () => {
    expect(ownerOf(api(ANA))).toBe(ANA);
    expect(ownerOf(slack('U1'))).toBe('slack:T1/U1');
    expect(ownerOf({ entry: 'local', user: 'ana' })).toBe('ana');
  });
});
