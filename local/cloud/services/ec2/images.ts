import { createHash } from 'node:crypto';
import { ServiceError } from '../../core/service-error.ts';

/** An instance architecture as EC2 names it (`DescribeImages` / `DescribeInstanceTypes`). */
export type Architecture = 'x86_64' | 'arm64';

/** A public AMI the local cloud knows: the Amazon ECS-optimized images of one region. */
export interface Image {
  imageId: string;
  name: string;
  description: string;
  architecture: Architecture;
  /** SSM family under `/aws/service/ecs/optimized-ami/` (`amazon-linux-2023/arm64`). */
  family: string;
  os: 'Amazon Linux 2023' | 'Amazon Linux 2';
  ownerId: string;
  ownerAlias: 'amazon';
  creationDate: string;
}

/** A stable fake AMI id per region and image family (`ami-` + 17 hex). */
function fakeAmiId(region: string, family: string): string {
  return `ami-${createHash('sha256').update(`${region}/${family}`).digest('hex').slice(0, 17)}`;
}

/**
 * Account that publishes the ECS-optimized AMIs (`aws ec2 describe-images --owners amazon
 * --filters Name=name,Values=al2023-ami-ecs-*` lists it as the owner, alias `amazon`).
 */
const ECS_AMI_OWNER = '591542846629';

const FAMILIES: ReadonlyArray<{ family: string; name: string; architecture: Architecture }> = [
  {
    family: 'amazon-linux-2023',
    name: 'al2023-ami-ecs-hvm-2023.0.20261101-kernel-6.1-x86_64',
    architecture: 'x86_64',
  },
  {
    family: 'amazon-linux-2023/arm64',
    name: 'al2023-ami-ecs-hvm-2023.0.20261101-kernel-6.1-arm64',
    architecture: 'arm64',
  },
  { family: 'amazon-linux-2', name: 'amzn2-ami-ecs-hvm-2.0.20261101-x86_64-ebs', architecture: 'x86_64' },
  { family: 'amazon-linux-2/arm64', name: 'amzn2-ami-ecs-hvm-2.0.20261101-arm64-ebs', architecture: 'arm64' },
];

/**
 * The ECS-optimized AMIs of a region, both architectures (the images behind the public SSM
 * parameters `/aws/service/ecs/optimized-ami/{amazon-linux-2023,amazon-linux-2}[/arm64]/recommended`).
 */
export function ecsOptimizedImages(region: string): Image[] {
  return FAMILIES.map(({ family, name, architecture }) => ({
    imageId: fakeAmiId(region, family),
    name,
    description: `Amazon Linux AMI ${family.startsWith('amazon-linux-2023') ? '2023' : '2'} ${architecture} ECS HVM EBS`,
    architecture,
    family,
    os: family.startsWith('amazon-linux-2023') ? 'Amazon Linux 2023' : 'Amazon Linux 2',
    ownerId: ECS_AMI_OWNER,
    ownerAlias: 'amazon',
    creationDate: '2026-11-01T00:00:00.000Z',
  }));
}

/**
 * The architecture of an instance type: AWS Graviton families (`a1`, and the families whose
 * generation digit is followed by `g`: `t4g`, `m6g`, `m7gd`, `c6gn`, `c7g`, `r8g`, …) are arm64,
 * everything else x86_64. Source: EC2 User Guide, "Amazon EC2 instance types" (Graviton-based
 * instances carry the `g` attribute letter).
 */
export function instanceTypeArchitecture(instanceType: string): Architecture {
  const family = instanceType.split('.')[0] ?? '';
  if (family === 'a1') return 'arm64';
  return /^[a-z]+\d+g[a-z]*$/.test(family) ? 'arm64' : 'x86_64';
}

/** The architecture of an AMI among `images`; undefined for any other id. */
function imageArchitecture(images: readonly Image[], imageId: string): Architecture | undefined {
  return images.find((img) => img.imageId === imageId)?.architecture;
}

/**
 * The image checks RunInstances makes (and Auto Scaling's launch-template validation repeats):
 * a malformed id is `InvalidAMIID.Malformed`; an ECS-optimized AMI whose architecture differs
 * from the instance type's is `InvalidParameterValue` with AWS's text ("The architecture
 * 'arm64' of the specified instance type does not match the architecture 'x86_64' of the
 * specified AMI. …", as RunInstances answers it — see e.g. aws/aws-parallelcluster#3795,
 * aws/eks-anywhere-build-tooling#2158). Other well-formed AMI ids are taken as private images
 * of the instance type's architecture (the local cloud does not model AMI registration).
 */
export function checkImageForInstanceType(
  images: readonly Image[],
  imageId: string,
  instanceType: string,
): void {
  if (!/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(imageId)) {
    throw new ServiceError('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  }
  const imageArch = imageArchitecture(images, imageId);
  const typeArch = instanceTypeArchitecture(instanceType);
  if (imageArch !== undefined && imageArch !== typeArch) {
    throw new ServiceError(
      'InvalidParameterValue',
      `The architecture '${typeArch}' of the specified instance type does not match the architecture '${imageArch}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.`,
    );
  }
}

/** The message RunInstances would refuse this image and type with, or undefined. */
export function launchRefusal(
  images: readonly Image[],
  imageId: string,
  instanceType: string,
): string | undefined {
  try {
    checkImageForInstanceType(images, imageId, instanceType);
    return undefined;
  } catch (err) {
    if (err instanceof ServiceError) return err.message;
    throw err;
  }
}
