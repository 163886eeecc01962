import { ValidationError } from '../../core/errors.ts';

/**
 * An integer in `[min, max]` (query parameters such as `limit`). The operation input's own fields are checked
 * with core's `checkOperationField` (`functions/core/operation.ts`).
 */
export const assertInteger = (value: unknown, field: string, min: number, max: number): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
};
