import type { Cloud } from '../../core/cloud.ts';
import { ServiceError } from '../../core/service-error.ts';
import { ecsOptimizedImages } from '../ec2/images.ts';

export interface Parameter {
  name: string;
  type: 'String' | 'StringList';
  value: string;
  version: number;
  lastModifiedDate: Date;
  dataType: string;
  description?: string;
  /** Public AWS parameters live in no account. */
  public: boolean;
}

/** The public ECS-optimized AMI parameters (AL2023 and AL2, x86_64 and arm64), from EC2's image catalog. */
function publicParameters(region: string, now: Date): Parameter[] {
  const out: Parameter[] = [];
  for (const image of ecsOptimizedImages(region)) {
    const base = `/aws/service/ecs/optimized-ami/${image.family}/recommended`;
    const common = { type: 'String' as const, version: 1, lastModifiedDate: now, public: true };
    out.push({ ...common, name: `${base}/image_id`, value: image.imageId, dataType: 'aws:ec2:image' });
    out.push({ ...common, name: `${base}/image_name`, value: image.name, dataType: 'text' });
    out.push({
      ...common,
      name: base,
      value: JSON.stringify({
        ecs_agent_version: '1.90.0',
        ecs_runtime_version: 'Docker version 25.0.8',
        image_id: image.imageId,
        image_name: image.name,
        os: image.os,
        schema_version: 1,
        source_image_name: image.name,
      }),
      dataType: 'text',
    });
  }
  return out;
}

/** SSM Parameter Store of one account and region (String/StringList only). */
export class SsmBackend {
  readonly accountId: string;
  readonly region: string;
  readonly #cloud: Cloud;
  readonly parameters = new Map<string, Parameter>();

  constructor(cloud: Cloud, accountId: string, region: string) {
    this.#cloud = cloud;
    this.accountId = accountId;
    this.region = region;
    for (const p of publicParameters(region, cloud.clock.now())) this.parameters.set(p.name, p);
  }

  /** The parameter ARN as AWS prints it. */
  arnOf(p: Parameter): string {
    const path = p.name.startsWith('/') ? p.name.slice(1) : p.name;
    return p.public
      ? `arn:aws:ssm:${this.region}::parameter/${path}`
      : `arn:aws:ssm:${this.region}:${this.accountId}:parameter/${path}`;
  }

  /** The parameter by name, ARN, or `name:version`; undefined when absent. */
  find(ref: string): Parameter | undefined {
    let name = ref;
    const arn = /^arn:aws:ssm:[^:]+:\d*:parameter(\/.*)$/.exec(ref);
    if (arn) name = arn[1] ?? ref;
    const versioned = /^(.*):(\d+)$/.exec(name);
    const p = this.parameters.get(versioned ? (versioned[1] ?? name) : name);
    if (!p) return undefined;
    if (versioned && Number(versioned[2]) !== p.version) return undefined;
    return p;
  }

  /** PutParameter. */
  put(input: {
    name: string;
    value: string;
    type?: string | undefined;
    overwrite: boolean;
    description?: string | undefined;
    dataType?: string | undefined;
  }): Parameter {
    if (
      input.name.startsWith('/aws/') ||
      input.name.toLowerCase().startsWith('aws') ||
      input.name.toLowerCase().startsWith('ssm')
    ) {
      throw new ServiceError(
        'ValidationException',
        'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_',
      );
    }
    if (input.name.length === 0 || input.name.length > 2048 || !/^[a-zA-Z0-9_.\-/]+$/.test(input.name)) {
      throw new ServiceError(
        'ValidationException',
        'Parameter name must be a fully qualified name and only contain letters, numbers, and the following symbols: . - _ /',
      );
    }
    const existing = this.parameters.get(input.name);
    const type = input.type ?? existing?.type ?? 'String';
    if (type === 'SecureString') {
      throw new ServiceError(
        'UnsupportedParameterType',
        'The local cloud stores only String and StringList parameters.',
      );
    }
    if (type !== 'String' && type !== 'StringList') {
      throw new ServiceError(
        'ValidationException',
        `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`,
      );
    }
    if (input.value.length > 4096) {
      throw new ServiceError(
        'ValidationException',
        'Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.',
      );
    }
    if (existing && !input.overwrite) {
      throw new ServiceError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const p: Parameter = {
      name: input.name,
      type,
      value: input.value,
      version: (existing?.version ?? 0) + 1,
      lastModifiedDate: this.#cloud.clock.now(),
      dataType: input.dataType ?? 'text',
      public: false,
    };
    const description = input.description ?? existing?.description;
    if (description !== undefined) p.description = description;
    this.parameters.set(p.name, p);
    return p;
  }
}
