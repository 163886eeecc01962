/**
 * Runs Berth's Lambda handlers in-process, as the local runtime's "Lambda service": the Step
 * Functions emulator's Task states and the Lambda `Invoke` endpoint both come through here.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { declaredSettings } from '../../functions/handlers/settings.ts';
import { accessKeyIdForFunction, secretKeyForFunction } from '../cloud/core/iam/credentials.ts';

/** A Lambda handler as the handler modules export it (`export const handler`). */
export type LambdaHandler = (event: any, context: LambdaContextShape) => unknown;

/** The parts of the Lambda context object handlers may read. */
export interface LambdaContextShape {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  done(error?: Error, result?: unknown): void;
  fail(error: Error | string): void;
  succeed(result: unknown): void;
}

/** Where the handler modules live: `<repo>/functions/handlers`. */
const HANDLERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../functions/handlers');

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';

/** Function name of a handler file in the local runtime (`lock` → `berth-lock`). */
export function functionNameFor(handlerFile: string): string {
  return `berth-${handlerFile}`;
}

/** Lambda ARN of a handler file in the local runtime. */
export function functionArnFor(
  handlerFile: string,
  region = LOCAL_REGION,
  accountId = LOCAL_ACCOUNT_ID,
): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${functionNameFor(handlerFile)}`;
}

/**
 * The handler file behind a function name or ARN (`berth-plan`, `arn:…:function:berth-plan[:$LATEST]`),
 * or undefined when it is not one of the runtime's functions.
 */
export function handlerFileForFunction(nameOrArn: string): string | undefined {
  const decoded = decodeURIComponent(nameOrArn);
  const name = decoded.startsWith('arn:') ? decoded.split(':')[6] : decoded.split(':')[0];
  if (!name?.startsWith('berth-')) return undefined;
  const file = name.slice('berth-'.length);
  return /^[a-z][a-z0-9-]*$/.test(file) ? file : undefined;
}

/**
 * What one invocation sees of `process.env`. On AWS every function runs in its own sandbox whose environment
 * carries its execution role's credentials and only the settings the stack gives it (the ones it declares in
 * functions/handlers/settings.ts); here all handlers share one process, so `process.env` is wrapped once and,
 * inside an invocation's async context, answers that function's own credentials and hides every `BERTH_*`
 * variable the function does not declare (the AWS SDK reads `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` from
 * the environment when a client first signs a request, and each handler module builds its own clients).
 */
interface InvocationEnv {
  readonly overlay: Readonly<Record<string, string>>;
  /** The `BERTH_*` variables the function may see; undefined: all of them. */
  readonly settings?: ReadonlySet<string>;
}

const invocationEnv = new AsyncLocalStorage<InvocationEnv>();
let envOverlayInstalled = false;

/** Whether `key` is hidden from the current invocation (a Berth setting its function does not declare). */
function hidden(key: string | symbol): boolean {
  if (typeof key !== 'string' || !key.startsWith('BERTH_')) return false;
  const settings = invocationEnv.getStore()?.settings;
  return settings !== undefined && !settings.has(key);
}

function installEnvOverlay(): void {
  if (envOverlayInstalled) return;
  envOverlayInstalled = true;
  const base = process.env;
  process.env = new Proxy(base, {
    get(target, key) {
      if (typeof key === 'string') {
        const overlay = invocationEnv.getStore()?.overlay;
        if (overlay && Object.hasOwn(overlay, key)) return overlay[key];
        if (hidden(key)) return undefined;
      }
      return target[key as string];
    },
    has(target, key) {
      return !hidden(key) && key in target;
    },
    ownKeys(target) {
      return Reflect.ownKeys(target).filter((key) => !hidden(key));
    },
    getOwnPropertyDescriptor(target, key) {
      return hidden(key) ? undefined : Reflect.getOwnPropertyDescriptor(target, key);
    },
    // Writes go to the real environment object (which accepts only plain data properties).
    set(target, key, value) {
      if (typeof key === 'string') target[key] = value;
      return true;
    },
    deleteProperty(target, key) {
      if (typeof key === 'string') delete target[key];
      return true;
    },
  });
}

/** The credentials a local function signs its AWS calls with (see local/cloud/core/iam/credentials.ts). */
function functionCredentials(functionName: string): { accessKeyId: string; secretAccessKey: string } {
  return {
    accessKeyId: accessKeyIdForFunction(functionName),
    secretAccessKey: secretKeyForFunction(functionName),
  };
}

/**
 * Runs `fn` as the function `functionName`: AWS SDK clients first used inside it sign with that function's
 * own credentials, so the local cloud evaluates the function's own IAM policy, and of the `BERTH_*` variables it
 * sees only `settings` (when given), as the stack would set them.
 */
export function runAsFunction<T>(functionName: string, fn: () => T, settings?: readonly string[]): T {
  installEnvOverlay();
  const { accessKeyId, secretAccessKey } = functionCredentials(functionName);
  return invocationEnv.run(
    {
      overlay: { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey },
      ...(settings ? { settings: new Set(settings) } : {}),
    },
    fn,
  );
}

/** Builds the context object a Lambda handler receives. */
export function fakeLambdaContext(functionName: string, timeoutMs = 900_000): LambdaContextShape {
  const deadline = Date.now() + timeoutMs;
  const noop = (): void => {};
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${randomUUID()}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}

/**
 * The error a failed invocation surfaces as. Its `name` is the handler error's name (e.g.
 * `UnhealthyError`) so the state machines' `Retry`/`Catch` match it; its `message` is the
 * Lambda-style cause, a JSON string `{ errorType, errorMessage, trace }`, as Step Functions
 * reports a Lambda failure.
 */
export class HandlerInvocationError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;

  constructor(errorType: string, errorMessage: string, trace: string[] = []) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }
}

/** Converts anything a handler threw into a {@link HandlerInvocationError}. */
export function toInvocationError(error: unknown): HandlerInvocationError {
  if (error instanceof HandlerInvocationError) return error;
  if (error instanceof Error) {
    const trace = (error.stack ?? '')
      .split('\n')
      .slice(1, 6)
      .map((line) => line.trim());
    return new HandlerInvocationError(error.name || 'Error', error.message, trace);
  }
  return new HandlerInvocationError('Error', String(error));
}

/** Resolves handler files to handler functions (dynamic import of `functions/handlers/<file>.ts`). */
export class HandlerRegistry {
  private readonly cache = new Map<string, Promise<LambdaHandler>>();

  constructor(
    overrides: Readonly<Record<string, LambdaHandler>> = {},
    private readonly dir: string = HANDLERS_DIR,
  ) {
    for (const [file, handler] of Object.entries(overrides)) this.override(file, handler);
  }

  /** Sets or replaces the handler used for a file (e.g. the Slack handler with an injected secret). */
  override(handlerFile: string, handler: LambdaHandler): void {
    this.cache.set(handlerFile, Promise.resolve(handler));
  }

  /**
   * The handler for a file, running as its function (its own credentials, see {@link runAsFunction});
   * rejects with a `ResourceNotFoundException`-named error when it does not exist.
   */
  async resolve(handlerFile: string): Promise<LambdaHandler> {
    let pending = this.cache.get(handlerFile);
    if (!pending) {
      pending = this.load(handlerFile);
      this.cache.set(handlerFile, pending);
      pending.catch(() => this.cache.delete(handlerFile));
    }
    const handler = await pending;
    const functionName = functionNameFor(handlerFile);
    // Berth's functions see only their declared settings; a handler not in the declaration sees none.
    const settings = declaredSettings(handlerFile) ?? [];
    return (event, context) => runAsFunction(functionName, () => handler(event, context), settings);
  }

  private async load(handlerFile: string): Promise<LambdaHandler> {
    if (!/^[a-z][a-z0-9-]*$/.test(handlerFile)) {
      throw new HandlerInvocationError('ResourceNotFoundException', `Function not found: ${handlerFile}`);
    }
    const file = path.join(this.dir, `${handlerFile}.ts`);
    let mod: { handler?: unknown };
    try {
      mod = (await import(pathToFileURL(file).href)) as { handler?: unknown };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`${handlerFile}.ts`)) {
        throw new HandlerInvocationError(
          'ResourceNotFoundException',
          `Function not found: ${functionNameFor(handlerFile)} (no functions/handlers/${handlerFile}.ts)`,
        );
      }
      throw error;
    }
    if (typeof mod.handler !== 'function') {
      throw new HandlerInvocationError(
        'ResourceNotFoundException',
        `functions/handlers/${handlerFile}.ts does not export a handler function`,
      );
    }
    return mod.handler as LambdaHandler;
  }

  /**
   * Invokes a handler like Lambda does: JSON in, JSON out (the result goes through a JSON round
   * trip, so Dates become strings), errors as {@link HandlerInvocationError}.
   */
  async invoke(handlerFile: string, event: unknown): Promise<unknown> {
    try {
      const handler = await this.resolve(handlerFile);
      const payload = event === undefined ? {} : JSON.parse(JSON.stringify(event));
      const result = await handler(payload, fakeLambdaContext(functionNameFor(handlerFile)));
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      throw toInvocationError(error);
    }
  }
}
