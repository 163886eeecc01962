import { describe, expect, it } from 'vitest';
import type { ObservedService, ObservedTaskDefinition } from '../../../functions/core/observed.ts';
import {
  planRedeploy,
  primaryRuns,
  redeployProgress,
  requestIdTagValue,
  revisionOf,
} from '../../../functions/core/plan-redeploy.ts';
import { fullyCreated, TD_ARN } from './observed-fixtures.ts';

const service = (): ObservedService => {
  const observed = fullyCreated().service;
  if (observed === undefined) throw new Error('fixture has a service');
  return observed;
};

const revision2: ObservedTaskDefinition = {
  arn: TD_ARN(2),
  family: 'berth-demo',
  revision: 2,
  status: 'ACTIVE',
  image: 'nginx:1.28',
};

/** The fixture service after UpdateService to revision 2 (new PRIMARY, old one ACTIVE). */
const deployedTo2 = (): ObservedService => {
  const before = service();
  const old = before.deployments[0];
  if (old === undefined) throw new Error('fixture has a deployment');
  return {
    ...before,
    taskDefinition: TD_ARN(2),
    deployments: [
      { ...old, id: 'ecs-svc/2', status: 'PRIMARY', rolloutState: 'IN_PROGRESS', taskDefinition: TD_ARN(2) },
      { ...old, status: 'ACTIVE' },
    ],
  };
};

describe('redeployProgress', () => {
  it('asks to register and deploy when the request registered no revision', () => {
    expect(redeployProgress(service(), undefined)).toEqual({ deployed: false });
  });

  it('reuses the revision but still deploys when PRIMARY runs another one', () => {
    expect(redeployProgress(service(), revision2)).toEqual({ revision: revision2, deployed: false });
  });

  it('reuses the revision and skips the deployment when PRIMARY already runs it', () => {
    expect(redeployProgress(deployedTo2(), revision2)).toEqual({ revision: revision2, deployed: true });
  });
});

describe('primaryRuns', () => {
  it('compares the PRIMARY deployment, not an ACTIVE one', () => {
    expect(primaryRuns(deployedTo2(), TD_ARN(1))).toBe(false);
  });

  it("falls back to the service's task definition without deployments", () => {
    expect(primaryRuns({ ...service(), deployments: [] }, TD_ARN(1))).toBe(true);
  });
});

describe('requestIdTagValue', () => {
  it('keeps an id ECS accepts as a tag value', () => {
    expect(requestIdTagValue('slack-t-3f00ab_9')).toBe('slack-t-3f00ab_9');
  });

  it('hashes an id with characters ECS rejects in tag values', () => {
    expect(requestIdTagValue('a#b')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('revisionOf', () => {
  it('reads the revision at the end of a task definition ARN', () => {
    expect(revisionOf(TD_ARN(12))).toBe(12);
  });

  it('returns undefined for a family name without revision', () => {
    expect(revisionOf('berth-demo')).toBeUndefined();
  });
});

describe('planRedeploy with progress', () => {
  it('says it reuses the revision registered by this request and deploys it', () => {
    expect(planRedeploy(fullyCreated(), 'nginx:1.28', { revision: revision2, deployed: false })).toEqual([
      {
        kind: 'useTaskDefinition',
        arn: revision2.arn,
        stage: 'task-definition',
        action: 'keep',
        resource: 'task definition berth-demo:2',
        reason: 'reuse revision 2 registered by this request',
      },
      {
        kind: 'updateService',
        cluster: 'berth-demo',
        service: 'berth-demo',
        taskDefinition: revision2.arn,
        forceNewDeployment: true,
        stage: 'service',
        action: 'update',
        resource: 'ECS service berth-demo',
        reason: 'deploy revision 2 (rollback on failure)',
      },
      {
        kind: 'verify',
        stage: 'verify',
        action: 'wait',
        resource: 'environment demo',
        reason: 'deployment COMPLETED (not rolled back), healthy targets, HTTP probe',
      },
    ]);
  });

  it('keeps the service when its PRIMARY deployment already runs the revision', () => {
    expect(planRedeploy(fullyCreated(), undefined, { revision: revision2, deployed: true })[1]).toEqual({
      kind: 'useService',
      arn: fullyCreated().service?.arn,
      stage: 'service',
      action: 'keep',
      resource: 'ECS service berth-demo',
      reason: 'PRIMARY deployment already runs revision 2',
    });
  });

  it('registers a new revision when the request registered none', () => {
    expect(planRedeploy(fullyCreated(), 'nginx:1.28', { deployed: false })[0]?.action).toBe('create');
  });
});
