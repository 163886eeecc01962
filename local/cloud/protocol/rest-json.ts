import type { ServiceError } from '../core/service-error.ts';
import type { RestRoute } from '../core/types.ts';

/**
 * The REST-JSON protocol (Smithy `restJson1`, e.g. EventBridge Scheduler): the operation is the HTTP method and
 * path, members travel as path labels, query-string parameters and a JSON body; errors carry the error shape name
 * in the `x-amzn-ErrorType` header and `{"Message": …}` in the body.
 */

/** The route answering `method url`, with its params (path labels, mapped query parameters, body members). */
export function matchRestRoute(
  routes: readonly RestRoute[],
  method: string,
  url: string,
  body: Record<string, unknown>,
): { action: string; params: Record<string, unknown> } | undefined {
  const [rawPath = '/', rawQuery = ''] = url.split('?', 2);
  const segments = rawPath.split('/').filter((s) => s !== '');
  for (const route of routes) {
    if (route.method !== method) continue;
    const template = route.path.split('/').filter((s) => s !== '');
    if (template.length !== segments.length) continue;
    const labels: Record<string, unknown> = {};
    const matches = template.every((part, i) => {
      const segment = segments[i] as string;
      const label = /^\{(\w+)\}$/.exec(part);
      if (label) {
        labels[label[1] as string] = decodeURIComponent(segment);
        return true;
      }
      return part === segment;
    });
    if (!matches) continue;
    const query: Record<string, unknown> = {};
    for (const [name, value] of new URLSearchParams(rawQuery)) {
      const member = route.query?.[name];
      if (member === undefined) continue;
      const prior = query[member];
      query[member] = prior === undefined ? value : ([] as unknown[]).concat(prior, value);
    }
    return { action: route.action, params: { ...body, ...query, ...labels } };
  }
  return undefined;
}

/** The body of a REST-JSON error. */
export function renderRestJsonError(err: ServiceError): string {
  return JSON.stringify({ Message: err.message });
}
