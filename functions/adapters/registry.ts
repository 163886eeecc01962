import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ScheduleSpec } from '../core/env-spec.ts';
import type { RecordedTraffic, RecordedUsage } from '../core/environment-cost.ts';
import { NotFoundError, OperationInProgressError, TransientAwsError } from '../core/errors.ts';
import type { PausedCounts } from '../core/plan.ts';
import {
  type CurrentOperation,
  type EnvironmentRecord,
  type LastFailure,
  type LockRecord,
  type OperationRecord,
  type OperationStep,
  parseEnvironmentRecord,
  parseLockRecord,
  parseOperationRecord,
  parseRequestRecord,
  type RequestRecord,
} from '../core/records.ts';
import type { EnvironmentStatus } from '../core/status.ts';
import { awsErrorCode, mapAwsError } from './map-aws-error.ts';

export interface StatusUpdate {
  readonly status: EnvironmentStatus;
  /** Sets `currentOperation.step` (merged into the current operation). */
  readonly step?: string;
  /** Replaces `currentOperation`; `null` removes it. */
  readonly currentOperation?: CurrentOperation | null;
  /** Replaces `resources`. */
  readonly resources?: Readonly<Record<string, unknown>>;
  readonly url?: string;
  /** Sets `lastFailure`; `null` removes it. */
  readonly lastFailure?: LastFailure | null;
  readonly expiresAt?: string;
  readonly keep?: boolean;
  /** Replaces `usage` (what it runs, for its cost). */
  readonly usage?: RecordedUsage;
  /** `null` removes the counts `pause` remembered. */
  readonly paused?: null;
}

export interface AcquireLockInput {
  readonly token: string;
  readonly operationId: string;
  readonly operation: string;
  readonly nowSeconds: number;
  readonly ttlSeconds: number;
}

const envKey = (name: string) => ({ pk: `ENV#${name}`, sk: 'META' });
const lockKey = (name: string) => ({ pk: `ENV#${name}`, sk: 'LOCK' });
const opSk = (startedAt: string, operationId: string) => `OP#${startedAt}#${operationId}`;
const reqKey = (requestId: string) => ({ pk: `REQ#${requestId}`, sk: 'REQ' });

/** Requests {@link DynamoRegistry.getStartReads} makes at most while keys come back unprocessed. */
export const BATCH_GET_ATTEMPTS = 4;

const isConditionFailure = (err: unknown) => awsErrorCode(err) === 'ConditionalCheckFailedException';

function strip<T extends Record<string, unknown>>(item: T | undefined): T | undefined {
  if (item === undefined) return undefined;
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as T;
}

/**
 * Berth's registry: one DynamoDB table (`pk`/`sk`) holding environments, locks, operations and
 * idempotency records (docs/architecture.md). No transactions (dynalite has none).
 *
 * @example
 * const registry = new DynamoRegistry(dynamoDocumentClient(), 'berth-registry');
 * const env = await registry.getEnvironment('demo');
 */
export class DynamoRegistry {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async call<T>(context: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw mapAwsError(err, `dynamodb.${context}`);
    }
  }

  /** The environment's META item, or `undefined`. */
  async getEnvironment(name: string): Promise<EnvironmentRecord | undefined> {
    const out = await this.call(`GetItem ${name}`, () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: envKey(name), ConsistentRead: true })),
    );
    return out.Item === undefined ? undefined : parseEnvironmentRecord(strip(out.Item));
  }

  /** Every environment (Scan with `sk = META`, all pages). */
  async listEnvironments(): Promise<EnvironmentRecord[]> {
    const items: EnvironmentRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Scan META', () =>
        this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            FilterExpression: 'sk = :meta',
            ExpressionAttributeValues: { ':meta': 'META' },
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) items.push(parseEnvironmentRecord(strip(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  /** Writes the whole META item (create or replace). */
  async putEnvironment(record: EnvironmentRecord): Promise<void> {
    await this.call(`PutItem ${record.name}`, () =>
      this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: { ...envKey(record.name), ...record } }),
      ),
    );
  }

  /**
   * Updates status and the given fields; creates the META item if missing (keeps `createdAt`).
   * A `step` is merged into the current operation (read, then write: the caller holds the lock).
   */
  async updateStatus(name: string, update: StatusUpdate): Promise<void> {
    const at = this.now().toISOString();
    const names: Record<string, string> = { '#status': 'status', '#name': 'name' };
    const values: Record<string, unknown> = {
      ':status': update.status,
      ':name': name,
      ':now': at,
    };
    const sets = [
      '#status = :status',
      '#name = :name',
      'updatedAt = :now',
      'createdAt = if_not_exists(createdAt, :now)',
    ];
    const removes: string[] = [];

    let current = update.currentOperation;
    if (update.step !== undefined && current !== null) {
      const base = current ?? (await this.getEnvironment(name))?.currentOperation;
      if (base !== undefined) current = { ...base, step: update.step };
    }
    if (current === null) removes.push('currentOperation');
    else if (current !== undefined) {
      sets.push('currentOperation = :op');
      values[':op'] = current;
    }
    for (const field of ['resources', 'url', 'expiresAt', 'keep', 'usage'] as const) {
      if (update[field] === undefined) continue;
      sets.push(`#${field} = :${field}`);
      names[`#${field}`] = field;
      values[`:${field}`] = update[field];
    }
    if (update.paused === null) removes.push('paused');
    if (update.lastFailure === null) removes.push('lastFailure');
    else if (update.lastFailure !== undefined) {
      sets.push('lastFailure = :failure');
      values[':failure'] = update.lastFailure;
    }
    const expression = `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`;
    await this.call(`UpdateItem ${name}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: envKey(name),
          UpdateExpression: expression,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /**
   * Sets the keep flag of an environment, and of its stored spec when it has one (so a later `up` from the stored
   * spec keeps it too). One UpdateItem.
   */
  async setKeep(name: string, options: { readonly inSpec: boolean }): Promise<void> {
    await this.call(`UpdateItem keep ${name}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: envKey(name),
          UpdateExpression: options.inSpec
            ? 'SET #keep = :keep, #spec.#keep = :keep, updatedAt = :now'
            : 'SET #keep = :keep, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#keep': 'keep', ...(options.inSpec ? { '#spec': 'spec' } : {}) },
          ExpressionAttributeValues: { ':keep': true, ':now': this.now().toISOString() },
        }),
      ),
    );
  }

  /**
   * Sets the stored spec's `idleAfter` (idle sleep), or removes it with null, and moves `updatedAt` (the idle
   * check counts an environment idle only from its last change). One conditional UpdateItem: an environment
   * without a stored spec is `NotFoundError`.
   */
  async setIdleAfter(name: string, idleAfter: string | null): Promise<{ updatedAt: string }> {
    return this.setSpecField(name, 'idleAfter', idleAfter);
  }

  /**
   * Sets the stored spec's sleep/wake `schedule`, or removes it with null, and moves `updatedAt` (`berth schedule`,
   * functions/handlers/schedule.ts). One conditional UpdateItem: an environment without a stored spec is
   * `NotFoundError`.
   */
  async setSchedule(name: string, schedule: ScheduleSpec | null): Promise<{ updatedAt: string }> {
    return this.setSpecField(name, 'schedule', schedule);
  }

  /**
   * Sets one field of the stored spec, or removes it with null, and moves `updatedAt`: one conditional
   * UpdateItem; an environment without a stored spec is `NotFoundError`.
   */
  private async setSpecField(
    name: string,
    field: 'idleAfter' | 'schedule',
    value: unknown,
  ): Promise<{ updatedAt: string }> {
    const updatedAt = this.now().toISOString();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: envKey(name),
          UpdateExpression:
            value === null
              ? 'SET updatedAt = :now REMOVE #spec.#field'
              : 'SET #spec.#field = :value, updatedAt = :now',
          ConditionExpression: 'attribute_exists(#spec)',
          ExpressionAttributeNames: { '#spec': 'spec', '#field': field },
          ExpressionAttributeValues: { ':now': updatedAt, ...(value === null ? {} : { ':value': value }) },
        }),
      );
    } catch (err) {
      if (isConditionFailure(err))
        throw new NotFoundError(`environment "${name}" has no stored spec`, { cause: err });
      throw mapAwsError(err, `dynamodb.UpdateItem ${field} ${name}`);
    }
    return { updatedAt };
  }

  /**
   * Sets the environment's `traffic` (the request rate the idle check measured, docs/cost.md) and nothing else: one
   * UpdateItem of that attribute alone, so it never undoes a concurrent operation's record. Conditional on the item
   * existing: returns false (and writes nothing) for an environment no longer in the registry.
   */
  async setTraffic(name: string, traffic: RecordedTraffic): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: envKey(name),
          UpdateExpression: 'SET #traffic = :traffic',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#traffic': 'traffic' },
          ExpressionAttributeValues: { ':traffic': traffic },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw mapAwsError(err, `dynamodb.UpdateItem traffic ${name}`);
    }
  }

  /**
   * Notes that the expiry `expiresAt` was warned about, only while it is still the environment's expiry (an extend
   * in between wins: the new expiry gets its own warning). Returns false when the expiry has changed or the
   * environment is gone.
   */
  async markExpiryWarned(name: string, expiresAt: string, at: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: envKey(name),
          UpdateExpression: 'SET expiryWarning = :warning',
          ConditionExpression: 'attribute_exists(pk) AND expiresAt = :expiresAt',
          ExpressionAttributeValues: { ':warning': { expiresAt, at }, ':expiresAt': expiresAt },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw mapAwsError(err, `dynamodb.UpdateItem expiryWarning ${name}`);
    }
  }

  /**
   * Stores the counts `pause` remembers (the environment's `paused` attribute), only when none are stored:
   * a pause retried after scaling to 0 must not overwrite the counts with its own zeros.
   * @returns the stored counts (the earlier ones when some were there)
   */
  async rememberPause(name: string, counts: PausedCounts): Promise<PausedCounts> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: envKey(name),
          UpdateExpression: 'SET paused = :paused',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(paused)',
          ExpressionAttributeValues: { ':paused': counts },
        }),
      );
      return counts;
    } catch (err) {
      if (!isConditionFailure(err)) throw mapAwsError(err, `dynamodb.UpdateItem ${name} (paused)`);
      const stored = (await this.getEnvironment(name))?.paused;
      if (stored === undefined) throw new NotFoundError(`environment "${name}" is not in the registry`);
      return stored;
    }
  }

  /**
   * Takes the environment's lock with a conditional put (`attribute_not_exists(pk) OR expiresAt <
   * :now`, or the same token again, so a retried acquire is idempotent).
   * @throws OperationInProgressError naming the holder's operation when another operation holds it.
   */
  async acquireLock(name: string, input: AcquireLockInput): Promise<LockRecord> {
    const lock: LockRecord = {
      token: input.token,
      operationId: input.operationId,
      operation: input.operation,
      expiresAt: input.nowSeconds + input.ttlSeconds,
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...lockKey(name), ...lock },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':now': input.nowSeconds, ':token': input.token },
        }),
      );
      return lock;
    } catch (err) {
      if (!isConditionFailure(err)) throw mapAwsError(err, `dynamodb.PutItem lock ${name}`);
      const holder = await this.getLock(name);
      const what = holder
        ? `${holder.operation} (operation ${holder.operationId}, lock expires at ${new Date(holder.expiresAt * 1000).toISOString()})`
        : 'another operation';
      throw new OperationInProgressError(`environment "${name}" is busy: ${what} is running`, {
        cause: err,
      });
    }
  }

  /**
   * What starting an operation reads, in one round trip: the environment's META item, its lock item and the
   * request id's idempotency record (one `BatchGetItem`, consistent reads, instead of three `GetItem`s).
   * BatchGetItem may return some keys under `UnprocessedKeys` (throughput, response size; the DynamoDB API
   * reference, BatchGetItem: "we strongly recommend that you use an exponential backoff algorithm"): they are
   * asked again, up to {@link BATCH_GET_ATTEMPTS} requests in all, 50 ms doubling between them.
   *
   * @example const { environment, lock, request } = await registry.getStartReads('demo', 'k-1');
   */
  async getStartReads(
    name: string,
    requestId: string,
  ): Promise<{
    environment: EnvironmentRecord | undefined;
    lock: LockRecord | undefined;
    request: RequestRecord | undefined;
  }> {
    const items = new Map<string, Record<string, unknown>>();
    let keys: Record<string, unknown>[] = [envKey(name), lockKey(name), reqKey(requestId)];
    for (let attempt = 1; keys.length > 0; attempt++) {
      const out = await this.call(`BatchGetItem ${name} request ${requestId}`, () =>
        this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } },
          }),
        ),
      );
      for (const item of out.Responses?.[this.tableName] ?? [])
        items.set(`${item['pk']}|${item['sk']}`, item);
      keys = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      if (keys.length === 0) break;
      if (attempt >= BATCH_GET_ATTEMPTS) {
        throw new TransientAwsError(
          `dynamodb.BatchGetItem ${name} request ${requestId}: ${keys.length} keys still unprocessed after ${attempt} requests`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
    }
    const itemOf = (key: { pk: string; sk: string }) => strip(items.get(`${key.pk}|${key.sk}`));
    const environment = itemOf(envKey(name));
    const lock = itemOf(lockKey(name));
    const request = itemOf(reqKey(requestId));
    return {
      environment: environment === undefined ? undefined : parseEnvironmentRecord(environment),
      lock: lock === undefined ? undefined : parseLockRecord(lock),
      request: request === undefined ? undefined : parseRequestRecord(request),
    };
  }

  /** The current lock item, or `undefined` (expired locks are returned too). */
  async getLock(name: string): Promise<LockRecord | undefined> {
    const out = await this.call(`GetItem lock ${name}`, () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: lockKey(name), ConsistentRead: true })),
    );
    return out.Item === undefined ? undefined : parseLockRecord(strip(out.Item));
  }

  /** Deletes the lock only if `token` still holds it; `{ released: false }` when it does not. */
  async releaseLock(name: string, token: string): Promise<{ released: boolean }> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: lockKey(name),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
        }),
      );
      return { released: true };
    } catch (err) {
      if (isConditionFailure(err)) return { released: false };
      throw mapAwsError(err, `dynamodb.DeleteItem lock ${name}`);
    }
  }

  /** Writes an operation item (create or replace). */
  async recordOperation(record: OperationRecord): Promise<void> {
    await this.call(`PutItem operation ${record.operationId}`, () =>
      this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `ENV#${record.env}`,
            sk: opSk(record.startedAt, record.operationId),
            ...record,
          },
        }),
      ),
    );
  }

  /** Appends one step to an operation's `steps` list. */
  async appendStep(
    env: string,
    operation: { readonly startedAt: string; readonly operationId: string },
    step: OperationStep,
  ): Promise<void> {
    await this.call(`UpdateItem operation ${operation.operationId}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `ENV#${env}`, sk: opSk(operation.startedAt, operation.operationId) },
          UpdateExpression: 'SET steps = list_append(if_not_exists(steps, :empty), :step)',
          ExpressionAttributeValues: { ':empty': [], ':step': [step] },
        }),
      ),
    );
  }

  /** Sets an operation's final status (and `finishedAt`, `error`). */
  async finishOperation(
    env: string,
    operation: { readonly startedAt: string; readonly operationId: string },
    result: { readonly status: string; readonly finishedAt: string; readonly error?: string },
  ): Promise<void> {
    const values: Record<string, unknown> = {
      ':status': result.status,
      ':finishedAt': result.finishedAt,
    };
    let expression = 'SET #status = :status, finishedAt = :finishedAt';
    if (result.error !== undefined) {
      expression += ', #error = :error';
      values[':error'] = result.error;
    }
    await this.call(`UpdateItem operation ${operation.operationId}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: `ENV#${env}`, sk: opSk(operation.startedAt, operation.operationId) },
          UpdateExpression: expression,
          ExpressionAttributeNames: {
            '#status': 'status',
            ...(result.error !== undefined ? { '#error': 'error' } : {}),
          },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  /** The operations of an environment, newest first (all pages). */
  async listOperations(env: string): Promise<OperationRecord[]> {
    const items: OperationRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call(`Query operations ${env}`, () =>
        this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :op)',
            ExpressionAttributeValues: { ':pk': `ENV#${env}`, ':op': 'OP#' },
            ScanIndexForward: false,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) items.push(parseOperationRecord(strip(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  /**
   * Stores an idempotency record unless one exists (conditional put).
   * @returns `{ created: true, record }` or `{ created: false, record: existing }` on a duplicate.
   */
  async putRequest(record: RequestRecord): Promise<{ created: boolean; record: RequestRecord }> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...reqKey(record.requestId), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, record };
    } catch (err) {
      if (!isConditionFailure(err)) {
        throw mapAwsError(err, `dynamodb.PutItem request ${record.requestId}`);
      }
      const existing = await this.getRequest(record.requestId);
      if (existing === undefined) {
        throw new NotFoundError(`request ${record.requestId} vanished after a duplicate put`, {
          cause: err,
        });
      }
      return { created: false, record: existing };
    }
  }

  /** The idempotency record of a request id, or `undefined`. */
  async getRequest(requestId: string): Promise<RequestRecord | undefined> {
    const out = await this.call(`GetItem request ${requestId}`, () =>
      this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: reqKey(requestId), ConsistentRead: true }),
      ),
    );
    return out.Item === undefined ? undefined : parseRequestRecord(strip(out.Item));
  }

  /** Adds executionArn to a request record once the execution has started. */
  async setRequestExecution(requestId: string, executionArn: string): Promise<void> {
    await this.call(`UpdateItem request ${requestId}`, () =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: reqKey(requestId),
          UpdateExpression: 'SET executionArn = :arn',
          ExpressionAttributeValues: { ':arn': executionArn },
        }),
      ),
    );
  }
}
