/**
 * The LRU cache the Lambda bundles use instead of `mnemonist/lru-cache` (infra/bundling.ts aliases it; the DynamoDB
 * client's endpoint cache is built on it) behaves as mnemonist's for every operation the endpoint cache uses.
 * mnemonist is the SDK's own dependency (through `@aws-sdk/endpoint-cache`, pinned by the lockfile).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import LRUCache from '../../../../functions/adapters/aws/lru-cache.ts';

/** mnemonist's CommonJS class (`module.exports = LRUCache`). */
const MnemonistLRU = createRequire(import.meta.url)('mnemonist/lru-cache') as new <K, V>(
  capacity: number,
) => Pick<LRUCache<K, V>, 'get' | 'peek' | 'has' | 'clear' | 'size'> & { set(key: K, value: V): unknown };

/** A small deterministic pseudo-random sequence (no Math.random in tests that must replay). */
function* sequence(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    yield x;
  }
}

describe('the Lambda bundles’ LRU cache', () => {
  it('evicts the least recently used entry; get marks an entry used, peek and has do not', () => {
    const cache = new LRUCache<string, number>(2);
    cache.set('a', 1).set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
    expect(cache.peek('a')).toBe(1);
    cache.set('d', 4);
    expect([cache.has('a'), cache.has('c'), cache.has('d')]).toEqual([false, true, true]);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(() => new LRUCache(0)).toThrow(/capacity must be a positive integer, got 0/);
  });

  it('answers like mnemonist over 5,000 random get/peek/set/has/clear operations', () => {
    for (const capacity of [1, 3, 10]) {
      const ours = new LRUCache<number, number>(capacity);
      const theirs = new MnemonistLRU<number, number>(capacity);
      const random = sequence(capacity);
      for (let i = 0; i < 5000; i++) {
        const op = (random.next().value as number) % 100;
        const key = (random.next().value as number) % (capacity * 3);
        if (op < 35) expect(ours.get(key), `get ${key} (#${i})`).toBe(theirs.get(key));
        else if (op < 50) expect(ours.peek(key), `peek ${key}`).toBe(theirs.peek(key));
        else if (op < 85) {
          ours.set(key, i);
          theirs.set(key, i);
        } else if (op < 99) expect(ours.has(key), `has ${key}`).toBe(theirs.has(key));
        else {
          ours.clear();
          theirs.clear();
        }
        expect(ours.size).toBe(theirs.size);
      }
    }
  });
});
