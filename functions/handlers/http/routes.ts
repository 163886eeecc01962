/**
 * The HTTP API's route table. `docs/openapi.yaml` must describe exactly these (method, path)
 * pairs; `test/functions/handlers/http/routes-openapi.test.ts` holds the two together.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

/** Route names used by the api handler's dispatcher. */
export type RouteName =
  | 'createEnvironment'
  | 'listEnvironments'
  | 'describeEnvironment'
  | 'deleteEnvironment'
  | 'updateEnvironment'
  | 'scaleEnvironment'
  | 'redeployEnvironment'
  | 'extendEnvironment'
  | 'pauseEnvironment'
  | 'resumeEnvironment'
  | 'planEnvironment'
  | 'lastNightlyReport'
  | 'environmentLogs'
  | 'environmentOperations';

export interface Route {
  readonly method: HttpMethod;
  /** OpenAPI-style template, e.g. `/environments/{name}/scale`. */
  readonly path: string;
  readonly name: RouteName;
}

/** Every route the `api` handler answers. */
export const ROUTES: readonly Route[] = Object.freeze([
  { method: 'POST', path: '/environments', name: 'createEnvironment' },
  { method: 'GET', path: '/environments', name: 'listEnvironments' },
  { method: 'GET', path: '/environments/{name}', name: 'describeEnvironment' },
  { method: 'DELETE', path: '/environments/{name}', name: 'deleteEnvironment' },
  { method: 'PATCH', path: '/environments/{name}', name: 'updateEnvironment' },
  { method: 'POST', path: '/environments/{name}/scale', name: 'scaleEnvironment' },
  { method: 'POST', path: '/environments/{name}/redeploy', name: 'redeployEnvironment' },
  { method: 'POST', path: '/environments/{name}/extend', name: 'extendEnvironment' },
  { method: 'POST', path: '/environments/{name}/pause', name: 'pauseEnvironment' },
  { method: 'POST', path: '/environments/{name}/resume', name: 'resumeEnvironment' },
  { method: 'POST', path: '/environments/{name}/plan', name: 'planEnvironment' },
  { method: 'GET', path: '/nightly/last', name: 'lastNightlyReport' },
  { method: 'GET', path: '/environments/{name}/logs', name: 'environmentLogs' },
  { method: 'GET', path: '/environments/{name}/operations', name: 'environmentOperations' },
]);

/** The Lambda functions behind the api routes (`functions/handlers/<file>.ts`). */
export type ApiFunctionFile = 'api' | 'api-aux';

/**
 * The routes the auxiliary `api-aux` function serves: the dry run (it invokes the plan Lambda), the settings
 * change (`PATCH`: idle sleep in the registry, the sleep/wake schedule through the schedule Lambda) and the logs
 * (CloudWatch Logs). No other route calls Lambda or CloudWatch Logs, so the `api` function, which serves every
 * other route, bundles neither client (docs/decisions/0006-lambda-credentials-and-zod-mini.md, decision 10). API
 * Gateway integrates each method with its function (infra/orchestrator-stack.ts), and so does the local API server
 * (local/runtime/api-server.ts).
 */
export const AUX_ROUTES: readonly RouteName[] = Object.freeze([
  'planEnvironment',
  'updateEnvironment',
  'environmentLogs',
]);

/**
 * The function that serves a route.
 *
 * @example functionOfRoute('environmentLogs') // 'api-aux'
 */
export const functionOfRoute = (name: RouteName): ApiFunctionFile =>
  AUX_ROUTES.includes(name) ? 'api-aux' : 'api';

/** The Slack slash-command route, served by the `slack` handler (not by `api`). */
const SLACK_ROUTE = Object.freeze({ method: 'POST', path: '/slack/commands' } as const);

/** Slack's interactivity Request URL (buttons), served by the `slack` handler too. */
const SLACK_INTERACTIONS_ROUTE = Object.freeze({
  method: 'POST',
  path: '/slack/interactions',
} as const);

/** Every (method, path) the API Gateway exposes: the api routes plus the Slack routes. */
export const HTTP_ROUTES: readonly { readonly method: HttpMethod; readonly path: string }[] = Object.freeze([
  ...ROUTES.map(({ method, path }) => ({ method, path })),
  SLACK_ROUTE,
  SLACK_INTERACTIONS_ROUTE,
]);

export type RouteMatch =
  | { readonly kind: 'matched'; readonly route: Route; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly HttpMethod[] }
  | { readonly kind: 'not-found' };

const splitPath = (path: string): string[] => path.split('/').filter((segment) => segment.length > 0);

const matchTemplate = (template: string, path: string): Record<string, string> | undefined => {
  const want = splitPath(template);
  const got = splitPath(path);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith('{') && w.endsWith('}')) {
      let value: string;
      try {
        value = decodeURIComponent(g);
      } catch {
        value = g;
      }
      params[w.slice(1, -1)] = value;
    } else if (w !== g) {
      return undefined;
    }
  }
  return params;
};

/**
 * Finds the route for a request. A path that exists under another method gives
 * `method-not-allowed` with the allowed methods (for a 405 with `Allow`).
 *
 * @example matchRoute('POST', '/environments/demo/scale') // { kind: 'matched', params: { name: 'demo' } }
 */
export const matchRoute = (method: string, path: string, routes: readonly Route[] = ROUTES): RouteMatch => {
  const allowed: HttpMethod[] = [];
  for (const route of routes) {
    const params = matchTemplate(route.path, path);
    if (params === undefined) continue;
    if (route.method === method.toUpperCase()) return { kind: 'matched', route, params };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
};
