import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Cloud } from './core/cloud.ts';
import type { FaultsPatch } from './core/faults.ts';
import { type FunctionPrincipal, IamEnforcer, type IamMode } from './core/iam/enforcer.ts';
import { requestId as newRequestId } from './core/ids.ts';
import { ServiceError } from './core/service-error.ts';
import type { TimeProfileName } from './core/time-profile.ts';
import type { RequestContext, ServiceDefinition, ServiceFactory } from './core/types.ts';
import { requiredAuthorizations } from './iam/request-context.ts';
import { EC2_XMLNS, renderEc2Error, renderEc2Result } from './protocol/ec2-query.ts';
import { jsonAction, jsonContentType, renderJsonError, renderJsonResult } from './protocol/json.ts';
import { renderQueryError, renderQueryResult } from './protocol/query.ts';
import { matchRestRoute, renderRestJsonError } from './protocol/rest-json.ts';
import { parseFormParams } from './protocol/xml.ts';
import { EmbeddedDynamoDb } from './services/dynamodb/embedded.ts';
import { serviceFactories } from './services/index.ts';
import { fireSchedule } from './services/scheduler/backend.ts';

export interface StartCloudOptions {
  /** 0 picks a free port. Default 4566. */
  port?: number;
  host?: string;
  profile?: TimeProfileName;
  factor?: number;
  faults?: FaultsPatch;
  /** Service factories (default: every service of `services/index.ts`). */
  services?: readonly ServiceFactory[];
  /**
   * IAM for requests signed with a local function's credentials (docs/architecture.md, "IAM"): `enforce`
   * denies what the function's policy does not allow, `record` only records, `off` (default) skips both.
   */
  iam?: { mode: IamMode; principals: readonly FunctionPrincipal[] };
  /**
   * The cloud's wall clock in ms (default `Date.now`): tests move it forward to let time pass (metric windows,
   * propagation windows) without waiting.
   */
  now?: () => number;
}

export interface RunningCloud {
  url: string;
  port: number;
  cloud: Cloud;
  /** IAM evaluation of function principals (mode, principals, recorded usage). */
  iam: IamEnforcer;
  stop(): Promise<void>;
}

const DEFAULT_ACCOUNT = '000000000000';
const MAX_BODY = 16 * 1024 * 1024;
const QUERY_VERSIONS: Record<string, ServiceDefinition['signingName']> = {
  '2016-11-15': 'ec2',
  '2011-01-01': 'autoscaling',
  '2015-12-01': 'elasticloadbalancing',
};

interface Caller {
  signingName: string | undefined;
  region: string;
  accountId: string;
  /** The SigV4 access key id (identifies a local function's principal). */
  accessKeyId?: string;
}

/** Reads the SigV4 credential scope: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
export function parseCaller(authorization: string | undefined): Caller {
  const m = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  if (!m) return { signingName: undefined, region: 'us-east-1', accountId: DEFAULT_ACCOUNT };
  const key = m[1] as string;
  return {
    signingName: m[3],
    region: m[2] as string,
    accountId: /^\d{12}$/.test(key) ? key : DEFAULT_ACCOUNT,
    accessKeyId: key,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ServiceError('RequestEntityTooLarge', 'Request body too large', 413));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', `${JSON.stringify(value, null, 2)}\n`);
}

const THROTTLE_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);

/** Routes requests of one cloud: ALB routes, control endpoints, DynamoDB, then the AWS services. */
class CloudRouter {
  readonly cloud: Cloud;
  readonly iam: IamEnforcer;
  readonly #services = new Map<string, ServiceDefinition>();
  readonly #dynamo: EmbeddedDynamoDb;

  constructor(cloud: Cloud, factories: readonly ServiceFactory[], iam: IamEnforcer = new IamEnforcer()) {
    this.cloud = cloud;
    this.iam = iam;
    for (const f of factories) {
      const def = f(cloud);
      this.#services.set(def.signingName, def);
    }
    this.#dynamo = new EmbeddedDynamoDb(cloud);
  }

  /** Answers one HTTP request. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#route(req, res).catch((err: unknown) => {
      process.stderr.write(
        `[berth-cloud] unhandled error: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
      if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      else res.destroy();
    });
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const route of this.cloud.httpRoutes) {
      if (route.match(req)) {
        route.handle(req, res);
        return;
      }
    }
    const url = req.url ?? '/';
    if (url.startsWith('/_berth/') || url === '/_berth') {
      await this.#control(req, res, url);
      return;
    }
    const target = req.headers['x-amz-target'];
    const targetStr = Array.isArray(target) ? target[0] : target;
    const caller = parseCaller(req.headers.authorization);
    if (targetStr?.startsWith('DynamoDB_20120810.')) {
      await this.#dispatchDynamo(req, res, caller, targetStr.slice('DynamoDB_20120810.'.length));
      return;
    }
    const body = await readBody(req);
    await this.#dispatchAws(res, caller, targetStr, body, req.method ?? 'GET', url);
  }

  /** A DynamoDB request: faults (a throttled multi-key BatchGetItem answers in part), IAM, then dynalite. */
  async #dispatchDynamo(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    action: string,
  ): Promise<void> {
    this.cloud.metrics.request('dynamodb', action);
    const fault = this.cloud.faults.check('dynamodb', action, caller.accountId, caller.region);
    // Out of throughput partway, a multi-key BatchGetItem succeeds with the rest under UnprocessedKeys.
    const partial = fault?.code === 'ProvisionedThroughputExceededException' && action === 'BatchGetItem';
    if (fault && !partial) {
      req.resume();
      this.#recordFault('dynamodb', action, fault);
      this.#sendError(res, 'json', fault, newRequestId(), '', '1.0');
      return;
    }
    const enforcing = this.iam.mode !== 'off' && this.iam.principalOf(caller.accessKeyId) !== undefined;
    if (!enforcing && !partial) {
      this.#dynamo.handle(req, res);
      return;
    }
    // Read the body to know the table (and the keys), then hand dynalite a replay of the request.
    const body = await readBody(req);
    if (enforcing) {
      let params: Record<string, any> = {};
      try {
        params = body.trim() === '' ? {} : (JSON.parse(body) as Record<string, any>);
      } catch {
        // dynalite answers the malformed body itself
      }
      const required = requiredAuthorizations(
        { cloud: this.cloud, accountId: caller.accountId, region: caller.region },
        'dynamodb',
        action,
        params,
      );
      const denied = this.iam.authorize(caller.accessKeyId, caller.accountId, 'dynamodb', required);
      if (denied) {
        this.cloud.metrics.error('dynamodb', action, denied.status);
        this.#sendError(res, 'json', denied, newRequestId(), '', '1.0');
        return;
      }
    }
    if (fault) {
      this.#recordFault('dynamodb', action, fault);
      if (await this.#dynamo.servePartialBatchGet(body, req.headers, res)) return;
      this.#sendError(res, 'json', fault, newRequestId(), '', '1.0');
      return;
    }
    this.#dynamo.handleBody(body, req.headers, res);
  }

  #findService(caller: Caller, target: string | undefined, body: string): ServiceDefinition | undefined {
    if (caller.signingName) {
      const byScope = this.#services.get(caller.signingName);
      if (byScope) return byScope;
    }
    if (target) {
      for (const def of this.#services.values()) {
        if (def.jsonTargetPrefix && target.startsWith(`${def.jsonTargetPrefix}.`)) return def;
      }
    }
    const version = new URLSearchParams(body).get('Version');
    const name = version ? QUERY_VERSIONS[version] : undefined;
    return name ? this.#services.get(name) : undefined;
  }

  async #dispatchAws(
    res: ServerResponse,
    caller: Caller,
    target: string | undefined,
    body: string,
    method = 'POST',
    url = '/',
  ): Promise<void> {
    const requestId = newRequestId();
    const def = this.#findService(caller, target, body);
    if (!def) {
      const err = new ServiceError(
        'UnknownServiceException',
        `The local cloud does not emulate the service ${caller.signingName ?? '(unsigned request)'}`,
        400,
      );
      this.#sendError(res, 'json', err, requestId, '', '1.1');
      return;
    }
    // A JSON service that also answers its older Query protocol (CloudWatch: the SDK v3 speaks JSON 1.0, the AWS
    // CLI v2 of Debian still Query): a form body with no X-Amz-Target and the service's Query version.
    const protocol: ServiceDefinition['protocol'] =
      def.protocol === 'json' &&
      def.queryVersion !== undefined &&
      target === undefined &&
      new URLSearchParams(body).get('Version') === def.queryVersion
        ? 'query'
        : def.protocol;
    const xmlns = def.xmlNamespace ?? (protocol === 'ec2' ? EC2_XMLNS : '');
    let action: string | undefined;
    let params: Record<string, any>;
    if (def.protocol === 'rest-json') {
      let members: Record<string, unknown> = {};
      try {
        members = body.trim() === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      } catch {
        this.#sendError(
          res,
          'rest-json',
          new ServiceError('SerializationException', 'Malformed JSON body'),
          requestId,
          '',
        );
        return;
      }
      const route = matchRestRoute(def.restRoutes ?? [], method, url, members);
      if (!route || !def.actions[route.action]) {
        const err = new ServiceError(
          'UnknownOperationException',
          `No operation answers ${method} ${url.split('?')[0]}`,
          404,
        );
        this.#sendError(res, 'rest-json', err, requestId, '');
        return;
      }
      action = route.action;
      params = route.params;
    } else if (protocol === 'json') {
      action = jsonAction(target, def.jsonTargetPrefix ?? '');
      try {
        params = body.trim() === '' ? {} : (JSON.parse(body) as Record<string, any>);
      } catch {
        this.#sendError(
          res,
          'json',
          new ServiceError('SerializationException', 'Malformed JSON body'),
          requestId,
          xmlns,
          def.jsonVersion,
          def.queryErrorCodes,
        );
        return;
      }
      if (!action || !def.actions[action]) {
        const err = new ServiceError(
          'UnknownOperationException',
          `Unknown operation ${target ?? '(no X-Amz-Target)'}`,
        );
        this.#sendError(res, 'json', err, requestId, xmlns, def.jsonVersion, def.queryErrorCodes);
        return;
      }
    } else {
      const parsed = parseFormParams(body);
      action = parsed.action;
      params = parsed.params;
      if (!action || !def.actions[action]) {
        const err = new ServiceError(
          'InvalidAction',
          `The action ${action || '(none)'} is not valid for this web service.`,
        );
        this.#sendError(res, protocol, err, requestId, xmlns, def.jsonVersion, def.queryErrorCodes);
        return;
      }
    }
    const handler = def.actions[action];
    const service = def.signingName;
    this.cloud.metrics.request(service, action);
    const fault = this.cloud.faults.check(service, action, caller.accountId, caller.region);
    if (fault) {
      this.#recordFault(service, action, fault);
      this.#sendError(res, protocol, fault, requestId, xmlns, def.jsonVersion, def.queryErrorCodes);
      return;
    }
    if (this.iam.mode !== 'off' && this.iam.principalOf(caller.accessKeyId)) {
      let denied: ServiceError | undefined;
      try {
        const required = requiredAuthorizations(
          { cloud: this.cloud, accountId: caller.accountId, region: caller.region },
          service,
          action,
          params,
        );
        denied = this.iam.authorize(caller.accessKeyId, caller.accountId, service, required);
      } catch (err) {
        denied = new ServiceError(
          'InternalFailure',
          `IAM evaluation failed in the local cloud: ${err instanceof Error ? err.message : String(err)}`,
          500,
        );
      }
      if (denied) {
        this.#recordFault(service, action, denied);
        this.#sendError(res, protocol, denied, requestId, xmlns, def.jsonVersion, def.queryErrorCodes);
        return;
      }
    }
    const ctx: RequestContext = {
      service,
      action,
      accountId: caller.accountId,
      region: caller.region,
      requestId,
      cloud: this.cloud,
    };
    let result: unknown;
    try {
      result = await handler?.(params, ctx);
    } catch (err) {
      const se =
        err instanceof ServiceError
          ? err
          : new ServiceError(
              protocol === 'json' || protocol === 'rest-json'
                ? service === 'ecs'
                  ? 'ServerException'
                  : 'InternalServerError'
                : 'InternalFailure',
              `Internal error in the local cloud: ${err instanceof Error ? err.message : String(err)}`,
              500,
            );
      if (!(err instanceof ServiceError)) {
        process.stderr.write(
          `[berth-cloud] ${service}:${action} failed: ${err instanceof Error ? err.stack : String(err)}\n`,
        );
      }
      this.#recordFault(service, action, se);
      this.#sendError(res, protocol, se, requestId, xmlns, def.jsonVersion, def.queryErrorCodes);
      return;
    }
    switch (protocol) {
      case 'json':
        send(res, 200, jsonContentType(def.jsonVersion), renderJsonResult(result), {
          'x-amzn-RequestId': requestId,
        });
        return;
      case 'rest-json':
        send(res, 200, 'application/json', renderJsonResult(result), { 'x-amzn-RequestId': requestId });
        return;
      case 'query':
        send(res, 200, 'text/xml', renderQueryResult(action, result, xmlns, requestId), {
          'x-amzn-RequestId': requestId,
        });
        return;
      case 'ec2':
        send(res, 200, 'text/xml;charset=UTF-8', renderEc2Result(action, result, requestId, xmlns));
        return;
    }
  }

  #recordFault(service: string, action: string, err: ServiceError): void {
    if (THROTTLE_CODES.has(err.code)) this.cloud.metrics.throttle(service, action);
    else this.cloud.metrics.error(service, action, err.status);
  }

  #sendError(
    res: ServerResponse,
    protocol: ServiceDefinition['protocol'],
    err: ServiceError,
    requestId: string,
    xmlns: string,
    jsonVersion: '1.0' | '1.1' = '1.1',
    queryErrorCodes?: Readonly<Record<string, string>>,
  ): void {
    switch (protocol) {
      case 'json':
        send(res, err.status, jsonContentType(jsonVersion), renderJsonError(err), {
          'x-amzn-RequestId': requestId,
          ...(queryErrorCodes === undefined
            ? {}
            : { 'x-amzn-query-error': `${queryErrorCodes[err.code] ?? err.code};${err.faultType}` }),
        });
        return;
      case 'rest-json':
        send(res, err.status, 'application/json', renderRestJsonError(err), {
          'x-amzn-RequestId': requestId,
          'x-amzn-ErrorType': err.code,
        });
        return;
      case 'query': {
        // A JSON service's error shape answers by its Query code on the Query protocol.
        const code = queryErrorCodes?.[err.code] ?? err.code;
        const shown = code === err.code ? err : new ServiceError(code, err.message, err.status);
        send(res, err.status, 'text/xml', renderQueryError(shown, xmlns, requestId), {
          'x-amzn-RequestId': requestId,
          'x-amzn-query-error': `${code};${err.faultType}`,
        });
        return;
      }
      case 'ec2':
        send(res, err.status, 'text/xml;charset=UTF-8', renderEc2Error(err, requestId));
        return;
    }
  }

  async #control(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const path = url.split('?')[0];
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    switch (`${method} ${path}`) {
      case 'GET /_berth/health':
        sendJson(res, 200, { status: 'ok', profile: this.cloud.profile });
        return;
      case 'GET /_berth/state':
        sendJson(res, 200, this.cloud.dumpState());
        return;
      case 'POST /_berth/reset':
        await this.cloud.reset();
        await this.#dynamo.reset();
        sendJson(res, 200, { reset: true });
        return;
      case 'GET /_berth/faults':
        sendJson(res, 200, { ...this.cloud.faults.config, injected: this.cloud.faults.injected() });
        return;
      case 'POST /_berth/faults': {
        let patch: FaultsPatch;
        try {
          patch = body.trim() === '' ? {} : (JSON.parse(body) as FaultsPatch);
        } catch {
          sendJson(res, 400, { error: 'faults body must be JSON' });
          return;
        }
        sendJson(res, 200, this.cloud.faults.merge(patch));
        return;
      }
      case 'GET /_berth/metrics':
        sendJson(res, 200, this.cloud.metrics.snapshot());
        return;
      case 'GET /_berth/iam':
        sendJson(res, 200, { mode: this.iam.mode, usage: this.iam.usage() });
        return;
      case 'POST /_berth/scheduler/fire': {
        // Fires one EventBridge Scheduler schedule now: {"name": "...", "group": "..."} (group default "default").
        let request: { name?: unknown; group?: unknown };
        try {
          request = body.trim() === '' ? {} : (JSON.parse(body) as { name?: unknown; group?: unknown });
        } catch {
          sendJson(res, 400, { error: 'the body must be JSON: {"name": "<schedule>", "group": "<group>"}' });
          return;
        }
        if (typeof request.name !== 'string' || request.name === '') {
          sendJson(res, 400, { error: 'name is required: {"name": "<schedule>", "group": "<group>"}' });
          return;
        }
        try {
          const group = typeof request.group === 'string' && request.group !== '' ? request.group : undefined;
          sendJson(res, 200, await fireSchedule(this.cloud, request.name, group));
        } catch (err) {
          sendJson(res, err instanceof ServiceError ? err.status : 500, {
            error: String((err as Error).message),
          });
        }
        return;
      }
      default:
        sendJson(res, 404, {
          error: `no control endpoint ${method} ${path}`,
          endpoints: [
            'GET /_berth/health',
            'GET /_berth/state',
            'POST /_berth/reset',
            'GET|POST /_berth/faults',
            'GET /_berth/metrics',
            'GET /_berth/iam',
            'POST /_berth/scheduler/fire',
          ],
        });
    }
  }

  /** Closes the embedded DynamoDB. */
  async close(): Promise<void> {
    await this.#dynamo.close();
  }
}

/**
 * Starts a local cloud on one HTTP port speaking the AWS wire protocols of ECS, ELBv2,
 * Auto Scaling, EC2, SSM and DynamoDB, with control endpoints under `/_berth/`.
 */
export async function startCloud(options: StartCloudOptions = {}): Promise<RunningCloud> {
  const cloudOptions: ConstructorParameters<typeof Cloud>[0] = { profile: options.profile ?? 'instant' };
  if (options.factor !== undefined) cloudOptions.factor = options.factor;
  if (options.faults !== undefined) cloudOptions.faults = options.faults;
  if (options.now !== undefined) cloudOptions.now = options.now;
  const cloud = new Cloud(cloudOptions);
  const iam = new IamEnforcer(options.iam?.principals ?? [], options.iam?.mode ?? 'off');
  const router = new CloudRouter(cloud, options.services ?? serviceFactories, iam);
  const server: Server = createServer((req, res) => router.handle(req, res));
  server.keepAliveTimeout = 5_000;
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4566, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    cloud,
    iam,
    stop() {
      stopped ??= (async () => {
        await cloud.stop();
        await router.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
        });
      })();
      return stopped;
    },
  };
}
