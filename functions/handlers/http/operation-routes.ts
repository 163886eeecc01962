import { ownerOf } from '../../core/access-policy.ts';
import { parseDuration } from '../../core/duration.ts';
import { parseEnvSpec } from '../../core/env-spec.ts';
import { ValidationError } from '../../core/errors.ts';
import { checkOperationField } from '../../core/operation.ts';
import { isWildcardHost } from '../../core/shared-route.ts';
import type { RouteHandler } from './api-deps.ts';
import { authorizedToStart } from './authorize.ts';
import { assertRouteFree, nameParam, start } from './operation-request.ts';
import { rejectUnknownQuery } from './query.ts';
import { jsonObjectBody, rejectUnknownKeys } from './request.ts';
import type { RouteName } from './routes.ts';

/** The routes that start an operation (`up`, `down`, `scale`, `redeploy`, `extend`, `pause`, `resume`): 202. */
export const operationRoutes = {
  async createEnvironment(ctx) {
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event);
    const { requestId, ...specInput } = body;
    // The owner is never taken from the body (docs/openapi.yaml): a body `owner` is ignored. A new environment
    // belongs to the caller; an existing one keeps its recorded owner.
    specInput['owner'] = ownerOf(ctx.caller);
    const checked = parseEnvSpec(specInput);
    const host = checked.loadBalancer.mode === 'shared' ? checked.loadBalancer.host : undefined;
    const record = await authorizedToStart(
      ctx,
      'up',
      checked.name,
      requestId,
      checked.image,
      isWildcardHost(host) ? host : undefined,
    );
    const owner = record === undefined || record.status === 'deleted' ? undefined : record.owner;
    const spec = owner === undefined ? checked : { ...checked, owner };
    await assertRouteFree(ctx, spec.name, spec.loadBalancer);
    return start(ctx, { operation: 'up', env: spec.name, spec }, requestId);
  },

  async deleteEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event, { allowEmpty: true });
    rejectUnknownKeys(body, ['requestId']);
    await authorizedToStart(ctx, 'down', name, body['requestId']);
    return start(ctx, { operation: 'down', env: name }, body['requestId']);
  },

  async scaleEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event);
    rejectUnknownKeys(body, ['desiredCount', 'requestId']);
    if (body['desiredCount'] === undefined) throw new ValidationError('desiredCount', 'is required');
    const desiredCount = checkOperationField('desiredCount', body['desiredCount']);
    await authorizedToStart(ctx, 'scale', name, body['requestId']);
    return start(ctx, { operation: 'scale', env: name, desiredCount }, body['requestId']);
  },

  async redeployEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event, { allowEmpty: true });
    rejectUnknownKeys(body, ['image', 'requestId']);
    const image = body['image'] === undefined ? undefined : checkOperationField('image', body['image']);
    await authorizedToStart(ctx, 'redeploy', name, body['requestId'], image);
    return start(
      ctx,
      { operation: 'redeploy', env: name, ...(image === undefined ? {} : { image }) },
      body['requestId'],
    );
  },

  async extendEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event);
    rejectUnknownKeys(body, ['hours', 'ttl', 'requestId']);
    if ((body['hours'] === undefined) === (body['ttl'] === undefined)) {
      throw new ValidationError('hours', 'give exactly one of hours or ttl');
    }
    let hours: number;
    if (body['hours'] !== undefined) {
      hours = checkOperationField('hours', body['hours']);
    } else {
      if (typeof body['ttl'] !== 'string')
        throw new ValidationError('ttl', 'must be a duration like 8h or 2d');
      const seconds = parseDuration(body['ttl'], 'ttl');
      if (seconds % 3600 !== 0)
        throw new ValidationError('ttl', 'must be a whole number of hours, like 8h or 2d');
      hours = checkOperationField('hours', seconds / 3600, 'ttl');
    }
    await authorizedToStart(ctx, 'extend', name, body['requestId']);
    return start(ctx, { operation: 'extend', env: name, hours }, body['requestId']);
  },

  async pauseEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event, { allowEmpty: true });
    rejectUnknownKeys(body, ['requestId']);
    await authorizedToStart(ctx, 'pause', name, body['requestId']);
    return start(ctx, { operation: 'pause', env: name }, body['requestId']);
  },

  async resumeEnvironment(ctx) {
    const name = nameParam(ctx);
    rejectUnknownQuery(ctx.event, []);
    const body = jsonObjectBody(ctx.event, { allowEmpty: true });
    rejectUnknownKeys(body, ['requestId']);
    await authorizedToStart(ctx, 'resume', name, body['requestId']);
    return start(ctx, { operation: 'resume', env: name }, body['requestId']);
  },
} satisfies Partial<Record<RouteName, RouteHandler>>;
