/**
 * The local runtime's AWS endpoint: Step Functions (JSON 1.0, `POST /`) and Lambda `Invoke`
 * (`POST /2015-03-31/functions/{name}/invocations`) on one port.
 */
import './polyfills.ts';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { IamEnforcer } from '../cloud/core/iam/enforcer.ts';
import { lambdaInvokeRequests, stepFunctionsRequests } from '../cloud/iam/runtime-requests.ts';
import { parseCaller } from '../cloud/server.ts';
import {
  type HandlerInvocationError,
  type HandlerRegistry,
  handlerFileForFunction,
  toInvocationError,
} from './lambda.ts';
import { listen, readBody } from './listen.ts';
import type { StepFunctionsEmulator } from './step-functions/emulator.ts';
import { type ExecutionStatus, SfnServiceError } from './step-functions/execution.ts';
import { handleStepFunctionsOperation } from './step-functions/wire.ts';

/** A started runtime endpoint. */
export interface RunningRuntimeServer {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

async function handleInvoke(
  registry: HandlerRegistry,
  functionName: string,
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  iam: IamEnforcer | undefined,
): Promise<void> {
  if (iam) {
    // Lambda authorizes Invoke as lambda:InvokeFunction on the function; a denial is HTTP 403
    // AccessDeniedException (Lambda API reference, Invoke errors).
    const caller = parseCaller(req.headers.authorization);
    const denied = iam.authorize(
      caller.accessKeyId,
      caller.accountId,
      'lambda',
      lambdaInvokeRequests(caller, functionName),
    );
    if (denied) {
      sendJson(
        res,
        denied.status,
        { Type: 'User', message: denied.message, __type: denied.code },
        { 'x-amzn-errortype': denied.code, 'content-type': 'application/json' },
      );
      return;
    }
  }
  const handlerFile = handlerFileForFunction(functionName);
  const notFound = (message: string): void =>
    sendJson(
      res,
      404,
      { Type: 'User', message, __type: 'ResourceNotFoundException' },
      { 'x-amzn-errortype': 'ResourceNotFoundException', 'content-type': 'application/json' },
    );
  if (!handlerFile) {
    notFound(`Function not found: ${decodeURIComponent(functionName)}`);
    return;
  }
  let event: unknown = {};
  if (body.length > 0) {
    try {
      event = JSON.parse(body.toString('utf8'));
    } catch {
      sendJson(
        res,
        400,
        {
          Type: 'User',
          message: 'Could not parse request body into json',
          __type: 'InvalidRequestContentException',
        },
        { 'x-amzn-errortype': 'InvalidRequestContentException', 'content-type': 'application/json' },
      );
      return;
    }
  }
  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  try {
    await registry.resolve(handlerFile);
  } catch (error) {
    const failure = toInvocationError(error);
    if (failure.errorType === 'ResourceNotFoundException') {
      notFound(failure.errorMessage);
      return;
    }
  }
  if (invocationType === 'DryRun') {
    res.writeHead(204).end();
    return;
  }
  if (invocationType === 'Event') {
    void registry.invoke(handlerFile, event).catch(() => {});
    res.writeHead(202, { 'content-length': 0 }).end();
    return;
  }
  try {
    const result = await registry.invoke(handlerFile, event);
    sendJson(res, 200, result, { 'x-amz-executed-version': '$LATEST', 'content-type': 'application/json' });
  } catch (error) {
    const failure = error as HandlerInvocationError;
    sendJson(
      res,
      200,
      {
        errorType: failure.errorType ?? failure.name,
        errorMessage: failure.errorMessage ?? failure.message,
        trace: [],
      },
      {
        'x-amz-function-error': 'Unhandled',
        'x-amz-executed-version': '$LATEST',
        'content-type': 'application/json',
      },
    );
  }
}

/**
 * Starts the runtime endpoint on `port` (0 = a free port) at 127.0.0.1.
 *
 * @example
 * const server = await startRuntimeServer({ sfn, handlers, port: 4567 });
 * // new SFNClient({ endpoint: server.url })
 */
export async function startRuntimeServer(options: {
  sfn: StepFunctionsEmulator;
  handlers: HandlerRegistry;
  port?: number;
  host?: string;
  /**
   * IAM of the calls signed with a local function's key (the local cloud's enforcer: same mode, same
   * policies, same usage record). Absent: no check.
   */
  iam?: IamEnforcer;
}): Promise<RunningRuntimeServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const invoke = INVOKE_PATH.exec(url.pathname);
      if (req.method === 'POST' && invoke?.[1]) {
        await handleInvoke(options.handlers, invoke[1], req, body, res, options.iam);
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method === 'POST' && target.startsWith('AWSStepFunctions.')) {
        let params: Record<string, unknown> = {};
        try {
          params = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
        } catch {
          sendJson(res, 400, { __type: 'SerializationException', message: 'Request body is not valid JSON' });
          return;
        }
        const operation = target.slice('AWSStepFunctions.'.length);
        if (options.iam) {
          // Step Functions answers a denied call with HTTP 400 AccessDeniedException.
          const caller = parseCaller(req.headers.authorization);
          const denied = options.iam.authorize(
            caller.accessKeyId,
            caller.accountId,
            'states',
            stepFunctionsRequests(caller, operation, params),
          );
          if (denied) {
            sendJson(res, denied.status, { __type: denied.code, message: denied.message });
            return;
          }
        }
        try {
          sendJson(res, 200, handleStepFunctionsOperation(options.sfn, operation, params));
        } catch (error) {
          if (error instanceof SfnServiceError) {
            sendJson(res, error.status, { __type: error.code, message: error.message });
          } else {
            sendJson(res, 500, { __type: 'InternalFailure', message: (error as Error).message });
          }
        }
        return;
      }
      if (req.method === 'GET' && url.pathname === '/_berth/executions') {
        // Not an AWS API: running and recent executions with the states they are in (progress).
        const status = url.searchParams.get('status');
        const executions = options.sfn
          .listExecutions(status ? { statusFilter: status as ExecutionStatus } : {})
          .map((e) => ({
            executionArn: e.executionArn,
            name: e.name,
            status: e.status,
            startDate: e.startDate.toISOString(),
            ...(e.stopDate ? { stopDate: e.stopDate.toISOString() } : {}),
            ...(e.currentState ? { currentState: e.currentState } : {}),
            activeStates: e.activeStates,
            ...(e.error ? { error: e.error } : {}),
          }));
        sendJson(res, 200, { executions }, { 'content-type': 'application/json' });
        return;
      }
      if (req.method === 'GET' && url.pathname === '/_berth/health') {
        sendJson(res, 200, { ok: true }, { 'content-type': 'application/json' });
        return;
      }
      sendJson(res, 404, {
        __type: 'UnknownOperationException',
        message: `No route for ${req.method} ${url.pathname}`,
      });
    })().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { __type: 'InternalFailure', message: String(error) });
      else res.end();
    });
  });
  return listen(server, options.port ?? 0, host);
}
