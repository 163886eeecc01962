import type { Cloud } from '../../core/cloud.ts';
import { ServiceError } from '../../core/service-error.ts';

/** One secret of Secrets Manager (a string value; versions by stage, AWSCURRENT/AWSPREVIOUS). */
export interface Secret {
  arn: string;
  name: string;
  description?: string;
  tags: Record<string, string>;
  createdDate: Date;
  lastChangedDate: Date;
  /** Versions by id; `current`/`previous` name the versions with the AWSCURRENT/AWSPREVIOUS labels. */
  versions: Map<string, { secretString: string; createdDate: Date }>;
  current?: string;
  previous?: string;
  /** Set by DeleteSecret with a recovery window: the secret is "marked for deletion". */
  deletedDate?: Date;
}

/** The Secrets Manager backend of one account and region. */
export function secretsManagerBackend(
  cloud: Cloud,
  accountId: string,
  region: string,
): SecretsManagerBackend {
  return cloud.backend(
    'secretsmanager',
    accountId,
    region,
    () => new SecretsManagerBackend(cloud, accountId, region),
  );
}

const SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** AWS's answer for a secret id that names no secret (GetSecretValue, DescribeSecret, PutSecretValue …). */
const secretNotFound = (): ServiceError =>
  new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

/**
 * Secrets Manager of one account and region: what Berth and its local platform use (the Slack
 * signing secret). Names are unique per account and region; a secret's ARN ends with `-` and six
 * random characters (Secrets Manager User Guide, "Secret ARNs"); a secret is found by name or ARN.
 */
export class SecretsManagerBackend {
  readonly secrets = new Map<string, Secret>();

  constructor(
    private readonly cloud: Cloud,
    readonly accountId: string,
    readonly region: string,
  ) {}

  /** The secret a `SecretId` (name, full ARN, or ARN without its random suffix) names, deleted ones included. */
  find(secretId: string): Secret | undefined {
    if (!secretId.startsWith('arn:')) return this.secrets.get(secretId);
    for (const s of this.secrets.values())
      if (s.arn === secretId || s.arn.startsWith(`${secretId}-`)) return s;
    return undefined;
  }

  /** A secret that exists and is not marked for deletion (`operation` names the call in the error). */
  live(secretId: string): Secret {
    const s = this.find(secretId);
    if (!s) throw secretNotFound();
    if (s.deletedDate)
      throw new ServiceError(
        'InvalidRequestException',
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    return s;
  }

  create(input: {
    name: string;
    secretString?: string;
    description?: string;
    tags: Record<string, string>;
    versionId: string;
  }): Secret {
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(input.name))
      throw new ServiceError(
        'ValidationException',
        `Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!`,
      );
    const existing = this.secrets.get(input.name);
    if (existing?.deletedDate)
      throw new ServiceError(
        'InvalidRequestException',
        `You can't create this secret because a secret with this name is already scheduled for deletion.`,
      );
    if (existing)
      throw new ServiceError(
        'ResourceExistsException',
        `The operation failed because the secret ${input.name} already exists.`,
      );
    const now = this.cloud.clock.now();
    let suffix = '';
    for (let i = 0; i < 6; i++) suffix += SUFFIX_CHARS[Math.floor(Math.random() * SUFFIX_CHARS.length)];
    const secret: Secret = {
      arn: `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${input.name}-${suffix}`,
      name: input.name,
      ...(input.description === undefined ? {} : { description: input.description }),
      tags: { ...input.tags },
      createdDate: now,
      lastChangedDate: now,
      versions: new Map(),
    };
    if (input.secretString !== undefined) this.putValue(secret, input.secretString, input.versionId);
    this.secrets.set(secret.name, secret);
    return secret;
  }

  /** Stores a new version labelled AWSCURRENT (the former current one becomes AWSPREVIOUS). */
  putValue(secret: Secret, secretString: string, versionId: string): void {
    const now = this.cloud.clock.now();
    secret.versions.set(versionId, { secretString, createdDate: now });
    if (secret.current !== undefined && secret.current !== versionId) secret.previous = secret.current;
    secret.current = versionId;
    secret.lastChangedDate = now;
  }

  /** Deletes now (`force`) or marks for deletion (the recovery window is not modeled further). */
  delete(secret: Secret, force: boolean): Date {
    const now = this.cloud.clock.now();
    if (force) this.secrets.delete(secret.name);
    else secret.deletedDate = now;
    return now;
  }
}
