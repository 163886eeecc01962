import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeRoute,
  isWildcardHost,
  lowestFreePriority,
  MAX_LISTENER_RULE_PRIORITY,
  routeOfLoadBalancer,
  sameRoute,
} from '../../../functions/core/shared-route.ts';

describe('shared ALB routes', () => {
  it('gives the lowest priority no rule uses', () => {
    expect(lowestFreePriority([])).toBe(1);
    expect(lowestFreePriority(['1', '2', '4', 'default'])).toBe(3);
    expect(lowestFreePriority([2, 3])).toBe(1);
    const all = Array.from({ length: MAX_LISTENER_RULE_PRIORITY }, (_, i) => i + 1);
    expect(lowestFreePriority(all)).toBeUndefined();
  });

  it('never returns a used priority, and returns the smallest free one (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 60 }), (used) => {
        const free = lowestFreePriority(used);
        expect(free).toBeDefined();
        expect(used).not.toContain(free);
        for (let p = 1; p < (free as number); p += 1) expect(used).toContain(p);
      }),
    );
  });

  it('treats the same host (any case) and the same path prefix (with or without a trailing /) as one route', () => {
    expect(sameRoute({ host: 'Shop.Example.com' }, { host: 'shop.example.com' })).toBe(true);
    expect(
      sameRoute(
        { host: 'a.example.com', pathPrefix: '/api/' },
        { host: 'a.example.com', pathPrefix: '/api' },
      ),
    ).toBe(true);
    expect(sameRoute({ host: 'a.example.com', pathPrefix: '/api' }, { host: 'a.example.com' })).toBe(false);
    expect(
      sameRoute({ host: 'a.example.com', pathPrefix: '/api' }, { host: 'a.example.com', pathPrefix: '/web' }),
    ).toBe(false);
    expect(sameRoute({ pathPrefix: '/api' }, { host: 'a.example.com', pathPrefix: '/api' })).toBe(false);
  });

  it('reads the route of a shared-mode load balancer only', () => {
    expect(routeOfLoadBalancer({ mode: 'dedicated' })).toBeUndefined();
    expect(routeOfLoadBalancer({ mode: 'shared', host: 'A.example.com', pathPrefix: '/x/' })).toEqual({
      host: 'a.example.com',
      pathPrefix: '/x',
    });
    expect(describeRoute({ host: 'a.example.com', pathPrefix: '/x' })).toBe('host a.example.com, path /x*');
    expect(describeRoute({ pathPrefix: '' })).toBe('path /*');
  });

  it('recognises wildcard hosts', () => {
    expect(isWildcardHost('*.example.com')).toBe(true);
    expect(isWildcardHost('shop.example.com')).toBe(false);
    expect(isWildcardHost(undefined)).toBe(false);
  });
});
