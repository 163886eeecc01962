import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TrackedTarget } from './health-checker.ts';

/**
 * Front-door header naming the ALB (its DNS name) a request on the cloud's main port is for; the
 * request's own `Host` then goes to the listener rules. Not forwarded to targets.
 */
export const LOAD_BALANCER_HEADER = 'x-berth-load-balancer';

/**
 * Header giving the client's source address as the ALB's security groups see it. Every local client
 * connects from loopback; without this header it counts as {@link DEFAULT_CLIENT_ADDRESS}, an
 * address on the internet (the verify Lambda, outside any VPC, is such a client). Not forwarded.
 */
const SOURCE_ADDRESS_HEADER = 'x-berth-source-ip';

/** Where a local client comes from unless it says otherwise: 198.51.100.10 (documentation range, RFC 5737). */
const DEFAULT_CLIENT_ADDRESS = '198.51.100.10';

/** How long a dropped connection is held before the proxy closes it (real ms; clients time out first). */
const DROPPED_HOLD_MS = 30_000;

/** What a listener decides for a request: forward to a target group's healthy targets, or answer directly. */
export type ProxyDecision =
  | { kind: 'forward'; targetGroupArn: string; targets: TrackedTarget[] }
  | { kind: 'lambda'; targetGroupArn: string; functionArn?: string }
  | { kind: 'fixed'; status: number; contentType: string; body: string };

/** Invokes a Lambda target with the ALB's event; resolves to the function's result. */
export type LambdaInvoke = (functionArn: string, event: unknown) => Promise<unknown>;

/** The largest request body the ALB passes to a Lambda function (1 MB, ELB User Guide). */
const LAMBDA_MAX_BODY = 1024 * 1024;

/**
 * Told of each request the listener sends to a target (a healthy target of a forward, or a Lambda target): what
 * the load balancer's `RequestCount` counts — requests for which it chose a target; health checks, fixed
 * responses and requests it could not route are not counted (ELB User Guide, "CloudWatch metrics for your
 * Application Load Balancer").
 */
export type RequestObserver = (targetGroupArn: string) => void;

/** Resolves a request (host + path) to a decision; the ELBv2 backend supplies it. */
export type ProxyRouter = (host: string, path: string) => ProxyDecision;

const AWS_503 =
  '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n';
const AWS_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';

/**
 * One ALB listener as a real reverse proxy on a loopback port: rules pick a target
 * group, requests go round robin to its healthy targets; no healthy target → 503.
 * Each response carries `x-berth-target: <target id>:<port>`.
 */
export class AlbListenerProxy {
  private server?: Server;
  private readonly counters = new Map<string, number>();
  port = 0;

  /**
   * @param admit whether the load balancer's security groups admit a client address on this listener;
   *   a client they do not admit gets no answer at all (AWS drops the packets: the client times out).
   */
  constructor(
    private readonly route: ProxyRouter,
    private readonly admit: (sourceAddress: string) => boolean = () => true,
    private readonly invokeLambda?: LambdaInvoke,
    private readonly onRouted: RequestObserver = () => {},
  ) {}

  /** Starts listening on 127.0.0.1 (port 0 = a free port). */
  start(port = 0): Promise<number> {
    const server = createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 1000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        this.port = (server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /**
   * Serves one request (also used by the cloud's front door for `Host: <alb dns>` or
   * `x-berth-load-balancer: <alb dns>`); rules see the request's `Host`.
   */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const claimed = req.headers[SOURCE_ADDRESS_HEADER];
    const source = typeof claimed === 'string' && claimed !== '' ? claimed.trim() : DEFAULT_CLIENT_ADDRESS;
    if (!this.admit(source)) {
      // Security groups drop what they do not allow: no response, the client's own timeout ends it.
      req.resume();
      const timer = setTimeout(() => req.socket.destroy(), DROPPED_HOLD_MS);
      timer.unref();
      req.socket.once('close', () => clearTimeout(timer));
      return;
    }
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let decision: ProxyDecision;
    try {
      decision = this.route(host, path);
    } catch {
      decision = { kind: 'fixed', status: 503, contentType: 'text/html', body: AWS_503 };
    }
    if (decision.kind === 'fixed') {
      req.resume();
      res.writeHead(decision.status, {
        'content-type': decision.contentType,
        'content-length': Buffer.byteLength(decision.body),
        server: 'awselb/2.0',
      });
      res.end(decision.body);
      return;
    }
    if (decision.kind === 'lambda') {
      if (decision.functionArn !== undefined) this.onRouted(decision.targetGroupArn);
      this.toLambda(req, res, decision);
      return;
    }
    const { targets, targetGroupArn } = decision;
    if (targets.length === 0) {
      req.resume();
      res.writeHead(503, {
        'content-type': 'text/html',
        'content-length': Buffer.byteLength(AWS_503),
        server: 'awselb/2.0',
      });
      res.end(AWS_503);
      return;
    }
    this.onRouted(targetGroupArn);
    const n = this.counters.get(targetGroupArn) ?? 0;
    this.counters.set(targetGroupArn, n + 1);
    const target = targets[n % targets.length] as TrackedTarget;
    const headers = { ...req.headers };
    const forwardedFor = req.socket.remoteAddress ?? '127.0.0.1';
    headers['x-forwarded-for'] = headers['x-forwarded-for']
      ? `${headers['x-forwarded-for']}, ${forwardedFor}`
      : forwardedFor;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = '80';
    delete headers.connection;
    delete headers[LOAD_BALANCER_HEADER];
    delete headers[SOURCE_ADDRESS_HEADER];
    const upstream = request(
      { host: target.address, port: target.port, method: req.method, path: req.url, headers, agent: false },
      (up) => {
        const out = { ...up.headers, 'x-berth-target': `${target.id}:${target.port}` };
        delete out.connection;
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, {
        'content-type': 'text/html',
        'content-length': Buffer.byteLength(AWS_502),
        server: 'awselb/2.0',
      });
      res.end(AWS_502);
    });
    req.pipe(upstream);
  }

  /**
   * A request for a `lambda` target group, as AWS does it (ELB User Guide, "Lambda functions as targets"):
   * the load balancer invokes the function with `{ requestContext: { elb: { targetGroupArn } }, httpMethod,
   * path, queryStringParameters, headers, body, isBase64Encoded }` (header names lower-cased; a text body
   * as is, anything else base64) and answers with its `{ statusCode, statusDescription?, headers?, body?,
   * isBase64Encoded? }`. No registered function, a failed invocation or a malformed response → 502.
   */
  private toLambda(
    req: IncomingMessage,
    res: ServerResponse,
    decision: { targetGroupArn: string; functionArn?: string },
  ): void {
    const fail = (status: number, page: string): void => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(status, {
        'content-type': 'text/html',
        'content-length': Buffer.byteLength(page),
        server: 'awselb/2.0',
      });
      res.end(page);
    };
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= LAMBDA_MAX_BODY) chunks.push(c);
    });
    req.on('end', (): void => {
      if (decision.functionArn === undefined || this.invokeLambda === undefined) {
        fail(502, AWS_502);
        return;
      }
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://alb.invalid');
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        if (key === LOAD_BALANCER_HEADER || key === SOURCE_ADDRESS_HEADER || value === undefined) continue;
        headers[key] = Array.isArray(value) ? value.join(',') : value;
      }
      headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
      headers['x-forwarded-proto'] = 'http';
      headers['x-forwarded-port'] = '80';
      const text = /^(text\/|application\/(json|x-www-form-urlencoded|xml))/.test(
        headers['content-type'] ?? 'text/plain',
      );
      const event = {
        requestContext: { elb: { targetGroupArn: decision.targetGroupArn } },
        httpMethod: req.method ?? 'GET',
        path: url.pathname,
        queryStringParameters: Object.fromEntries(url.searchParams),
        headers,
        body: text ? raw.toString('utf8') : raw.toString('base64'),
        isBase64Encoded: !text && raw.length > 0,
      };
      this.invokeLambda(decision.functionArn, event).then(
        (result): void => {
          const out = result as {
            statusCode?: unknown;
            statusDescription?: unknown;
            headers?: Record<string, unknown>;
            body?: unknown;
            isBase64Encoded?: unknown;
          } | null;
          const status = Number(out?.statusCode);
          if (!Number.isInteger(status) || status < 100 || status > 599) {
            fail(502, AWS_502);
            return;
          }
          const body =
            typeof out?.body === 'string'
              ? Buffer.from(out.body, out.isBase64Encoded === true ? 'base64' : 'utf8')
              : Buffer.alloc(0);
          const outHeaders: Record<string, string> = { server: 'awselb/2.0' };
          for (const [k, v] of Object.entries(out?.headers ?? {})) outHeaders[k.toLowerCase()] = String(v);
          outHeaders['content-length'] = String(body.length);
          res.writeHead(status, outHeaders);
          res.end(body);
        },
        () => fail(502, AWS_502),
      );
    });
  }

  /** Closes the listening socket and open connections. */
  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    delete this.server;
    return new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
  }
}
