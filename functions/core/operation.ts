import * as z from 'zod';
import { EnvNameSchema, EnvSpecSchema, ImageSchema, type SpecIssue, toSpecIssues } from './env-spec.ts';
import { ValidationError } from './errors.ts';
import { MAX_EXTEND_HOURS } from './limits.ts';

/** The operations of the lifecycle state machine. */
export const OPERATIONS = ['up', 'down', 'scale', 'redeploy', 'extend'] as const;
export type OperationName = (typeof OPERATIONS)[number];

const text = (max: number) => {
  const rule = `must be a non-empty string of at most ${max} characters`;
  return z.string({ error: rule }).min(1, { error: rule }).max(max, { error: rule });
};

/**
 * Input of the lifecycle state machine. `up` needs `spec` (whose `name` must equal `env`),
 * `scale` needs `desiredCount`, `extend` needs `hours` (or `keep: true`, which sets the keep flag); `redeploy` takes
 * an optional `image`; `slackMessage: 'replace'` makes the result replace the Slack message that started it.
 */
export const OperationInputSchema = z
  .strictObject(
    {
      operation: z.enum(OPERATIONS, { error: `must be one of ${OPERATIONS.join(', ')}` }),
      env: EnvNameSchema,
      spec: EnvSpecSchema.optional(),
      desiredCount: z
        .number({ error: 'must be an integer from 0 to 100' })
        .int({ error: 'must be an integer from 0 to 100' })
        .min(0, { error: 'must be an integer from 0 to 100' })
        .max(100, { error: 'must be an integer from 0 to 100' })
        .optional(),
      image: ImageSchema.optional(),
      hours: z
        .number({ error: `must be an integer from 1 to ${MAX_EXTEND_HOURS}` })
        .int({ error: `must be an integer from 1 to ${MAX_EXTEND_HOURS}` })
        .min(1, { error: `must be an integer from 1 to ${MAX_EXTEND_HOURS}` })
        .max(MAX_EXTEND_HOURS, { error: `must be an integer from 1 to ${MAX_EXTEND_HOURS}` })
        .optional(),
      requestId: text(128),
      requestedBy: text(256),
      responseUrl: z
        .string({ error: 'must be an http(s) URL' })
        .regex(/^https?:\/\/\S+$/, { error: 'must be an http(s) URL' })
        .optional(),
      dryRun: z.boolean({ error: 'must be true or false' }).optional(),
      keep: z.boolean({ error: 'must be true or false' }).optional(),
      slackMessage: z.literal('replace', { error: "must be 'replace'" }).optional(),
    },
    { error: 'must be an object' },
  )
  .superRefine((input, ctx) => {
    const need = (field: 'spec' | 'desiredCount' | 'hours') => {
      if (input[field] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `is required for operation '${input.operation}'`,
        });
      }
    };
    if (input.operation === 'up') need('spec');
    if (input.operation === 'scale') need('desiredCount');
    if (input.operation === 'extend' && input.keep !== true) need('hours');
    if (input.spec !== undefined && input.spec.name !== input.env) {
      ctx.addIssue({ code: 'custom', path: ['spec', 'name'], message: `must equal env (${input.env})` });
    }
  });

/** A validated operation input (the spec, when present, has its defaults applied). */
export type OperationInput = z.output<typeof OperationInputSchema>;

/**
 * Validates a state machine input.
 *
 * @throws ValidationError for the first issue (`spec.healthCheck.path: must start with '/' …`)
 * @example parseOperationInput({ operation: 'down', env: 'demo', requestId: 'r1', requestedBy: 'ana' }).operation // 'down'
 */
export function parseOperationInput(input: unknown): OperationInput {
  const result = OperationInputSchema.safeParse(input);
  if (result.success) return result.data;
  const issues: SpecIssue[] = toSpecIssues(input, result.error.issues, 'input');
  const [first] = issues;
  throw new ValidationError(first?.field ?? 'input', first?.rule ?? 'must be an object');
}
