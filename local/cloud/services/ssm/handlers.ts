import { ServiceError } from '../../core/service-error.ts';
import type { RequestContext, ServiceFactory } from '../../core/types.ts';
import type { Parameter } from './backend.ts';
import { SsmBackend } from './backend.ts';

const ssmOf = (ctx: RequestContext): SsmBackend =>
  ctx.cloud.backend(
    'ssm',
    ctx.accountId,
    ctx.region,
    () => new SsmBackend(ctx.cloud, ctx.accountId, ctx.region),
  );

function render(ssm: SsmBackend, p: Parameter, selector?: string): unknown {
  return {
    Name: p.name,
    Type: p.type,
    Value: p.value,
    Version: p.version,
    Selector: selector,
    LastModifiedDate: p.lastModifiedDate,
    ARN: ssm.arnOf(p),
    DataType: p.dataType,
  };
}

function requiredName(params: any): string {
  if (typeof params.Name !== 'string' || params.Name.length === 0) {
    throw new ServiceError(
      'ValidationException',
      "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    );
  }
  return params.Name;
}

/** SSM (JSON 1.1, `AmazonSSM.*`): Parameter Store reads and String writes. */
export const ssmService: ServiceFactory = (cloud) => {
  cloud.addStateDumper('ssm', () => {
    const out: Record<string, unknown> = {};
    for (const key of cloud.backendKeys('ssm')) {
      const ssm = cloud.backend<SsmBackend>('ssm', key.split('/')[0] ?? '', key.split('/')[1] ?? '', () => {
        throw new Error('unreachable');
      });
      out[key] = [...ssm.parameters.values()]
        .filter((p) => !p.public)
        .map((p) => ({ name: p.name, type: p.type, version: p.version }));
    }
    return out;
  });
  return {
    signingName: 'ssm',
    protocol: 'json',
    jsonTargetPrefix: 'AmazonSSM',
    jsonVersion: '1.1',
    actions: {
      GetParameter(params, ctx) {
        const ssm = ssmOf(ctx);
        const name = requiredName(params);
        const p = ssm.find(name);
        if (!p) throw new ServiceError('ParameterNotFound', `Parameter ${name} not found.`);
        const selector = /:(\d+)$/.exec(name)?.[0];
        return { Parameter: render(ssm, p, selector) };
      },

      GetParameters(params, ctx) {
        const ssm = ssmOf(ctx);
        const names: unknown = params.Names;
        if (!Array.isArray(names) || names.length === 0 || names.length > 10) {
          throw new ServiceError(
            'ValidationException',
            "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1",
          );
        }
        const found: unknown[] = [];
        const invalid: string[] = [];
        for (const n of names.map(String)) {
          const p = ssm.find(n);
          if (p) found.push(render(ssm, p, /:(\d+)$/.exec(n)?.[0]));
          else invalid.push(n);
        }
        return { Parameters: found, InvalidParameters: invalid };
      },

      PutParameter(params, ctx) {
        const ssm = ssmOf(ctx);
        const name = requiredName(params);
        if (typeof params.Value !== 'string') {
          throw new ServiceError(
            'ValidationException',
            "1 validation error detected: Value null at 'value' failed to satisfy constraint: Member must not be null",
          );
        }
        const p = ssm.put({
          name,
          value: params.Value,
          type: typeof params.Type === 'string' ? params.Type : undefined,
          overwrite: params.Overwrite === true,
          description: typeof params.Description === 'string' ? params.Description : undefined,
          dataType: typeof params.DataType === 'string' ? params.DataType : undefined,
        });
        return { Version: p.version, Tier: 'Standard' };
      },
    },
  };
};
