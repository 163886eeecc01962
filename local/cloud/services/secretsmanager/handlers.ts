import { randomUUID } from 'node:crypto';
import { ServiceError } from '../../core/service-error.ts';
import type { RequestContext, ServiceFactory } from '../../core/types.ts';
import { type Secret, type SecretsManagerBackend, secretsManagerBackend } from './backend.ts';

const backendOf = (ctx: RequestContext): SecretsManagerBackend =>
  secretsManagerBackend(ctx.cloud, ctx.accountId, ctx.region);

const epoch = (d: Date): number => d.getTime() / 1000;

function secretId(params: Record<string, any>): string {
  if (typeof params.SecretId !== 'string' || params.SecretId.length === 0)
    throw new ServiceError(
      'ValidationException',
      "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
    );
  return params.SecretId;
}

function tagsOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(raw)) for (const t of raw) out[String(t?.Key ?? '')] = String(t?.Value ?? '');
  return out;
}

function describe(s: Secret): Record<string, unknown> {
  const versions: Record<string, string[]> = {};
  if (s.current !== undefined) versions[s.current] = ['AWSCURRENT'];
  if (s.previous !== undefined) versions[s.previous] = ['AWSPREVIOUS'];
  return {
    ARN: s.arn,
    Name: s.name,
    ...(s.description === undefined ? {} : { Description: s.description }),
    CreatedDate: epoch(s.createdDate),
    LastChangedDate: epoch(s.lastChangedDate),
    ...(s.deletedDate ? { DeletedDate: epoch(s.deletedDate) } : {}),
    Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
    VersionIdsToStages: versions,
  };
}

/**
 * Secrets Manager (JSON 1.1, `secretsmanager.*`): string secrets — what the Slack function reads its signing
 * secret with (GetSecretValue) and what a deployment or the local platform stores it with.
 */
export const secretsManagerService: ServiceFactory = (cloud) => {
  cloud.addStateDumper('secretsmanager', () => {
    const out: Record<string, unknown> = {};
    for (const key of cloud.backendKeys('secretsmanager')) {
      const [account = '', region = ''] = key.split('/');
      const be = cloud.backend<SecretsManagerBackend>('secretsmanager', account, region, () => {
        throw new Error('unreachable');
      });
      // Names and ARNs only: secret values never leave through the control endpoint.
      out[key] = [...be.secrets.values()].map((s) => ({
        name: s.name,
        arn: s.arn,
        deleted: !!s.deletedDate,
      }));
    }
    return out;
  });
  return {
    signingName: 'secretsmanager',
    protocol: 'json',
    jsonTargetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    actions: {
      CreateSecret(params, ctx) {
        if (typeof params.Name !== 'string' || params.Name.length === 0)
          throw new ServiceError(
            'ValidationException',
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
          );
        if (params.SecretBinary !== undefined)
          throw new ServiceError(
            'InvalidParameterException',
            'SecretBinary is not supported by the local cloud.',
          );
        const versionId =
          typeof params.ClientRequestToken === 'string' ? params.ClientRequestToken : randomUUID();
        const s = backendOf(ctx).create({
          name: params.Name,
          ...(typeof params.SecretString === 'string' ? { secretString: params.SecretString } : {}),
          ...(typeof params.Description === 'string' ? { description: params.Description } : {}),
          tags: tagsOf(params.Tags),
          versionId,
        });
        return { ARN: s.arn, Name: s.name, ...(s.current === undefined ? {} : { VersionId: s.current }) };
      },

      GetSecretValue(params, ctx) {
        const s = backendOf(ctx).live(secretId(params));
        const stage = typeof params.VersionStage === 'string' ? params.VersionStage : undefined;
        const wanted =
          typeof params.VersionId === 'string'
            ? params.VersionId
            : stage === 'AWSPREVIOUS'
              ? s.previous
              : stage === undefined || stage === 'AWSCURRENT'
                ? s.current
                : undefined;
        const version = wanted === undefined ? undefined : s.versions.get(wanted);
        if (!version || wanted === undefined)
          throw new ServiceError(
            'ResourceNotFoundException',
            `Secrets Manager can't find the specified secret value for ${typeof params.VersionId === 'string' ? `VersionId: ${params.VersionId}` : `staging label: ${stage ?? 'AWSCURRENT'}`}`,
          );
        const stages = [
          ...(wanted === s.current ? ['AWSCURRENT'] : []),
          ...(wanted === s.previous ? ['AWSPREVIOUS'] : []),
        ];
        return {
          ARN: s.arn,
          Name: s.name,
          VersionId: wanted,
          SecretString: version.secretString,
          VersionStages: stages,
          CreatedDate: epoch(version.createdDate),
        };
      },

      PutSecretValue(params, ctx) {
        const be = backendOf(ctx);
        const s = be.live(secretId(params));
        if (typeof params.SecretString !== 'string')
          throw new ServiceError(
            'InvalidRequestException',
            'You must provide either SecretString or SecretBinary.',
          );
        const versionId =
          typeof params.ClientRequestToken === 'string' ? params.ClientRequestToken : randomUUID();
        be.putValue(s, params.SecretString, versionId);
        return { ARN: s.arn, Name: s.name, VersionId: versionId, VersionStages: ['AWSCURRENT'] };
      },

      DescribeSecret(params, ctx) {
        const s = backendOf(ctx).find(secretId(params));
        if (!s)
          throw new ServiceError(
            'ResourceNotFoundException',
            "Secrets Manager can't find the specified secret.",
          );
        return describe(s);
      },

      DeleteSecret(params, ctx) {
        const be = backendOf(ctx);
        const s = be.find(secretId(params));
        if (!s)
          throw new ServiceError(
            'ResourceNotFoundException',
            "Secrets Manager can't find the specified secret.",
          );
        const force = params.ForceDeleteWithoutRecovery === true;
        if (force && params.RecoveryWindowInDays !== undefined)
          throw new ServiceError(
            'InvalidParameterException',
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
          );
        const days = params.RecoveryWindowInDays === undefined ? 30 : Number(params.RecoveryWindowInDays);
        if (!force && (!Number.isInteger(days) || days < 7 || days > 30))
          throw new ServiceError(
            'InvalidParameterException',
            'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
          );
        const at = be.delete(s, force);
        const deletionDate = force ? at : new Date(at.getTime() + days * 86_400_000);
        return { ARN: s.arn, Name: s.name, DeletionDate: epoch(deletionDate) };
      },
    },
  };
};
