import { describe, expect, it } from 'vitest';
import { isLoopback, regionOf, signRequest } from '../../cli/sign.ts';

describe('signRequest', () => {
  it('adds SigV4 headers for execute-api', async () => {
    const headers = await signRequest(
      {
        method: 'POST',
        url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/environments',
        headers: { 'content-type': 'application/json' },
        body: '{"name":"demo"}',
      },
      {
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' },
        region: 'eu-west-1',
        now: new Date('2026-01-01T00:00:00.000Z'),
      },
    );
    expect(headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20260101\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-date']).toBe('20260101T000000Z');
    expect(headers['x-amz-security-token']).toBe('token');
    expect(headers['host']).toBe('abc123.execute-api.eu-west-1.amazonaws.com');
  });

  it('gives a different signature for a different body', async () => {
    const sign = (body: string) =>
      signRequest(
        {
          method: 'POST',
          url: 'https://x.execute-api.us-east-1.amazonaws.com/p/environments',
          headers: {},
          body,
        },
        { credentials: { accessKeyId: 'A', secretAccessKey: 'S' }, region: 'us-east-1', now: new Date(0) },
      );
    expect((await sign('a'))['authorization']).not.toBe((await sign('b'))['authorization']);
  });
});

describe('isLoopback and regionOf', () => {
  it.each([
    ['http://127.0.0.1:4568', true],
    ['http://localhost:4568', true],
    ['http://[::1]:4568', true],
    ['https://abc.execute-api.us-east-1.amazonaws.com/prod', false],
    ['http://10.0.0.5', false],
  ])('%s is loopback: %s', (url, expected) => {
    expect(isLoopback(url)).toBe(expected);
  });

  it('reads the region from an execute-api URL and falls back to AWS_REGION', () => {
    expect(regionOf('https://abc.execute-api.ap-south-1.amazonaws.com/prod', 'us-east-1')).toBe('ap-south-1');
    expect(regionOf('https://berth.example.com', 'us-east-1')).toBe('us-east-1');
    expect(() => regionOf('https://berth.example.com', undefined)).toThrow(
      'cannot tell the AWS region of https://berth.example.com: set AWS_REGION',
    );
  });
});
