import { ServiceError } from '../../core/service-error.ts';
import { list, str } from '../../protocol/params.ts';
import { validateTag } from './backend.ts';

/** Request helpers shared by the EC2 handlers (the protocol side: reading params, shaping tags). */

/** A required string param, or `MissingParameter`. */
export function required(params: any, name: string): string {
  const v = str(params[name]);
  if (v === undefined)
    throw new ServiceError('MissingParameter', `The request must contain the parameter ${name}`);
  return v;
}

/** Tags as EC2's `tagSet` items. */
export const tagSet = (tags: Record<string, string>) =>
  Object.entries(tags).map(([key, value]) => ({ key, value }));

/** Tags from `TagSpecification.N` for `resourceType`; other resource types are InvalidParameterValue. */
export function tagsFromSpecs(raw: unknown, resourceType: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of list<any>(raw)) {
    if (spec?.ResourceType !== resourceType) {
      throw new ServiceError(
        'InvalidParameterValue',
        `'${spec?.ResourceType ?? ''}' is not a valid taggable resource type for this operation.`,
      );
    }
    Object.assign(out, readTags(spec.Tag));
  }
  return out;
}

/** `Tag.N.Key/Value` params as a record (each checked against EC2's tag rules). */
export function readTags(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list<any>(raw)) {
    const key = String(t?.Key ?? '');
    validateTag(key, String(t?.Value ?? ''));
    out[key] = String(t?.Value ?? '');
  }
  return out;
}
