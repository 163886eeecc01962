import { type SpecIssue, toSpecIssues } from './env-spec.ts';
import { ValidationError } from './errors.ts';
import type { EntryPoint } from './operation.ts';
import * as z from './zod.ts';

/**
 * Who may do what (docs/security.md): one policy for every entry point. Roles are fixed — `viewer` reads,
 * `deployer` changes the environments it owns or is granted, `admin` does everything — and the policy says who
 * holds them (IAM principals for the API; Slack teams, users and channels) and which images may run.
 */

/** Everything a caller can ask Berth to do, per entry point. */
export const ACCESS_ACTIONS = [
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
] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

export const ROLES = ['viewer', 'deployer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const READ_ACTIONS: ReadonlySet<AccessAction> = new Set(['ls', 'status', 'history', 'logs']);
/** What a deployer may do to environments it owns or is granted. */
const DEPLOYER_ACTIONS: ReadonlySet<AccessAction> = new Set([
  ...READ_ACTIONS,
  'up',
  'scale',
  'redeploy',
  'extend',
  'keep',
  'pause',
  'resume',
]);
/** What the nightly job may do: it tears down or pauses, nothing else. */
const NIGHTLY_ACTIONS: ReadonlySet<AccessAction> = new Set(['ls', 'status', 'down', 'pause']);
/** What the idle check may do: it pauses, nothing else. */
const IDLE_ACTIONS: ReadonlySet<AccessAction> = new Set(['ls', 'status', 'pause']);
/** What an environment's sleep/wake schedule may do: pause and resume it, nothing else. */
const SCHEDULE_ACTIONS: ReadonlySet<AccessAction> = new Set(['status', 'pause', 'resume']);

const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, deployer: 1, admin: 2 };

/** A glob: `*` matches any run of characters, `?` one character; everything else is literal. */
const GLOB_RULE = 'must be a non-empty pattern of at most 512 characters (use * and ? as wildcards)';
const Glob = () =>
  z
    .string({ error: GLOB_RULE })
    .check(z.minLength(1, { error: GLOB_RULE }), z.maxLength(512, { error: GLOB_RULE }));
const globs = () =>
  z
    .array(Glob(), { error: 'must be a list of patterns' })
    .check(z.maxLength(200, { error: 'must hold at most 200 patterns' }));

const SLACK_ID_RULE = 'must be Slack ids or patterns (e.g. T0123ABCD, U*, C0123ABCD)';
const slackIds = () =>
  z
    .array(
      z.string({ error: SLACK_ID_RULE }).check(z.regex(/^[A-Z0-9*?]{1,32}$/, { error: SLACK_ID_RULE })),
      {
        error: SLACK_ID_RULE,
      },
    )
    .check(
      z.minLength(1, { error: 'must name at least one id (leave the field out to match any)' }),
      z.maxLength(500, { error: 'must hold at most 500 ids' }),
    );

/** One grant of a role to a set of callers, optionally on environments they do not own. */
export const BindingSchema = z.lazy(() =>
  z
    .strictObject(
      {
        role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
        /** IAM principal ARNs or patterns (API callers), e.g. `arn:aws:sts::123456789012:assumed-role/Dev/*`. */
        principals: z.optional(globs()),
        /** Slack callers: every listed field must match; a missing field matches any. */
        slack: z.optional(
          z.strictObject(
            {
              teams: z.optional(slackIds()),
              users: z.optional(slackIds()),
              channels: z.optional(slackIds()),
            },
            { error: 'must be an object with teams, users and/or channels' },
          ),
        ),
        /** Environment name patterns a deployer may change besides its own (an admin may change all). */
        environments: z.optional(globs()),
      },
      { error: 'must be an object' },
    )
    .check(
      z.refine((binding) => binding.principals !== undefined || binding.slack !== undefined, {
        error: 'must name principals or slack callers',
      }),
    ),
);

export const ImagePolicySchema = z.lazy(() =>
  z.strictObject(
    {
      /**
       * `registry/repository` patterns, e.g. `123456789012.dkr.ecr.*.amazonaws.com/team-*`, `docker.io/library/nginx`
       * (a bare `nginx` means `docker.io/library/nginx`), or `*` for any image.
       */
      allow: globs().check(z.minLength(1, { error: 'must name at least one pattern' })),
      /** Whether the `latest` tag (or no tag at all) may run. Default: false. */
      latest: z._default(z.boolean({ error: 'must be true or false' }), false),
    },
    { error: 'must be an object' },
  ),
);

/** What the nightly job may act on (it only tears down and pauses); default: every environment. */
export const NightlyPolicySchema = z.lazy(() =>
  z.strictObject(
    {
      /** Environment name patterns the nightly job may tear down or pause; others are reported, not touched. */
      environments: globs(),
    },
    { error: 'must be an object with environments' },
  ),
);

/** What sleep/wake schedules may act on (they only pause and resume); default: every environment. */
export const SchedulePolicySchema = z.lazy(() =>
  z.strictObject(
    {
      /** Environment name patterns whose schedules may pause or resume them; others are logged, not touched. */
      environments: globs(),
    },
    { error: 'must be an object with environments' },
  ),
);

export const AccessPolicySchema = z.lazy(() =>
  z.strictObject(
    {
      version: z.literal(1, { error: 'must be 1' }),
      /** Said in denials and on start-up, e.g. "development policy: everyone is admin". */
      description: z.optional(
        z
          .string({ error: 'must be a string' })
          .check(z.maxLength(500, { error: 'must be at most 500 characters' })),
      ),
      bindings: z
        .array(BindingSchema, { error: 'must be a list of bindings' })
        .check(z.maxLength(1000, { error: 'must hold at most 1000 bindings' })),
      images: ImagePolicySchema,
      nightly: z.optional(NightlyPolicySchema),
      schedule: z.optional(SchedulePolicySchema),
    },
    { error: 'must be an object' },
  ),
);

export type AccessPolicy = z.output<typeof AccessPolicySchema>;
export type AccessPolicyInput = z.input<typeof AccessPolicySchema>;
export type Binding = z.output<typeof BindingSchema>;

/**
 * Parses a policy document (the JSON text or its parsed value).
 *
 * @throws ValidationError naming the first bad field, e.g. `policy.bindings[0].role: must be one of viewer, …`
 */
export function parseAccessPolicy(document: unknown): AccessPolicy {
  let value = document;
  if (typeof document === 'string') {
    try {
      value = JSON.parse(document);
    } catch {
      throw new ValidationError('policy', 'must be a JSON document');
    }
  }
  const result = AccessPolicySchema.safeParse(value);
  if (result.success) return result.data;
  const issues: SpecIssue[] = toSpecIssues(value, result.error.issues, 'policy');
  const [first] = issues;
  const field = first === undefined || first.field === 'policy' ? 'policy' : `policy.${first.field}`;
  throw new ValidationError(field, first?.rule ?? 'must be an object');
}

/** The verified caller: who asked, through which entry point. Never taken from a request body. */
export type Caller =
  | { readonly entry: 'api'; readonly principal: string }
  | { readonly entry: 'slack'; readonly teamId: string; readonly userId: string; readonly channelId?: string }
  | { readonly entry: 'nightly' }
  /** The scheduled idle check (idle sleep: the spec's `idleAfter`). */
  | { readonly entry: 'idle' }
  /** An environment's own sleep/wake schedule (EventBridge Scheduler invoking `scheduled-action`). */
  | { readonly entry: 'schedule' }
  | { readonly entry: 'local'; readonly user: string };

/**
 * The owner string recorded for what a caller creates, and compared with an environment's owner: the IAM
 * principal (an assumed-role session keeps its session name), `slack:<team>/<user>`, or the local OS user.
 */
export function ownerOf(caller: Caller): string {
  switch (caller.entry) {
    case 'api':
      return caller.principal;
    case 'slack':
      return `slack:${caller.teamId}/${caller.userId}`;
    case 'nightly':
      return 'berth:nightly';
    case 'idle':
      return 'berth:idle';
    case 'schedule':
      return 'berth:schedule';
    case 'local':
      return caller.user;
  }
}

/** The entry point an operation asked for by this caller is recorded under (operation history). */
export function entryOf(caller: Caller): EntryPoint {
  switch (caller.entry) {
    case 'api':
      return 'api';
    case 'slack':
      return 'slack';
    case 'nightly':
      return 'nightly';
    case 'idle':
      return 'idle';
    case 'schedule':
      return 'schedule';
    case 'local':
      return 'cli-local';
  }
}

/** A readable name of the caller for denials and logs. */
export function describeCaller(caller: Caller): string {
  switch (caller.entry) {
    case 'api':
      return `API caller ${caller.principal}`;
    case 'slack':
      return `Slack user ${caller.userId} (team ${caller.teamId}${caller.channelId ? `, channel ${caller.channelId}` : ''})`;
    case 'nightly':
      return 'the nightly job';
    case 'idle':
      return 'the idle check';
    case 'schedule':
      return "the environment's schedule";
    case 'local':
      return `local user ${caller.user}`;
  }
}

export interface AccessRequest {
  readonly caller: Caller;
  readonly action: AccessAction;
  /** The environment acted on; absent for `ls`. */
  readonly env?: string;
  /** The environment's recorded owner; absent when it does not exist yet (an `up` that creates it). */
  readonly envOwner?: string;
  /** The image an `up` or `redeploy` would run. */
  readonly image?: string;
  /** A wildcard host (`*.example.com`) an `up` would claim on the shared ALB: admin-only. */
  readonly wildcardHost?: string;
}

export type AccessDecision =
  | { readonly allowed: true; readonly role: Role | 'nightly' | 'idle' | 'schedule'; readonly reason: string }
  | { readonly allowed: false; readonly reason: string };

/**
 * Decides whether a caller may perform an action: pure, the same function for the API, Slack and the nightly job.
 * A denial's reason says who, what, which environment and why.
 *
 * @example authorize(policy, { caller: { entry: 'slack', teamId: 'T1', userId: 'U9' }, action: 'down', env: 'demo', envOwner: 'ana' })
 */
export function authorize(policy: AccessPolicy, request: AccessRequest): AccessDecision {
  const { caller, action, env } = request;
  const subject = `${describeCaller(caller)} may not ${action}${env ? ` environment '${env}'` : ''}`;
  if (caller.entry === 'nightly') {
    if (!NIGHTLY_ACTIONS.has(action)) {
      return { allowed: false, reason: `${subject}: the nightly job only lists, tears down and pauses` };
    }
    const scope = policy.nightly?.environments;
    if (env !== undefined && scope !== undefined && !scope.some((pattern) => globMatch(pattern, env))) {
      return {
        allowed: false,
        reason: `${subject}: the access policy limits the nightly job to environments ${scope.join(', ')}`,
      };
    }
    return { allowed: true, role: 'nightly', reason: 'the nightly job tears down and pauses' };
  }
  if (caller.entry === 'idle') {
    // The environment asked for it (its spec's idleAfter, set by a caller allowed to `up` it): the idle check
    // only pauses, and only environments the policy lets scheduled jobs act on (the nightly scope).
    if (!IDLE_ACTIONS.has(action)) {
      return { allowed: false, reason: `${subject}: the idle check only lists and pauses` };
    }
    const scope = policy.nightly?.environments;
    if (env !== undefined && scope !== undefined && !scope.some((pattern) => globMatch(pattern, env))) {
      return {
        allowed: false,
        reason: `${subject}: the access policy limits scheduled jobs to environments ${scope.join(', ')}`,
      };
    }
    return {
      allowed: true,
      role: 'idle',
      reason: 'the idle check pauses environments idle for their idleAfter',
    };
  }
  if (caller.entry === 'schedule') {
    if (!SCHEDULE_ACTIONS.has(action)) {
      return { allowed: false, reason: `${subject}: a schedule only pauses and resumes` };
    }
    const scope = policy.schedule?.environments;
    if (env !== undefined && scope !== undefined && !scope.some((pattern) => globMatch(pattern, env))) {
      return {
        allowed: false,
        reason: `${subject}: the access policy limits schedules to environments ${scope.join(', ')}`,
      };
    }
    return { allowed: true, role: 'schedule', reason: "the environment's schedule pauses and resumes it" };
  }
  const bindings = policy.bindings.filter((binding) => matchesCaller(binding, caller));
  if (bindings.length === 0) {
    return { allowed: false, reason: `${subject}: no binding of the access policy names this caller` };
  }
  const own = env !== undefined && (request.envOwner === undefined || request.envOwner === ownerOf(caller));
  let best: { role: Role; why: string } | undefined;
  for (const binding of bindings) {
    const why = grantReason(binding, action, env, own);
    if (why !== undefined && (best === undefined || ROLE_RANK[binding.role] > ROLE_RANK[best.role])) {
      best = { role: binding.role, why };
    }
  }
  if (best === undefined) {
    const top = bindings.reduce((a, b) => (ROLE_RANK[b.role] > ROLE_RANK[a.role] ? b : a)).role;
    return { allowed: false, reason: `${subject}: ${refusal(top, action, request)}` };
  }
  if (request.wildcardHost !== undefined && best.role !== 'admin') {
    return {
      allowed: false,
      reason: `${subject}: the wildcard host ${request.wildcardHost} is admin-only on the shared load balancer (it would catch other environments' hosts)`,
    };
  }
  if ((action === 'up' || action === 'redeploy') && request.image !== undefined) {
    const image = checkImage(policy, request.image);
    if (!image.allowed) return { allowed: false, reason: `${subject}: ${image.reason}` };
  }
  return { allowed: true, role: best.role, reason: best.why };
}

function refusal(role: Role, action: AccessAction, request: AccessRequest): string {
  if (role === 'viewer') return `the caller's role is viewer, which may only ${[...READ_ACTIONS].join(', ')}`;
  if (action === 'down') {
    return `only an admin may tear down an environment it does not own (owner: ${request.envOwner ?? 'unknown'})`;
  }
  if (!DEPLOYER_ACTIONS.has(action)) return `the caller's role is deployer, which may not ${action}`;
  return `the environment belongs to ${request.envOwner ?? 'someone else'} and is not granted to the caller`;
}

function grantReason(
  binding: Binding,
  action: AccessAction,
  env: string | undefined,
  own: boolean,
): string | undefined {
  switch (binding.role) {
    case 'admin':
      return 'admin';
    case 'viewer':
      return READ_ACTIONS.has(action) ? 'viewer' : undefined;
    case 'deployer': {
      if (READ_ACTIONS.has(action)) return 'deployer';
      if (action === 'down' && own) return 'deployer, own environment';
      if (!DEPLOYER_ACTIONS.has(action) || env === undefined) return undefined;
      if (own) return 'deployer, own environment';
      const granted = binding.environments?.find((pattern) => globMatch(pattern, env));
      return granted === undefined ? undefined : `deployer, granted ${granted}`;
    }
  }
}

function matchesCaller(binding: Binding, caller: Caller): boolean {
  switch (caller.entry) {
    case 'api':
    case 'local': {
      const id = caller.entry === 'api' ? caller.principal : caller.user;
      return binding.principals?.some((pattern) => globMatch(pattern, id)) ?? false;
    }
    case 'slack': {
      const slack = binding.slack;
      if (slack === undefined) return false;
      const any = (ids: readonly string[] | undefined, id: string | undefined) =>
        ids === undefined || (id !== undefined && ids.some((pattern) => globMatch(pattern, id)));
      return (
        any(slack.teams, caller.teamId) &&
        any(slack.users, caller.userId) &&
        any(slack.channels, caller.channelId)
      );
    }
    case 'nightly':
    case 'idle':
    case 'schedule':
      return false;
  }
}

/** An image reference split into the parts the policy speaks of. */
export interface ImageRef {
  /** `registry/repository`, with Docker Hub's implicit registry and `library/` made explicit. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/**
 * Normalises an image reference: `nginx:1.27` → `docker.io/library/nginx` tag `1.27`;
 * `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:…` keeps its registry and digest.
 */
export function parseImageRef(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return {
    repository: normaliseRepository(rest),
    ...(tag === undefined ? {} : { tag }),
    ...(digest ? { digest } : {}),
  };
}

function normaliseRepository(name: string): string {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return name;
  return `docker.io/${slash < 0 ? `library/${name}` : name}`;
}

/** Whether the policy's image rules allow an image; a refusal lists the allowed patterns. */
export function checkImage(
  policy: AccessPolicy,
  image: string,
): { allowed: true } | { allowed: false; reason: string } {
  const ref = parseImageRef(image);
  const patterns = policy.images.allow;
  const matched = patterns.some(
    (pattern) =>
      pattern === '*' ||
      globMatch(pattern.includes('*') ? pattern : normaliseRepository(pattern), ref.repository),
  );
  if (!matched) {
    return { allowed: false, reason: `image ${image} is not allowed (allowed: ${patterns.join(', ')})` };
  }
  const latest = ref.digest === undefined && (ref.tag === undefined || ref.tag === 'latest');
  if (latest && !policy.images.latest) {
    return {
      allowed: false,
      reason: `image ${image} runs the 'latest' tag, which the policy does not allow: pin a tag or a digest`,
    };
  }
  return { allowed: true };
}

/**
 * Glob match over the whole string: `*` any run of characters, `?` one character. Linear-time (no regular
 * expression built from user input, so no catastrophic backtracking).
 */
export function globMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      p += 1;
      v += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      mark = v;
      p += 1;
    } else if (star >= 0) {
      p = star + 1;
      mark += 1;
      v = mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p += 1;
  return p === pattern.length;
}

/** The local platform's policy: everyone is admin, any image. Said so on start-up. */
export const DEVELOPMENT_POLICY: AccessPolicy = Object.freeze({
  version: 1 as const,
  description: 'development policy: every caller is admin and any image may run (local platform only)',
  bindings: [{ role: 'admin' as const, principals: ['*'], slack: {} }],
  images: { allow: ['*'], latest: true },
});

/**
 * The policy of a deployed stack with none configured: Slack may only read, the API is open to the principals
 * given at deploy time (as admins), nobody else.
 */
export function defaultDeployedPolicy(apiPrincipals: readonly string[]): AccessPolicy {
  return {
    version: 1,
    description: 'default policy: no access policy is configured; Slack is read-only',
    bindings: [
      { role: 'viewer', slack: {} },
      ...(apiPrincipals.length > 0 ? [{ role: 'admin' as const, principals: [...apiPrincipals] }] : []),
    ],
    images: { allow: ['*'], latest: true },
  };
}
