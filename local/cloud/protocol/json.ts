import type { ServiceError } from '../core/service-error.ts';

/** Content type of a JSON-protocol reply. */
export function jsonContentType(version: '1.0' | '1.1' = '1.1'): string {
  return `application/x-amz-json-${version}`;
}

/** Serialises a handler's result: `Date` → epoch seconds (as the AWS JSON protocol does). */
export function renderJsonResult(result: unknown): string {
  return JSON.stringify(result ?? {}, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
}

/** The JSON protocol error body. */
export function renderJsonError(err: ServiceError): string {
  return JSON.stringify({ __type: err.code, message: err.message });
}

/** The action named by `X-Amz-Target: <prefix>.<Action>`, or undefined when the prefix differs. */
export function jsonAction(target: string | undefined, prefix: string): string | undefined {
  if (!target) return undefined;
  const dot = target.lastIndexOf('.');
  if (dot < 0 || target.slice(0, dot) !== prefix) return undefined;
  return target.slice(dot + 1);
}
