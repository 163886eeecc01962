/**
 * The local HTTP API: turns HTTP requests into API Gateway REST proxy events and calls the `api`
 * handler (`/environments…`, `/nightly/last`) or the `slack` handler (`/slack/commands`), as API Gateway's Lambda
 * proxy integration does, then writes the handler's result back.
 */
import './polyfills.ts';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type ApiFunctionFile,
  functionOfRoute,
  HTTP_ROUTES,
  ROUTES,
} from '../../functions/handlers/http/routes.ts';
import { fakeLambdaContext, type LambdaHandler, LOCAL_ACCOUNT_ID } from './lambda.ts';
import { listen, readBody } from './listen.ts';

/** The API Gateway REST proxy event the handlers receive (the fields Berth's handlers read, and the rest). */
export interface ProxyEvent {
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  pathParameters: Record<string, string> | null;
  stageVariables: null;
  requestContext: Record<string, unknown> & { requestId: string };
  body: string | null;
  isBase64Encoded: boolean;
}

/** What a proxy handler returns. */
interface ProxyResult {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  body?: string;
  isBase64Encoded?: boolean;
}

/**
 * Which handler serves a request: `api` for `/environments…` and `/nightly/last`, `api-aux` for the dry runs
 * and logs (http/routes.ts `functionOfRoute`, as API Gateway integrates them), `slack` for `/slack/…`.
 */
export type ApiTarget = ApiFunctionFile | 'slack';

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** Resolves the handler for a target (e.g. `(t) => registry.resolve(t)`). */
  resolveHandler: (target: ApiTarget) => Promise<LambdaHandler>;
  port?: number;
  host?: string;
  /** API Gateway stage name put in `requestContext.stage`. Default `local`. */
  stage?: string;
  /**
   * The caller identity put in `requestContext.identity.user` (the local platform passes the OS user or
   * `BERTH_OWNER`). The local API has no SigV4, so `userArn` stays null, as API Gateway leaves it without IAM auth.
   */
  callerUser?: string;
}

/** A started API server. */
export interface RunningApiServer {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

const TEMPLATES = HTTP_ROUTES.map((r) => r.path).filter((path, i, all) => all.indexOf(path) === i);

function segments(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/**
 * Matches a path against the API's resource templates (method-independent, as API Gateway
 * resources are), returning the template and the path parameters.
 *
 * @example matchResource('/environments/demo/scale') // { resource: '/environments/{name}/scale', pathParameters: { name: 'demo' } }
 */
function matchResource(path: string): {
  resource: string;
  pathParameters: Record<string, string> | null;
} {
  const got = segments(path);
  for (const template of TEMPLATES) {
    const want = segments(template);
    if (want.length !== got.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      const w = want[i]!;
      const g = got[i]!;
      if (w.startsWith('{') && w.endsWith('}')) {
        try {
          params[w.slice(1, -1)] = decodeURIComponent(g);
        } catch {
          params[w.slice(1, -1)] = g;
        }
      } else if (w !== g) ok = false;
    }
    if (ok) return { resource: template, pathParameters: Object.keys(params).length > 0 ? params : null };
  }
  return { resource: path, pathParameters: null };
}

/**
 * The function a request's method and resource integrate with, or undefined when the API defines no such method
 * on that resource: API Gateway then answers itself (403 "Missing Authentication Token", as it does for an unknown
 * resource) and no function runs. The API's methods are exactly `ROUTES` (infra/orchestrator-stack.ts adds one per
 * route) plus Slack's two POSTs.
 */
export function targetFor(path: string, method = 'GET'): ApiTarget | undefined {
  const verb = method.toUpperCase();
  if (path === '/slack/commands' || path === '/slack/commands/') return verb === 'POST' ? 'slack' : undefined;
  if (path === '/slack/interactions' || path === '/slack/interactions/')
    return verb === 'POST' ? 'slack' : undefined;
  const { resource } = matchResource(path);
  const route = ROUTES.find((r) => r.path === resource && r.method === verb);
  return route === undefined ? undefined : functionOfRoute(route.name);
}

function isUtf8Text(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

/**
 * Builds the API Gateway REST proxy event for a request, as the Lambda proxy integration does:
 * single- and multi-value headers and query, path parameters from the resource template, the
 * body as text or base64 (`isBase64Encoded`) when it is not valid UTF-8, a fresh request id.
 */
export function toProxyEvent(
  request: {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: Buffer;
    sourceIp?: string;
  },
  stage = 'local',
  callerUser?: string,
): ProxyEvent {
  const url = new URL(request.url, 'http://localhost');
  const path = url.pathname;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    multiValueHeaders[name] = values;
    headers[name] = values[values.length - 1]!;
  }
  let query: Record<string, string> | null = null;
  let multiQuery: Record<string, string[]> | null = null;
  for (const [name, value] of url.searchParams) {
    query ??= {};
    multiQuery ??= {};
    query[name] = value;
    multiQuery[name] = [...(multiQuery[name] ?? []), value];
  }
  const { resource, pathParameters } = matchResource(path);
  const requestId = randomUUID();
  const now = new Date();
  const text =
    request.body.length === 0 ? null : isUtf8Text(request.body) ? request.body.toString('utf8') : undefined;
  return {
    resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query,
    multiValueQueryStringParameters: multiQuery,
    pathParameters,
    stageVariables: null,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'berthlocal',
      resourceId: 'local',
      resourcePath: resource,
      httpMethod: request.method,
      path: `/${stage}${path}`,
      stage,
      protocol: 'HTTP/1.1',
      requestId,
      extendedRequestId: requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      domainName: headers['host'] ?? 'localhost',
      identity: {
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? null,
        userArn: null,
        caller: callerUser ?? null,
        user: callerUser ?? null,
        accountId: null,
        accessKey: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
      },
      authorizer: null,
    },
    body: text === undefined ? request.body.toString('base64') : text,
    isBase64Encoded: text === undefined,
  };
}

function writeResult(res: ServerResponse, result: ProxyResult, requestId: string): void {
  const headers: Record<string, string | string[]> = { 'x-amzn-requestid': requestId };
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map(String);
  }
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  headers['content-length'] = String(body.length);
  headers['content-type'] ??= 'application/json';
  res.writeHead(result.statusCode, headers);
  res.end(body);
}

function writeGatewayError(res: ServerResponse, status: number, message: string, requestId: string): void {
  writeResult(res, { statusCode: status, body: JSON.stringify({ message }) }, requestId);
}

/**
 * Starts the local HTTP API on `port` (0 = a free port) at 127.0.0.1.
 *
 * @example
 * const api = await startApiServer({ resolveHandler: (t) => registry.resolve(t), port: 4568 });
 * await fetch(`${api.url}/environments`);
 */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const event = toProxyEvent(
        {
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          body,
          ...(req.socket.remoteAddress ? { sourceIp: req.socket.remoteAddress } : {}),
        },
        options.stage,
        options.callerUser,
      );
      const target = targetFor(event.path, event.httpMethod);
      if (!target) {
        // API Gateway answers a method or resource it does not define with 403 "Missing Authentication Token"
        // (API Gateway developer guide, gateway response type MISSING_AUTHENTICATION_TOKEN).
        writeGatewayError(res, 403, 'Missing Authentication Token', event.requestContext.requestId);
        return;
      }
      const handler = await options.resolveHandler(target);
      const result = (await handler(event, fakeLambdaContext(`berth-${target}`))) as ProxyResult | undefined;
      if (!result || typeof result.statusCode !== 'number') {
        writeGatewayError(res, 502, 'Internal server error', event.requestContext.requestId);
        return;
      }
      writeResult(res, result, event.requestContext.requestId);
    })().catch((error: unknown) => {
      console.error(
        `[berth api] handler failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      if (!res.headersSent) writeGatewayError(res, 502, 'Internal server error', randomUUID());
      else res.end();
    });
  });
  return listen(server, options.port ?? 0, host);
}
