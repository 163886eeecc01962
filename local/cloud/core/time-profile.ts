/** Named speeds of the local cloud: real delay = AWS-like base delay × factor. */
export type TimeProfileName = 'instant' | 'fast' | 'realistic';

export interface TimeProfile {
  name: TimeProfileName;
  factor: number;
}

/** AWS-like durations (ms) of the slow things the emulator models. */
export const BASE_DELAYS = {
  albProvisioning: 180_000,
  albDeletion: 30_000,
  instanceBoot: 60_000,
  instanceTermination: 30_000,
  containerInstanceRegistration: 5_000,
  imagePull: 10_000,
  taskStart: 3_000,
  taskStop: 2_000,
} as const;

export type DelayName = keyof typeof BASE_DELAYS;

const DEFAULT_FACTORS: Record<TimeProfileName, number> = {
  instant: 0.002,
  fast: 0.01,
  realistic: 1,
};

/** True when `name` is a known profile name. */
export function isTimeProfileName(name: string): name is TimeProfileName {
  return name === 'instant' || name === 'fast' || name === 'realistic';
}

/**
 * Builds a profile. `factor` overrides the profile's default (for `realistic`, it is
 * the given factor, default 1).
 */
export function resolveTimeProfile(name: TimeProfileName = 'instant', factor?: number): TimeProfile {
  if (factor !== undefined && (!Number.isFinite(factor) || factor < 0)) {
    throw new RangeError(`time factor must be a non-negative number, got ${factor}`);
  }
  return { name, factor: factor ?? DEFAULT_FACTORS[name] };
}
