import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { Cloud } from '../../core/cloud.ts';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

/**
 * DynamoDB for the local cloud: an in-memory dynalite whose request handler serves
 * `X-Amz-Target: DynamoDB_20120810.*` requests on the cloud's own port (dynalite never
 * listens itself). Reset swaps in an empty instance.
 */
export class EmbeddedDynamoDb {
  #server: Server;
  #requestsServed = 0;

  constructor(cloud: Cloud) {
    this.#server = EmbeddedDynamoDb.#create();
    cloud.addStateDumper('dynamodb', () => ({
      engine: 'dynalite (in memory)',
      requestsServed: this.#requestsServed,
    }));
  }

  static #create(): Server {
    return dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  }

  /** Hands the (unread) request to dynalite. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.#requestsServed++;
    this.#server.emit('request', req, res);
  }

  /** Hands dynalite a request whose body was already read (to authorize it, or to answer part of it). */
  handleBody(body: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
    this.handle(replay(body, headers) as unknown as IncomingMessage, res);
  }

  /**
   * Answers a BatchGetItem whose table ran out of throughput partway, as DynamoDB does: "If at least one of the
   * items is successfully processed, then BatchGetItem completes successfully, while returning the keys of the
   * unread items in UnprocessedKeys" (the DynamoDB API reference, BatchGetItem). The first half of the keys (at
   * least one) is read; the rest comes back under `UnprocessedKeys` with the table's read options (consistency,
   * projection), ready to be sent again. Returns false, and answers nothing, when the request has fewer than two
   * keys or is not valid JSON: then no item can be processed, and the caller answers the throttling error itself.
   */
  async servePartialBatchGet(
    body: string,
    headers: IncomingHttpHeaders,
    res: ServerResponse,
  ): Promise<boolean> {
    const split = splitBatchGet(body);
    if (split === undefined) return false;
    const answer = await this.#ask(
      JSON.stringify({ ...split.request, RequestItems: split.processed }),
      headers,
    );
    let payload = answer.body;
    if (answer.statusCode === 200) {
      const parsed = JSON.parse(answer.body) as Record<string, unknown>;
      payload = JSON.stringify({ ...parsed, UnprocessedKeys: split.unprocessed });
    }
    res.statusCode = answer.statusCode;
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.setHeader('x-amz-crc32', crc32(payload));
    res.setHeader('Content-Length', Buffer.byteLength(payload, 'utf8'));
    res.end(payload);
    return true;
  }

  /** Hands `body` to dynalite and collects its answer (dynalite only sets headers and ends the response). */
  #ask(body: string, headers: IncomingHttpHeaders): Promise<CollectedAnswer> {
    this.#requestsServed++;
    return new Promise((resolve) => {
      const collected: Record<string, string | number> = {};
      const res = {
        statusCode: 200,
        contentType: '',
        shouldKeepAlive: true,
        setHeader(name: string, value: string | number) {
          collected[name] = value;
        },
        end(chunk?: string | Buffer) {
          resolve({
            statusCode: res.statusCode,
            headers: collected,
            body: chunk === undefined ? '' : String(chunk),
          });
        },
      };
      this.#server.emit('request', replay(body, headers), res);
    });
  }

  /** Drops every table. */
  async reset(): Promise<void> {
    const old = this.#server;
    this.#server = EmbeddedDynamoDb.#create();
    await EmbeddedDynamoDb.#close(old);
  }

  /** Closes the store. */
  async close(): Promise<void> {
    await EmbeddedDynamoDb.#close(this.#server);
  }

  static #close(server: Server): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 1_000);
      t.unref();
      try {
        server.close(() => {
          clearTimeout(t);
          resolve();
        });
      } catch {
        clearTimeout(t);
        resolve();
      }
    });
  }
}

/** A readable request carrying `body` (DynamoDB's JSON protocol: POST /), its length stated anew. */
function replay(body: string, headers: IncomingHttpHeaders) {
  const { 'content-length': _length, ...rest } = headers;
  return Object.assign(Readable.from([Buffer.from(body, 'utf8')]), {
    headers: { ...rest, 'content-length': String(Buffer.byteLength(body, 'utf8')) },
    method: 'POST',
    url: '/',
  });
}

interface CollectedAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, string | number>;
  readonly body: string;
}

type TableReads = Record<string, { Keys: unknown[]; [option: string]: unknown }>;

/**
 * A BatchGetItem request cut in two: the first half of its keys, in request order across tables (at least one),
 * and the rest, each table keeping its read options. Undefined for fewer than two keys or a body that is not a
 * BatchGetItem request (dynalite then answers the validation error itself).
 */
export function splitBatchGet(
  body: string,
): { request: Record<string, unknown>; processed: TableReads; unprocessed: TableReads } | undefined {
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const items = request['RequestItems'];
  if (typeof items !== 'object' || items === null) return undefined;
  const tables = Object.entries(items as Record<string, unknown>).filter(
    (entry): entry is [string, TableReads[string]] =>
      typeof entry[1] === 'object' &&
      entry[1] !== null &&
      Array.isArray((entry[1] as { Keys?: unknown }).Keys),
  );
  const total = tables.reduce((n, [, reads]) => n + reads.Keys.length, 0);
  if (total < 2) return undefined;
  let budget = Math.floor(total / 2);
  const processed: TableReads = {};
  const unprocessed: TableReads = {};
  for (const [table, reads] of tables) {
    const read = reads.Keys.slice(0, budget);
    budget -= read.length;
    if (read.length > 0) processed[table] = { ...reads, Keys: read };
    if (read.length < reads.Keys.length)
      unprocessed[table] = { ...reads, Keys: reads.Keys.slice(read.length) };
  }
  return { request, processed, unprocessed };
}
