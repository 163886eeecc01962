import { EnvNameSchema, ImageSchema } from '../../core/env-spec.ts';
import { ValidationError } from '../../core/errors.ts';

const check = (schema: typeof EnvNameSchema | typeof ImageSchema, value: unknown, field: string): string => {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(field, result.error.issues[0]?.message ?? 'is invalid');
  return result.data;
};

/**
 * Checks an environment name from a path, query or command argument (core's EnvSpec `name`
 * rule, so the API, Slack and CLI show the same rule text as specs do).
 *
 * @example assertEnvName('demo', 'name') // 'demo'
 */
export const assertEnvName = (value: unknown, field: string): string => check(EnvNameSchema, value, field);

/** A container image reference (core's EnvSpec `image` rule). */
export const assertImage = (value: unknown, field: string): string => check(ImageSchema, value, field);

/** An integer in `[min, max]`. */
export const assertInteger = (value: unknown, field: string, min: number, max: number): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
};
