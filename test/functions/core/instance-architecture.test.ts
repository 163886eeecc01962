import { describe, expect, it } from 'vitest';
import { INSTANCE_TYPES } from '../../../functions/core/env-spec.ts';
import { amiParameterFor, instanceArchitecture } from '../../../functions/core/instance-architecture.ts';

const AL2023 = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';
const AL2023_ARM = '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id';

describe('instanceArchitecture', () => {
  it.each([
    ['t4g.small', 'arm64'],
    ['m6g.large', 'arm64'],
    ['m7g.large', 'arm64'],
    ['c6g.large', 'arm64'],
    ['c7g.large', 'arm64'],
    ['c6gn.large', 'arm64'],
    ['m7gd.xlarge', 'arm64'],
    ['a1.large', 'arm64'],
    ['t3.small', 'x86_64'],
    ['m5.large', 'x86_64'],
    ['m6i.large', 'x86_64'],
    ['g4dn.xlarge', 'x86_64'],
    ['g4ad.xlarge', 'x86_64'],
    ['r6i.large', 'x86_64'],
  ] as const)('reads %s as %s', (type, arch) => {
    expect(instanceArchitecture(type)).toBe(arch);
  });

  it('calls every Graviton type EnvSpec accepts arm64', () => {
    const graviton = Object.keys(INSTANCE_TYPES).filter((t) => /^(t4g|m6g|m7g|c6g|c7g)\./.test(t));
    expect(graviton.length).toBeGreaterThanOrEqual(5);
    expect(graviton.map(instanceArchitecture)).toEqual(graviton.map(() => 'arm64'));
  });
});

describe('amiParameterFor', () => {
  it('switches the ECS-optimized parameter to arm64 for a Graviton type', () => {
    expect(amiParameterFor(AL2023, 't4g.small')).toBe(AL2023_ARM);
  });

  it('keeps the x86_64 parameter for an x86 type, and switches an arm64 one back', () => {
    expect(amiParameterFor(AL2023, 't3.small')).toBe(AL2023);
    expect(amiParameterFor(AL2023_ARM, 'm5.large')).toBe(AL2023);
  });

  it('handles Amazon Linux 2 and its kernel-specific parameters', () => {
    expect(
      amiParameterFor('/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id', 'c7g.large'),
    ).toBe('/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/recommended/image_id');
    expect(
      amiParameterFor(
        '/aws/service/ecs/optimized-ami/amazon-linux-2/kernel-5.10/recommended/image_id',
        'm6g.large',
      ),
    ).toBe('/aws/service/ecs/optimized-ami/amazon-linux-2/kernel-5.10/arm64/recommended/image_id');
  });

  it('leaves an operator-owned parameter unchanged', () => {
    expect(amiParameterFor('/acme/ecs/ami', 't4g.small')).toBe('/acme/ecs/ami');
  });
});
