/**
 * The dashboard's HTTP server: serves the static page (`dashboard/public/`, plain modern JS/CSS, no
 * build step) and forwards the page's API calls (`/api/…`) to the Berth HTTP API through a
 * {@link Forwarder} — unsigned to the local platform, SigV4-signed by `berth dashboard` for a
 * deployed API — so no credential reaches the browser.
 *
 * Bound to loopback. Every `/api/` call must carry the per-process token that only the served page
 * knows (`x-berth-dashboard-token`), and the `Host` must be the loopback address the server listens
 * on (DNS rebinding); state-changing calls must also come from the page's own origin (`Origin` /
 * `Sec-Fetch-Site`). A cross-site page can neither read the token nor send the header without a
 * CORS preflight, which this server never grants.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Default port of the dashboard (`npm start`, `berth dashboard`). */
export const DEFAULT_DASHBOARD_PORT = 4569;

/** The header carrying the page's token on every `/api/` call. */
export const TOKEN_HEADER = 'x-berth-dashboard-token';

/** One request to the Berth API, as the dashboard forwards it. */
export interface ForwardRequest {
  readonly method: string;
  /** Path and query under the API's base URL, e.g. `/environments?status=ready`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The API's answer. */
interface ForwardResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** Sends a request to the Berth API (the local platform's, or a deployed one with SigV4). */
export type Forwarder = (request: ForwardRequest) => Promise<ForwardResponse>;

/** What the page shows about where it is connected (`GET /config.json`). */
interface DashboardInfo {
  /** The API the calls go to, for display. */
  readonly api: string;
  /** AWS region for console links when the API is deployed; `null` locally (no console). */
  readonly consoleRegion: string | null;
  /** How often the page polls, in ms. Default 2000. */
  readonly pollMs?: number;
}

export interface DashboardOptions {
  readonly forward: Forwarder;
  readonly info: DashboardInfo;
  /** 0 picks a free port. Default {@link DEFAULT_DASHBOARD_PORT}. */
  readonly port?: number;
  /** A loopback address. Default `127.0.0.1`. */
  readonly host?: string;
  /** Fixed token (tests); default 32 random bytes per start. */
  readonly token?: string;
}

export interface RunningDashboard {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly token: string;
  stop(): Promise<void>;
}

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/format.js': { file: 'format.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

/** The API paths the page may reach; anything else is refused before it leaves the machine. */
const FORWARDED_PATH =
  /^\/(?:environments(?:\/[^/]+(?:\/(?:scale|redeploy|extend|pause|resume|plan|logs|operations))?)?|nightly\/last)$/;
const FORWARDED_METHODS = new Set(['GET', 'POST', 'DELETE']);
const MAX_BODY_BYTES = 256 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

const LOOPBACK_HOST = /^(?:127(?:\.\d{1,3}){3}|localhost|\[::1\])$/;

/** Refuses non-loopback bind addresses: the dashboard forwards with the user's credentials. */
export const assertLoopbackHost = (host: string): void => {
  const bare = host.startsWith('[') ? host : host.includes(':') ? `[${host}]` : host;
  if (!LOOPBACK_HOST.test(bare)) {
    throw new Error(
      `the dashboard only listens on a loopback address (127.0.0.1, ::1, localhost), not "${host}"`,
    );
  }
};

const send = (
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'application/json; charset=utf-8',
): void => {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': String(bytes.length),
  });
  res.end(bytes);
};

/** A refusal by the dashboard itself, in the API's error shape. */
const refuse = (res: ServerResponse, status: number, error: string, message: string): void =>
  send(res, status, JSON.stringify({ error, message }));

const readBody = (req: IncomingMessage): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });

const sameToken = (given: string | undefined, token: string): boolean => {
  if (given === undefined) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * Why a request may not pass, or undefined. `hosts` are the `Host` values the server answers to
 * (`127.0.0.1:4569`, `localhost:4569`).
 */
function rejection(
  req: { method: string; headers: IncomingMessage['headers'] },
  hosts: ReadonlySet<string>,
  token: string,
  api: boolean,
): { status: number; error: string; message: string } | undefined {
  const host = req.headers.host ?? '';
  if (!hosts.has(host)) {
    return {
      status: 421,
      error: 'MisdirectedRequest',
      message: `the dashboard answers only to ${[...hosts].join(' or ')}, not to Host "${host}"`,
    };
  }
  if (!api) return undefined;
  const given = req.headers[TOKEN_HEADER];
  if (!sameToken(Array.isArray(given) ? given[0] : given, token)) {
    return {
      status: 403,
      error: 'Forbidden',
      message: `missing or wrong ${TOKEN_HEADER}: reload the dashboard page`,
    };
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const origin = req.headers.origin;
    if (origin !== undefined && !hosts.has(origin.replace(/^http:\/\//, ''))) {
      return { status: 403, error: 'Forbidden', message: `cross-origin request from ${origin} refused` };
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') {
      return { status: 403, error: 'Forbidden', message: `cross-site request (${site}) refused` };
    }
  }
  return undefined;
}

/**
 * Starts the dashboard on `host:port` (loopback only).
 *
 * @example
 * const dashboard = await startDashboard({ forward: localForwarder('http://127.0.0.1:4568'), info: { api: 'http://127.0.0.1:4568', consoleRegion: null } });
 * console.log(dashboard.url); // http://127.0.0.1:4569/
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  assertLoopbackHost(host);
  const token = options.token ?? randomBytes(32).toString('base64url');
  const hosts = new Set<string>();
  const files = new Map<string, Buffer>();
  const load = (file: string): Buffer => {
    let bytes = files.get(file);
    if (bytes === undefined) {
      bytes = readFileSync(path.join(PUBLIC_DIR, file));
      if (file === 'index.html') bytes = Buffer.from(bytes.toString('utf8').replace('%BERTH_TOKEN%', token));
      files.set(file, bytes);
    }
    return bytes;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
      const method = req.method ?? 'GET';
      const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
      const refused = rejection({ method, headers: req.headers }, hosts, token, isApi);
      if (refused) return refuse(res, refused.status, refused.error, refused.message);
      if (!isApi) {
        if (method !== 'GET' && method !== 'HEAD')
          return refuse(res, 405, 'MethodNotAllowed', `${method} ${url.pathname}`);
        if (url.pathname === '/config.json')
          return send(res, 200, JSON.stringify({ pollMs: 2000, ...options.info }));
        const asset = STATIC[url.pathname];
        if (asset === undefined) return refuse(res, 404, 'NotFound', `no ${url.pathname} here`);
        return send(res, 200, load(asset.file), asset.type);
      }
      const apiPath = url.pathname.slice('/api'.length);
      if (!FORWARDED_METHODS.has(method) || !FORWARDED_PATH.test(apiPath)) {
        return refuse(res, 404, 'NotFound', `the dashboard does not forward ${method} ${apiPath || '/'}`);
      }
      const body = await readBody(req);
      if (body === undefined)
        return refuse(res, 413, 'PayloadTooLarge', `request body over ${MAX_BODY_BYTES} bytes`);
      const headers: Record<string, string> = { accept: 'application/json' };
      const contentType = req.headers['content-type'];
      if (contentType !== undefined && body.length > 0) headers['content-type'] = contentType;
      const key = req.headers['idempotency-key'];
      if (typeof key === 'string') headers['idempotency-key'] = key;
      let answer: ForwardResponse;
      try {
        answer = await options.forward({
          method,
          path: `${apiPath}${url.search}`,
          headers,
          ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
        });
      } catch (error) {
        return refuse(
          res,
          502,
          'ApiUnreachable',
          `cannot reach the Berth API at ${options.info.api}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      send(res, answer.status, answer.body, answer.contentType);
    })().catch((error: unknown) => {
      if (!res.headersSent) {
        refuse(res, 500, 'InternalError', error instanceof Error ? error.message : String(error));
      } else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_DASHBOARD_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  hosts.add(`${shown}:${port}`);
  if (shown === '127.0.0.1' || shown === 'localhost') {
    hosts.add(`127.0.0.1:${port}`);
    hosts.add(`localhost:${port}`);
  }
  return {
    url: `http://${shown}:${port}/`,
    port,
    server,
    token,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Forwards to an API that needs no signing (the local platform).
 *
 * @example const forward = localForwarder('http://127.0.0.1:4568');
 */
export function localForwarder(apiUrl: string, timeoutMs = 30_000): Forwarder {
  const base = apiUrl.replace(/\/+$/, '');
  return (request) => sendForwarded(fetch, `${base}${request.path}`, request, request.headers, timeoutMs);
}

/**
 * Sends a forwarded request to `url` with `headers` (the request's own, or signed ones) within `timeoutMs`, and
 * reads the API's answer: what every {@link Forwarder} does once it has its URL and headers.
 */
export async function sendForwarded(
  doFetch: typeof fetch,
  url: string,
  request: ForwardRequest,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<ForwardResponse> {
  const response = await doFetch(url, {
    method: request.method,
    headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? 'application/json',
    body: await response.text(),
  };
}
