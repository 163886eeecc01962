/** The CPU architecture of an EC2 instance type, as EC2 names it. */
export type InstanceArchitecture = 'x86_64' | 'arm64';

/**
 * The architecture of an instance type: AWS Graviton families are arm64 — `a1`, and every family
 * whose generation digit is followed by `g` (`t4g`, `m6g`, `m7gd`, `c6gn`, `c7g`, `r8g`, …); all
 * others are x86_64. An AMI must match it: RunInstances and Auto Scaling refuse "The architecture
 * 'arm64' of the specified instance type does not match the architecture 'x86_64' of the
 * specified AMI."
 * @example
 * instanceArchitecture('t4g.small'); // 'arm64'
 * instanceArchitecture('m5.large'); // 'x86_64'
 */
export function instanceArchitecture(instanceType: string): InstanceArchitecture {
  const family = instanceType.split('.')[0] ?? '';
  if (family === 'a1') return 'arm64';
  return /^[a-z]+\d+g[a-z]*$/.test(family) ? 'arm64' : 'x86_64';
}

/** `/aws/service/ecs/optimized-ami/<os>[/kernel-…][/arm64]/recommended…` (the public ECS AMI parameters). */
const ECS_AMI_PARAMETER =
  /^(\/aws\/service\/ecs\/optimized-ami\/[^/]+(?:\/kernel-[^/]+)?)(\/arm64)?(\/recommended(?:\/.*)?)$/;

/**
 * The SSM parameter holding the AMI for `instanceType`. The public ECS-optimized parameters exist
 * per architecture — `…/amazon-linux-2023/recommended/image_id` (x86_64) and
 * `…/amazon-linux-2023/arm64/recommended/image_id` (arm64) — so the configured one is switched to
 * the instance type's architecture. Any other (operator-owned) parameter is returned unchanged:
 * it must name an AMI of the right architecture itself.
 * @example
 * amiParameterFor('/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id', 't4g.small');
 * // '/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id'
 */
export function amiParameterFor(configured: string, instanceType: string): string {
  const m = ECS_AMI_PARAMETER.exec(configured);
  if (!m) return configured;
  const arch = instanceArchitecture(instanceType) === 'arm64' ? '/arm64' : '';
  return `${m[1]}${arch}${m[3]}`;
}
