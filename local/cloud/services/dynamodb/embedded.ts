import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
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
