import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServiceError } from '../../../../local/cloud/core/service-error.ts';
import { renderEc2Error, renderEc2Result } from '../../../../local/cloud/protocol/ec2-query.ts';
import { renderJsonResult } from '../../../../local/cloud/protocol/json.ts';
import { renderQueryError, renderQueryResult } from '../../../../local/cloud/protocol/query.ts';
import { parseFormParams, renderXmlValue } from '../../../../local/cloud/protocol/xml.ts';
import { parseCaller } from '../../../../local/cloud/server.ts';
import { startTestCloud, type TestCloud } from '../helpers/cloud.ts';

describe('form params', () => {
  test('turns Query member lists into arrays of objects', () => {
    const { params, action, version } = parseFormParams(
      'Action=CreateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=g&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=b&LaunchTemplate.Version=%24Latest',
    );
    expect(action).toBe('CreateAutoScalingGroup');
    expect(version).toBe('2011-01-01');
    expect(params).toEqual({
      AutoScalingGroupName: 'g',
      Tags: [{ Key: 'a', Value: '1' }, { Key: 'b' }],
      LaunchTemplate: { Version: '$Latest' },
    });
  });

  test('turns EC2 numbered lists and filters into arrays, ordered by index', () => {
    const { params } = parseFormParams(
      'Action=DescribeSecurityGroups&GroupId.2=sg-b&GroupId.1=sg-a&Filter.1.Name=tag%3Aenv&Filter.1.Value.1=demo&Filter.1.Value.2=prod',
    );
    expect(params).toEqual({
      GroupId: ['sg-a', 'sg-b'],
      Filter: [{ Name: 'tag:env', Value: ['demo', 'prod'] }],
    });
  });

  test('keeps numbers as strings and an empty list marker as an empty string', () => {
    const { params } = parseFormParams('Action=X&MinSize=0&Tags=');
    expect(params).toEqual({ MinSize: '0', Tags: '' });
  });
});

describe('rendering', () => {
  test('renders arrays as item elements, dates as ISO-8601, booleans and escapes text', () => {
    const xml = renderXmlValue(
      { a: [1, 2], when: new Date('2026-01-02T03:04:05.000Z'), ok: true, text: '<&>', skip: undefined },
      'item',
    );
    expect(xml).toBe(
      '<a><item>1</item><item>2</item></a><when>2026-01-02T03:04:05.000Z</when><ok>true</ok><text>&lt;&amp;&gt;</text>',
    );
  });

  test('wraps Query results and omits the Result element for undefined', () => {
    expect(renderQueryResult('SetDesiredCapacity', undefined, 'urn:x', 'rid')).toContain(
      '<SetDesiredCapacityResponse xmlns="urn:x"><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></SetDesiredCapacityResponse>',
    );
    expect(renderQueryResult('Describe', { Items: ['a'] }, 'urn:x', 'rid')).toContain(
      '<DescribeResult><Items><member>a</member></Items></DescribeResult>',
    );
  });

  test('renders the Query and EC2 error shapes', () => {
    const err = new ServiceError('AlreadyExists', 'it exists');
    expect(renderQueryError(err, 'urn:x', 'rid')).toContain(
      '<ErrorResponse xmlns="urn:x"><Error><Type>Sender</Type><Code>AlreadyExists</Code><Message>it exists</Message></Error><RequestId>rid</RequestId></ErrorResponse>',
    );
    expect(renderEc2Error(new ServiceError('InternalFailure', 'boom', 500), 'rid')).toContain(
      '<Response><Errors><Error><Code>InternalFailure</Code><Message>boom</Message></Error></Errors><RequestID>rid</RequestID></Response>',
    );
    expect(renderEc2Result('DeleteTags', { return: true }, 'rid')).toContain(
      '<requestId>rid</requestId><return>true</return>',
    );
  });

  test('renders JSON dates as epoch seconds', () => {
    expect(renderJsonResult({ at: new Date(1_500), name: '2026-01-01T00:00:00Z' })).toBe(
      '{"at":1.5,"name":"2026-01-01T00:00:00Z"}',
    );
  });
});

describe('routing', () => {
  test('reads service, region and account from the SigV4 credential scope', () => {
    expect(
      parseCaller(
        'AWS4-HMAC-SHA256 Credential=test/20261125/eu-west-1/ecs/aws4_request, SignedHeaders=host, Signature=x',
      ),
    ).toEqual({
      signingName: 'ecs',
      region: 'eu-west-1',
      accountId: '000000000000',
      accessKeyId: 'test',
    });
    expect(
      parseCaller('AWS4-HMAC-SHA256 Credential=111122223333/20261125/us-east-1/ec2/aws4_request').accountId,
    ).toBe('111122223333');
  });

  let t: TestCloud;
  beforeAll(async () => {
    t = await startTestCloud();
  });
  afterAll(() => t.stop());

  test('answers an unknown EC2 action with InvalidAction', async () => {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=LaunchRockets&Version=2016-11-15',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(
      '<Code>InvalidAction</Code><Message>The action LaunchRockets is not valid for this web service.</Message>',
    );
  });

  test('answers an unknown JSON operation with UnknownOperationException', async () => {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.DeleteEverything' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'UnknownOperationException',
      message: 'Unknown operation AmazonSSM.DeleteEverything',
    });
  });

  test('sends the x-amzn-query-error header with Query errors', async () => {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=SetDesiredCapacity&Version=2011-01-01&AutoScalingGroupName=none&DesiredCapacity=1',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-query-error')).toBe('ValidationError;Sender');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
