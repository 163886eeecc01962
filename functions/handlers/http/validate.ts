import { validateEnvSpec } from '../../core/env-spec.ts';
import { ValidationError } from '../../core/errors.ts';

/** A spec that is valid in every field but the one being checked. */
const PROBE_SPEC = { name: 'xx', image: 'nginx', owner: 'berth' } as const;

/**
 * Checks one field with the EnvSpec rules of core (so the API, Slack and CLI use the same rule
 * text as specs do) and throws `ValidationError(field, rule)` on the first issue.
 */
const checkSpecField = (specField: 'name' | 'image', value: unknown, field: string): string => {
  const result = validateEnvSpec({ ...PROBE_SPEC, [specField]: value });
  if (!result.ok) {
    const issue = result.issues.find((i) => i.field === specField) ?? result.issues[0];
    throw new ValidationError(field, issue?.rule ?? 'is invalid');
  }
  return value as string;
};

/**
 * Checks an environment name from a path, query or command argument (EnvSpec `name` rule).
 *
 * @example assertEnvName('demo', 'name') // 'demo'
 */
export const assertEnvName = (value: unknown, field: string): string => checkSpecField('name', value, field);

/** A container image reference (EnvSpec `image` rule). */
export const assertImage = (value: unknown, field: string): string => checkSpecField('image', value, field);

/** An integer in `[min, max]`. */
export const assertInteger = (value: unknown, field: string, min: number, max: number): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
};
