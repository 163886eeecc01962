import { ECSServiceException } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { mapAwsError } from '../../../functions/adapters/map-aws-error.ts';
import { ThrottlingError } from '../../../functions/core/errors.ts';

const sdkError = (name: string, fault: 'client' | 'server', status: number, message = `${name} happened`) =>
  new ECSServiceException({ name, $fault: fault, $metadata: { httpStatusCode: status }, message });

describe('mapAwsError', () => {
  it.each([
    'ThrottlingException',
    'Throttling',
    'RequestLimitExceeded',
    'TooManyRequestsException',
    'ProvisionedThroughputExceededException',
  ])('maps %s to a retryable ThrottlingError that keeps the cause', (code) => {
    const err = sdkError(code, 'client', 400);
    const mapped = mapAwsError(err, 'ecs.CreateService berth-demo');
    expect(mapped).toBeInstanceOf(ThrottlingError);
    expect(mapped.name).toBe('ThrottlingError');
    expect(mapped.retryable).toBe(true);
    expect(mapped.message).toBe(`ecs.CreateService berth-demo: ${code} happened`);
    expect(mapped.cause).toBe(err);
  });

  it('maps a 5xx server fault to a retryable TransientAwsError', () => {
    const mapped = mapAwsError(sdkError('InternalFailure', 'server', 500), 'ecs.DescribeServices x');
    expect(mapped.name).toBe('TransientAwsError');
    expect(mapped.retryable).toBe(true);
    expect(mapped.message).toBe('ecs.DescribeServices x: InternalFailure happened');
  });

  it.each(['ECONNRESET', 'ECONNREFUSED'])('maps the network error %s to TransientAwsError', (code) => {
    const err = Object.assign(new Error(`connect ${code} 127.0.0.1:4566`), { code });
    const mapped = mapAwsError(err, 'ec2.DescribeSecurityGroups');
    expect(mapped.name).toBe('TransientAwsError');
    expect(mapped.cause).toBe(err);
  });

  it('maps a TimeoutError to TransientAwsError', () => {
    const err = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });
    expect(mapAwsError(err, 'x').name).toBe('TransientAwsError');
  });

  it('maps DependencyViolation to a retryable DependencyPendingError', () => {
    const mapped = mapAwsError(
      sdkError('DependencyViolation', 'client', 400, 'resource sg-1 has a dependent object'),
      'ec2.DeleteSecurityGroup berth-demo-alb',
    );
    expect(mapped.name).toBe('DependencyPendingError');
    expect(mapped.retryable).toBe(true);
    expect(mapped.message).toBe(
      'ec2.DeleteSecurityGroup berth-demo-alb: resource sg-1 has a dependent object',
    );
  });

  it('maps ResourceInUse to DependencyPendingError', () => {
    expect(mapAwsError(sdkError('ResourceInUse', 'client', 400), 'elbv2.DeleteTargetGroup').name).toBe(
      'DependencyPendingError',
    );
  });

  it('maps InsufficientInstanceCapacity and capacity messages to InsufficientCapacityError', () => {
    expect(mapAwsError(sdkError('InsufficientInstanceCapacity', 'client', 400), 'x').name).toBe(
      'InsufficientCapacityError',
    );
    const byMessage = mapAwsError(
      sdkError('ClientException', 'client', 400, 'We currently do not have sufficient capacity in the AZ'),
      'x',
    );
    expect(byMessage.name).toBe('InsufficientCapacityError');
    expect(byMessage.retryable).toBe(false);
  });

  it('maps any other error to a non-retryable AwsRequestError with its code', () => {
    const err = sdkError('InvalidParameterException', 'client', 400, 'bad cpu');
    const mapped = mapAwsError(err, 'ecs.RegisterTaskDefinition berth-demo');
    expect(mapped.name).toBe('AwsRequestError');
    expect(mapped.retryable).toBe(false);
    expect((mapped as unknown as { code: string }).code).toBe('InvalidParameterException');
    expect(mapped.message).toBe('InvalidParameterException: ecs.RegisterTaskDefinition berth-demo: bad cpu');
    expect(mapped.cause).toBe(err);
  });

  it('returns a BerthError unchanged', () => {
    const original = new ThrottlingError('slow down');
    expect(mapAwsError(original, 'x')).toBe(original);
  });
});
