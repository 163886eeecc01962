import { describe, expect, it } from 'vitest';
import { NotFoundError, OwnershipConflictError, ValidationError } from '../../../functions/core/errors.ts';
import { planRedeploy } from '../../../functions/core/plan-redeploy.ts';
import { instancesNeeded, planScale, tasksPerInstance } from '../../../functions/core/plan-scale.ts';
import { FOREIGN, fullyCreated, nothing, spec, withObserved } from './observed-fixtures.ts';

describe('planScale', () => {
  it('raises the group ceiling, never its desired capacity, before the service', () => {
    // t3.small: 2048 units / 1792 MiB usable; 512 MiB tasks → 3 per instance → 7 tasks need 3 instances.
    expect(planScale(fullyCreated(), spec(), 7)).toEqual([
      {
        kind: 'updateAutoScalingGroup',
        name: 'berth-demo-asg',
        arn: 'arn:asg',
        maxSize: 3,
        stage: 'capacity',
        action: 'update',
        resource: 'Auto Scaling group berth-demo-asg',
        reason:
          "max 2 → 3: 3 instance(s) for 7 task(s) (3 per instance); the capacity provider's managed scaling sets the desired capacity",
      },
      {
        kind: 'updateService',
        cluster: 'berth-demo',
        service: 'berth-demo',
        desiredCount: 7,
        stage: 'service',
        action: 'update',
        resource: 'ECS service berth-demo',
        reason: 'desired count 1 → 7',
      },
      {
        kind: 'verify',
        stage: 'verify',
        action: 'wait',
        resource: 'environment demo',
        reason: '7 task(s) running and healthy targets',
      },
    ]);
  });

  it('keeps everything when the count is unchanged', () => {
    expect(planScale(fullyCreated(), spec(), 1).map((step) => step.action)).toEqual(['keep', 'keep', 'wait']);
  });

  it('leaves the desired capacity to managed scaling when scaling to zero', () => {
    const full = fullyCreated();
    const observed = withObserved({ autoScalingGroup: { ...full.autoScalingGroup!, desiredCapacity: 2 } });
    const steps = planScale(observed, spec(), 0);
    // managed scaling unprotects and removes the idle instances itself (docs/aws-behaviours.md)
    expect(steps.map((step) => step.stage)).toEqual(['capacity', 'service', 'verify']);
    expect(steps[0]).toMatchObject({
      kind: 'useAutoScalingGroup',
      action: 'keep',
      reason:
        "1 instance(s) for 0 task(s) (3 per instance); the capacity provider's managed scaling sets the desired capacity",
    });
  });

  it('skips capacity for FARGATE', () => {
    const { autoScalingGroup: _asg, ...rest } = fullyCreated();
    expect(planScale(rest, spec({ launchType: 'FARGATE' }), 2).map((step) => step.stage)).toEqual([
      'service',
      'verify',
    ]);
  });

  it('rejects a count outside 0–100', () => {
    expect(() => planScale(fullyCreated(), spec(), 101)).toThrow(ValidationError);
    expect(() => planScale(fullyCreated(), spec(), 1.5)).toThrow(
      'desiredCount: must be an integer from 0 to 100',
    );
  });

  it('rejects a count that needs more than 10 instances', () => {
    expect(() => planScale(fullyCreated(), spec({ networkMode: 'host' }), 11)).toThrow(
      'desiredCount: 11 tasks need 11 t3.small instances (1 per instance); at most 10 are allowed',
    );
  });

  it('throws NotFoundError without a service', () => {
    expect(() => planScale(nothing(), spec(), 2)).toThrow(NotFoundError);
    expect(() => planScale(nothing(), spec(), 2)).toThrow(
      'ECS service berth-demo does not exist; run up first',
    );
  });

  it('throws OwnershipConflictError for a foreign Auto Scaling group', () => {
    const observed = withObserved({
      autoScalingGroup: { ...fullyCreated().autoScalingGroup!, tags: FOREIGN },
    });
    expect(() => planScale(observed, spec(), 2)).toThrow(OwnershipConflictError);
  });
});

describe('tasksPerInstance and instancesNeeded', () => {
  it.each([
    [{}, 3],
    [{ cpu: 1024, memory: 512 }, 2],
    [{ networkMode: 'host' }, 1],
    [{ capacity: { instanceType: 't3.micro' } }, 1],
  ])('fits %j as %i per instance', (overrides, count) => {
    expect(tasksPerInstance(spec(overrides))).toBe(count);
  });

  it('never goes below minSize', () => {
    expect(instancesNeeded(spec({ capacity: { minSize: 2, desiredCapacity: 2 } }), 1)).toBe(2);
  });
});

describe('planRedeploy', () => {
  it('registers a revision with the new image and updates the service', () => {
    expect(planRedeploy(fullyCreated(), 'nginx:1.28')).toEqual([
      {
        kind: 'registerRevisionFrom',
        from: fullyCreated().service?.taskDefinition,
        image: 'nginx:1.28',
        stage: 'task-definition',
        action: 'create',
        resource: 'task definition berth-demo',
        reason: 'copy of berth-demo:1 with image nginx:1.28',
      },
      {
        kind: 'updateService',
        cluster: 'berth-demo',
        service: 'berth-demo',
        taskDefinition: 'new',
        forceNewDeployment: true,
        stage: 'service',
        action: 'update',
        resource: 'ECS service berth-demo',
        reason: 'deploy the new revision (rollback on failure)',
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

  it('re-pulls the same image when none is given', () => {
    expect(planRedeploy(fullyCreated())[0]?.reason).toBe('copy of berth-demo:1, same image re-pulled');
  });

  it('rejects an invalid image', () => {
    expect(() => planRedeploy(fullyCreated(), 'bad image')).toThrow(
      'image: must be a container image reference (repository[:tag][@digest]) of at most 255 characters without whitespace',
    );
  });

  it('throws NotFoundError without a service', () => {
    expect(() => planRedeploy(nothing())).toThrow(
      expect.objectContaining({
        name: 'NotFoundError',
        message: 'ECS service berth-demo does not exist; run up first',
      }),
    );
  });

  it('throws OwnershipConflictError for a foreign service', () => {
    const observed = withObserved({ service: { ...fullyCreated().service!, tags: FOREIGN } });
    expect(() => planRedeploy(observed)).toThrow(OwnershipConflictError);
  });
});
