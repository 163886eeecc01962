import { OwnershipConflictError } from './errors.ts';
import type { Tags } from './observed.ts';

export const TAG_ENV = 'berth:env';
export const TAG_MANAGED_BY = 'berth:managed-by';
export const TAG_OWNER = 'berth:owner';
export const MANAGED_BY_BERTH = 'berth';

/** AWS (EC2, ELBv2, Auto Scaling) tag list entry. */
export interface AwsTag {
  Key: string;
  Value: string;
}

/** ECS tag list entry (lowercase keys). */
export interface EcsTag {
  key: string;
  value: string;
}

/**
 * The tags Berth puts on every resource of environment `env`.
 *
 * @example ownershipTags('demo', 'ana@example.com')
 * // { 'berth:env': 'demo', 'berth:managed-by': 'berth', 'berth:owner': 'ana@example.com' }
 */
export function ownershipTags(env: string, owner: string): Record<string, string> {
  return { [TAG_ENV]: env, [TAG_MANAGED_BY]: MANAGED_BY_BERTH, [TAG_OWNER]: owner };
}

/**
 * Whether `tags` mark a resource as belonging to environment `env`
 * (`berth:env=<env>` and `berth:managed-by=berth`; the owner does not matter).
 *
 * @example isOwnedBy({ 'berth:env': 'demo', 'berth:managed-by': 'berth' }, 'demo') // true
 */
export function isOwnedBy(tags: Tags | undefined, env: string): boolean {
  return tags?.[TAG_ENV] === env && tags[TAG_MANAGED_BY] === MANAGED_BY_BERTH;
}

/**
 * Throws {@link OwnershipConflictError} unless `tags` mark the resource as environment `env`'s.
 *
 * @param resourceLabel names the resource in the message, e.g. `target group berth-demo-tg`
 * @example assertOwned('ECS cluster berth-demo', cluster.tags, 'demo')
 */
export function assertOwned(resourceLabel: string, tags: Tags | undefined, env: string): void {
  if (!isOwnedBy(tags, env)) throw new OwnershipConflictError(resourceLabel, env);
}

/** `{ a: 'b' }` → `[{ Key: 'a', Value: 'b' }]` (EC2, ELBv2, Auto Scaling). */
export function toAwsTags(tags: Tags): AwsTag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** `{ a: 'b' }` → `[{ key: 'a', value: 'b' }]` (ECS). */
export function toEcsTags(tags: Tags): EcsTag[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** An SDK tag list (`{Key?, Value?}[]`) → a record; entries without a key are dropped. */
export function fromAwsTags(
  list: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): Tags {
  const tags: Record<string, string> = {};
  for (const tag of list ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return tags;
}

/** An ECS tag list (`{key?, value?}[]`) → a record; entries without a key are dropped. */
export function fromEcsTags(
  list: readonly { key?: string | undefined; value?: string | undefined }[] | undefined,
): Tags {
  const tags: Record<string, string> = {};
  for (const tag of list ?? []) if (tag.key !== undefined) tags[tag.key] = tag.value ?? '';
  return tags;
}
