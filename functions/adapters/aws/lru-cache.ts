/**
 * A least-recently-used cache with the part of `mnemonist/lru-cache`'s interface that `@aws-sdk/endpoint-cache`
 * uses (`get`, `peek`, `set`, `has`, `clear`): the Lambda bundles alias `mnemonist/lru-cache` to this module
 * (infra/bundling.ts). The DynamoDB client builds an endpoint cache for endpoint discovery, which Berth leaves off;
 * mnemonist and its iterator library are ~7.5 KiB of each registry-using bundle, this is a few hundred bytes over
 * a `Map` (which keeps insertion order: the first key is the least recently used).
 */
export default class LRUCache<K, V> {
  private readonly items = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) {
      throw new Error(`LRUCache capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.items.size;
  }

  /** The value, marked as the most recently used. */
  get(key: K): V | undefined {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key) as V;
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  /** The value, without marking it used. */
  peek(key: K): V | undefined {
    return this.items.get(key);
  }

  /** Stores the value as the most recently used, evicting the least recently used one when full. */
  set(key: K, value: V): this {
    if (this.items.has(key)) this.items.delete(key);
    else if (this.items.size >= this.capacity) {
      const oldest = this.items.keys().next();
      if (!oldest.done) this.items.delete(oldest.value);
    }
    this.items.set(key, value);
    return this;
  }

  has(key: K): boolean {
    return this.items.has(key);
  }

  clear(): void {
    this.items.clear();
  }
}
