import { describe, expect, it } from 'vitest';
import { Clock } from '../../../../local/cloud/core/clock.ts';
import {
  BASE_DELAYS,
  type DelayName,
  resolveTimeProfile,
} from '../../../../local/cloud/core/time-profile.ts';

/**
 * Issue 9: every modeled AWS behaviour exists in every time profile — its delays and windows of
 * inconsistency are scaled by the profile factor and never zero.
 */
describe('time profiles', () => {
  const names = Object.keys(BASE_DELAYS) as DelayName[];

  it.each([
    ['instant', undefined],
    ['fast', undefined],
    ['realistic', undefined],
    ['instant', 1e-9],
  ] as const)('keeps every modeled delay above zero (%s, factor %s)', (profile, factor) => {
    const clock = new Clock(resolveTimeProfile(profile, factor));
    for (const name of names) expect(clock.delay(name), name).toBeGreaterThanOrEqual(1);
  });

  it('scales the delays by the factor', () => {
    const clock = new Clock(resolveTimeProfile('realistic', 0.1));
    expect(clock.delay('ecsResourcePropagation')).toBe(500);
    expect(clock.delay('securityGroupPropagation')).toBe(500);
    expect(clock.ms(0)).toBe(0);
  });

  it.each([0, -1, Number.NaN])('rejects the time factor %s', (factor) => {
    expect(() => resolveTimeProfile('fast', factor)).toThrow(
      `time factor must be a positive number, got ${factor}`,
    );
  });
});
