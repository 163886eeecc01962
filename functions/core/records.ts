import type { RecordedUsage } from './environment-cost.ts';
import { ENVIRONMENT_STATUSES } from './status.ts';
import * as z from './zod.ts';

/**
 * The registry's items (docs/architecture.md, "Registry"), declared once: the DynamoDB adapter
 * (`functions/adapters/registry.ts`) stores and reads them, the entry points' ports
 * (`functions/handlers/http/ports.ts`) hand them to the api, slack and nightly handlers.
 * Each type is inferred from its schema; {@link parseEnvironmentRecord} and friends check an item
 * read back from the table, so a malformed item fails with the field it breaks instead of
 * surfacing later as `undefined`.
 */

const isoTime = () => z.string().check(z.minLength(1));

/** The operation an environment is running (`currentOperation` of its item). */
export const CurrentOperationSchema = z.lazy(() =>
  z.object({
    operationId: z.string(),
    operation: z.string(),
    executionArn: z.exactOptional(z.string()),
    step: z.exactOptional(z.string()),
    startedAt: isoTime(),
  }),
);
export type CurrentOperation = Readonly<z.infer<typeof CurrentOperationSchema>>;

/** Why the last operation failed (`lastFailure` of an environment item). */
export const LastFailureSchema = z.lazy(() =>
  z.object({
    operation: z.string(),
    step: z.exactOptional(z.string()),
    error: z.string(),
    reason: z.string(),
    at: isoTime(),
  }),
);
export type LastFailure = Readonly<z.infer<typeof LastFailureSchema>>;

/** The `sk=META` item of one environment. */
export const EnvironmentRecordSchema = z.lazy(() =>
  z.object({
    name: z.string(),
    status: z.enum(ENVIRONMENT_STATUSES),
    spec: z.exactOptional(z.unknown()),
    resources: z.exactOptional(z.readonly(z.record(z.string(), z.unknown()))),
    url: z.exactOptional(z.string()),
    owner: z.exactOptional(z.string()),
    keep: z.exactOptional(z.boolean()),
    /** ISO timestamp. */
    expiresAt: z.exactOptional(isoTime()),
    createdAt: isoTime(),
    updatedAt: isoTime(),
    currentOperation: z.exactOptional(z.readonly(CurrentOperationSchema)),
    lastFailure: z.exactOptional(z.readonly(LastFailureSchema)),
    /** What it runs, since when, and the cost accrued before (docs/cost.md; `environment-cost.ts` computes it). */
    usage: z.exactOptional(
      z.custom<RecordedUsage>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as { observedAt?: unknown }).observedAt === 'string' &&
          typeof (value as { accruedUsd?: unknown }).accruedUsd === 'number',
        { error: 'must be { resources, observedAt, accruedUsd }' },
      ),
    ),
    /** The requests through its load balancer over the last hour, as the idle check last counted them (docs/cost.md). */
    traffic: z.exactOptional(
      z.readonly(
        z.object({
          requestsPerHour: z.number(),
          requests: z.number(),
          windowStart: isoTime(),
          windowEnd: isoTime(),
        }),
      ),
    ),
    /** The expiry last warned about in Slack, and when (docs/slack.md). */
    expiryWarning: z.exactOptional(z.readonly(z.object({ expiresAt: isoTime(), at: isoTime() }))),
    /** What `pause` remembered and `resume` restores (core `PausedCounts`; removed once ready or deleted). */
    paused: z.exactOptional(
      z.readonly(
        z.object({
          at: isoTime(),
          desiredCount: z.number(),
          autoScalingGroup: z.exactOptional(
            z.readonly(z.object({ minSize: z.number(), maxSize: z.number(), desiredCapacity: z.number() })),
          ),
        }),
      ),
    ),
  }),
);
export type EnvironmentRecord = Readonly<z.infer<typeof EnvironmentRecordSchema>>;

/** The `sk=LOCK` item: held by `token` until `expiresAt` (epoch seconds). */
export const LockRecordSchema = z.lazy(() =>
  z.object({
    token: z.string(),
    operationId: z.string(),
    operation: z.string(),
    /** Epoch seconds. */
    expiresAt: z.number(),
  }),
);
export type LockRecord = Readonly<z.infer<typeof LockRecordSchema>>;

/** One step of an operation as the record handler writes it (`status`: started, ok, failed, pending…). */
export const OperationStepSchema = z.lazy(() =>
  z.object({
    step: z.string(),
    status: z.string(),
    /** ISO time of this status. */
    at: isoTime(),
    detail: z.exactOptional(z.string()),
  }),
);
export type OperationStep = Readonly<z.infer<typeof OperationStepSchema>>;

/** The `sk=OP#<startedAt>#<operationId>` item. */
export const OperationRecordSchema = z.lazy(() =>
  z.object({
    env: z.string(),
    operationId: z.string(),
    operation: z.string(),
    requestId: z.string(),
    requestedBy: z.string(),
    /** The entry point that asked (api, slack, cli-local, nightly, schedule, wake, idle); absent on older records. */
    entry: z.exactOptional(z.string()),
    executionArn: z.exactOptional(z.string()),
    status: z.string(),
    steps: z.readonly(z.array(z.readonly(OperationStepSchema))),
    startedAt: isoTime(),
    finishedAt: z.exactOptional(isoTime()),
    error: z.exactOptional(z.string()),
  }),
);
export type OperationRecord = Readonly<z.infer<typeof OperationRecordSchema>>;

/** The idempotency item `pk=REQ#<requestId>`; `executionArn` is set once the execution has started. */
export const RequestRecordSchema = z.lazy(() =>
  z.object({
    requestId: z.string(),
    operationId: z.string(),
    executionArn: z.exactOptional(z.string()),
    env: z.string(),
    operation: z.string(),
    /** Epoch seconds (DynamoDB TTL). */
    ttl: z.number(),
  }),
);
export type RequestRecord = Readonly<z.infer<typeof RequestRecordSchema>>;

/** Thrown when a registry item does not have its documented shape. */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
}

// The item itself is returned once it checks out, so attributes this module does not list yet survive a read.
const parser =
  <S extends z.ZodMiniType>(schema: S, what: string) =>
  (item: unknown): z.infer<S> => {
    const result = schema.safeParse(item);
    if (result.success) return item as z.infer<S>;
    const [issue] = result.error.issues;
    const field = issue === undefined || issue.path.length === 0 ? what : `${what}.${issue.path.join('.')}`;
    throw new MalformedRecordError(`registry item ${field}: ${issue?.message ?? 'is malformed'}`);
  };

/**
 * Checks an environment item read from the registry.
 *
 * @throws MalformedRecordError naming the field (`registry item environment.status: Invalid option…`)
 * @example parseEnvironmentRecord({ name: 'demo', status: 'ready', createdAt: 't', updatedAt: 't' }).status // 'ready'
 */
export const parseEnvironmentRecord: (item: unknown) => EnvironmentRecord = parser(
  EnvironmentRecordSchema,
  'environment',
);
/** Checks a lock item read from the registry. */
export const parseLockRecord: (item: unknown) => LockRecord = parser(LockRecordSchema, 'lock');
/** Checks an operation item read from the registry. */
export const parseOperationRecord: (item: unknown) => OperationRecord = parser(
  OperationRecordSchema,
  'operation',
);
/** Checks an idempotency item read from the registry. */
export const parseRequestRecord: (item: unknown) => RequestRecord = parser(RequestRecordSchema, 'request');
