/**
 * The shared ALB's routes (docs/security.md, "Shared ALB"): which host/path an environment claims on the shared
 * listener, whether two claims are the same, and which rule priority is free. Pure.
 */

/** Highest ALB listener rule priority (Elastic Load Balancing quotas: priorities 1–50000). */
export const MAX_LISTENER_RULE_PRIORITY = 50_000;

/** What a shared-mode environment's rule matches: a host header and/or a path prefix. */
export interface SharedRoute {
  readonly host?: string;
  readonly pathPrefix?: string;
}

/** The route of a spec's `loadBalancer`, or `undefined` in dedicated mode. */
export function routeOfLoadBalancer(lb: {
  readonly mode?: string | undefined;
  readonly host?: string | undefined;
  readonly pathPrefix?: string | undefined;
}): SharedRoute | undefined {
  if (lb.mode !== 'shared') return undefined;
  return {
    ...(lb.host !== undefined ? { host: lb.host.toLowerCase() } : {}),
    ...(lb.pathPrefix !== undefined ? { pathPrefix: normalisePrefix(lb.pathPrefix) } : {}),
  };
}

/** `/api/` and `/api` claim the same paths; `/` is the empty prefix. */
const normalisePrefix = (prefix: string): string => prefix.replace(/\/+$/, '');

/**
 * Whether two routes claim the same requests on the shared listener: the same host (case-insensitive, as host
 * headers are) and the same path prefix.
 */
export function sameRoute(a: SharedRoute, b: SharedRoute): boolean {
  const host = (r: SharedRoute) => r.host?.toLowerCase();
  const prefix = (r: SharedRoute) => (r.pathPrefix === undefined ? undefined : normalisePrefix(r.pathPrefix));
  return host(a) === host(b) && prefix(a) === prefix(b);
}

/** `host demo.example.com, path /api/*` — for messages. */
export function describeRoute(route: SharedRoute): string {
  const parts = [
    ...(route.host !== undefined ? [`host ${route.host}`] : []),
    ...(route.pathPrefix !== undefined ? [`path ${route.pathPrefix === '' ? '/' : route.pathPrefix}*`] : []),
  ];
  return parts.length === 0 ? 'no route' : parts.join(', ');
}

/** A wildcard host (`*.example.com`) catches other teams' hosts: only an admin may claim one. */
export const isWildcardHost = (host: string | undefined): boolean =>
  host !== undefined && (host.includes('*') || host.includes('?'));

/**
 * The lowest rule priority no rule of the listener uses (1–50000), or `undefined` when all are taken. Rules
 * are evaluated from the lowest priority; Berth's rules match disjoint routes, so their order does not matter.
 *
 * @example lowestFreePriority([1, 2, 4]) // 3
 */
export function lowestFreePriority(used: Iterable<number | string>): number | undefined {
  const taken = new Set<number>();
  for (const value of used) {
    const n = typeof value === 'number' ? value : Number(value);
    if (Number.isInteger(n)) taken.add(n);
  }
  for (let priority = 1; priority <= MAX_LISTENER_RULE_PRIORITY; priority += 1) {
    if (!taken.has(priority)) return priority;
  }
  return undefined;
}
