import { EnvNameSchema, EnvSpecSchema, ImageSchema, type SpecIssue, toSpecIssues } from './env-spec.ts';
import { ValidationError } from './errors.ts';
import { MAX_DESIRED_COUNT, MAX_EXTEND_HOURS } from './limits.ts';
import * as z from './zod.ts';

/**
 * The operation input, declared once: the API and Slack check each field they take with
 * {@link checkOperationField} and every start with {@link parseOperationInput} (`startOperation`), the plan
 * Lambda parses its event with {@link parsePlanRequest}, the CLI checks its arguments with
 * {@link checkOperationField}, the lifecycle handlers re-check the field they act on, and the state machine's
 * `ValidateInput` choice is generated from {@link OPERATIONS} and {@link REQUIRED_INPUT}
 * (`statemachine/src/lifecycle.ts`).
 */

/** The operations of the lifecycle state machine. */
export const OPERATIONS = ['up', 'down', 'scale', 'redeploy', 'extend', 'pause', 'resume'] as const;
export type OperationName = (typeof OPERATIONS)[number];

type Need = 'spec' | 'desiredCount' | 'hours';

/** A field an operation needs, unless the named flag is true (`extend` without `hours` when `keep` is true). */
export interface RequiredField {
  readonly field: Need;
  readonly unless?: 'keep';
}

/** The fields an operation cannot run without (besides `env`, `requestId`, `requestedBy`). */
export const REQUIRED_INPUT: Readonly<Record<OperationName, readonly RequiredField[]>> = {
  up: [{ field: 'spec' }],
  down: [],
  scale: [{ field: 'desiredCount' }],
  redeploy: [],
  extend: [{ field: 'hours', unless: 'keep' }],
  pause: [],
  resume: [],
};

const integerFrom = (min: number, max: number) => {
  const rule = `must be an integer from ${min} to ${max}`;
  return z
    .number({ error: rule })
    .check(z.int({ error: rule }), z.gte(min, { error: rule }), z.lte(max, { error: rule }));
};

/** `scale`'s task count. */
export const DesiredCountSchema = z.lazy(() => integerFrom(0, MAX_DESIRED_COUNT));
/** `extend`'s hours (from the later of now and the current expiry). */
export const ExtendHoursSchema = z.lazy(() => integerFrom(1, MAX_EXTEND_HOURS));

const FIELDS = {
  env: EnvNameSchema,
  image: ImageSchema,
  desiredCount: DesiredCountSchema,
  hours: ExtendHoursSchema,
};
type FieldName = keyof typeof FIELDS;

/**
 * Checks one field of an operation input with the operation input's own rule, reported under `field`
 * (a route parameter `name`, a query or CLI argument may carry it under another name).
 *
 * @throws ValidationError(field, rule) — `desiredCount: must be an integer from 0 to 100`
 * @example checkOperationField('hours', 8) // 8
 */
export function checkOperationField<F extends FieldName>(
  name: F,
  value: unknown,
  field: string = name,
): z.output<(typeof FIELDS)[F]> {
  const result = FIELDS[name].safeParse(value);
  if (!result.success) throw new ValidationError(field, result.error.issues[0]?.message ?? 'is invalid');
  return result.data as z.output<(typeof FIELDS)[F]>;
}

/**
 * Through which entry point an operation was asked for (recorded on the operation, shown by `berth history`):
 * the HTTP API in AWS, Slack, the local platform's CLI/API, the nightly job, a schedule, a wake-up request.
 */
export const ENTRY_POINTS = ['api', 'slack', 'cli-local', 'nightly', 'schedule', 'wake', 'idle'] as const;
export type EntryPoint = (typeof ENTRY_POINTS)[number];

export const isEntryPoint = (value: unknown): value is EntryPoint =>
  typeof value === 'string' && (ENTRY_POINTS as readonly string[]).includes(value);

const text = (max: number) => {
  const rule = `must be a non-empty string of at most ${max} characters`;
  return z.string({ error: rule }).check(z.minLength(1, { error: rule }), z.maxLength(max, { error: rule }));
};

/** Request ids become part of execution names: Step Functions' safe characters only. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const REQUEST_ID_RULE = 'must be 1-64 characters of letters, digits, "-" or "_"';
export const RequestIdSchema = z.lazy(() =>
  z.string({ error: REQUEST_ID_RULE }).check(z.regex(REQUEST_ID_PATTERN, { error: REQUEST_ID_RULE })),
);

/**
 * Checks a request id (from `Idempotency-Key`, a body's `requestId`, or a derived id).
 *
 * @throws ValidationError(field, rule)
 * @example checkRequestId('req-1', 'requestId') // 'req-1'
 */
export function checkRequestId(value: unknown, field: string): string {
  const result = RequestIdSchema.safeParse(value);
  if (!result.success) throw new ValidationError(field, REQUEST_ID_RULE);
  return result.data;
}

/** Adds "is required" issues for the `fields` an operation needs, and checks that a spec names `env`. */
const requireFields =
  (required: (operation: string) => readonly RequiredField[], message: (operation: string) => string) =>
  (
    input: {
      operation: string;
      env: string;
      spec?: { name: string } | undefined;
      keep?: boolean | undefined;
    } & Partial<Record<Need, unknown>>,
    ctx: z.core.$RefinementCtx,
  ) => {
    for (const { field, unless } of required(input.operation)) {
      if (input[field] === undefined && !(unless !== undefined && input[unless] === true))
        ctx.addIssue({ code: 'custom', path: [field], message: message(input.operation) });
    }
    if (input.spec !== undefined && input.spec.name !== input.env) {
      ctx.addIssue({
        code: 'custom',
        path: ['spec', 'name'],
        message: `must equal the environment name "${input.env}"`,
      });
    }
  };

/**
 * Input of the lifecycle state machine. `up` needs `spec` (whose `name` must equal `env`),
 * `scale` needs `desiredCount`, `extend` needs `hours` (or `keep: true`, which sets the keep flag); `redeploy` takes
 * an optional `image`; `slackMessage: 'replace'` makes the result replace the Slack message that started it.
 */
export const OperationInputSchema = z.lazy(() =>
  z
    .strictObject(
      {
        operation: z.enum(OPERATIONS, { error: `must be one of ${OPERATIONS.join(', ')}` }),
        env: EnvNameSchema,
        spec: z.optional(EnvSpecSchema),
        desiredCount: z.optional(DesiredCountSchema),
        image: z.optional(ImageSchema),
        hours: z.optional(ExtendHoursSchema),
        requestId: RequestIdSchema,
        requestedBy: text(256),
        /** The entry point that asked (absent in inputs from before it was recorded). */
        entry: z.optional(z.enum(ENTRY_POINTS, { error: `must be one of ${ENTRY_POINTS.join(', ')}` })),
        responseUrl: z.optional(
          z
            .string({ error: 'must be an http(s) URL' })
            .check(z.regex(/^https?:\/\/\S+$/, { error: 'must be an http(s) URL' })),
        ),
        dryRun: z.optional(z.boolean({ error: 'must be true or false' })),
        keep: z.optional(z.boolean({ error: 'must be true or false' })),
        slackMessage: z.optional(z.literal('replace', { error: "must be 'replace'" })),
      },
      { error: 'must be an object' },
    )
    .check(
      z.superRefine(
        requireFields(
          (operation) => REQUIRED_INPUT[operation as OperationName],
          (operation) => `is required for operation '${operation}'`,
        ),
      ),
    ),
);

/** A validated operation input (the spec, when present, has its defaults applied). */
export type OperationInput = z.output<typeof OperationInputSchema>;

const firstIssue = (input: unknown, issues: readonly z.core.$ZodIssue[], root: string): never => {
  const [first]: SpecIssue[] = toSpecIssues(input, issues, root);
  throw new ValidationError(first?.field ?? root, first?.rule ?? 'must be an object');
};

/**
 * Validates a state machine input.
 *
 * @throws ValidationError for the first issue (`spec.healthCheck.path: must start with '/' …`)
 * @example parseOperationInput({ operation: 'down', env: 'demo', requestId: 'r1', requestedBy: 'ana' }).operation // 'down'
 */
export function parseOperationInput(input: unknown): OperationInput {
  const result = OperationInputSchema.safeParse(input);
  return result.success ? result.data : firstIssue(input, result.error.issues, 'input');
}

/** The operations a dry run can preview. */
export const PLANNABLE_OPERATIONS = ['up', 'down', 'scale', 'redeploy', 'pause', 'resume'] as const;
export type PlannableOperation = (typeof PLANNABLE_OPERATIONS)[number];

/**
 * A dry run's request (the plan Lambda's event, built by the API's plan route): the operation input's fields,
 * with the stored spec for every operation but `down`.
 */
export const PlanRequestSchema = z.lazy(() =>
  z
    .strictObject(
      {
        operation: z.enum(PLANNABLE_OPERATIONS, {
          error: `must be one of ${PLANNABLE_OPERATIONS.join(', ')}`,
        }),
        env: EnvNameSchema,
        spec: z.optional(EnvSpecSchema),
        desiredCount: z.optional(DesiredCountSchema),
        image: z.optional(ImageSchema),
        /** pause/resume: the counts a pause remembered (the registry's `paused`; core `parsePausedCounts`). */
        paused: z.optional(z.unknown()),
      },
      { error: 'must be an object' },
    )
    .check(
      z.superRefine(
        requireFields(
          (operation) => [
            ...(operation === 'down' ? [] : [{ field: 'spec' as const }]),
            ...REQUIRED_INPUT[operation as OperationName],
          ],
          (operation) => `is required to plan ${operation}`,
        ),
      ),
    ),
);
/** A checked dry-run request (the spec, when present, has its defaults applied). */
export type ParsedPlanRequest = z.output<typeof PlanRequestSchema>;
/** A dry-run request as the API sends it to the plan Lambda (a stored spec is passed as read). */
export type PlanRequest = Omit<ParsedPlanRequest, 'spec'> & { readonly spec?: unknown };

/**
 * Validates a dry run's request.
 *
 * @throws ValidationError for the first issue (`operation: must be one of up, down, scale, redeploy`)
 * @example parsePlanRequest({ operation: 'down', env: 'demo' }) // { operation: 'down', env: 'demo' }
 */
export function parsePlanRequest(input: unknown): ParsedPlanRequest {
  const result = PlanRequestSchema.safeParse(input);
  return result.success ? result.data : firstIssue(input, result.error.issues, 'input');
}
