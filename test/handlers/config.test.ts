import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { DEFAULT_AMI_PARAMETER, loadConfig } from '../../functions/handlers/config.ts';

describe('loadConfig', () => {
  it('reads, splits and defaults the variables', () => {
    const config = loadConfig(
      {
        BERTH_TABLE_NAME: 'berth',
        BERTH_VPC_ID: 'vpc-1',
        BERTH_PUBLIC_SUBNETS: 'subnet-a, subnet-b',
      },
      ['BERTH_TABLE_NAME', 'BERTH_VPC_ID'],
    );
    expect(config.tableName).toBe('berth');
    expect(config.publicSubnets).toEqual(['subnet-a', 'subnet-b']);
    expect(config.allowedCidr).toBe('0.0.0.0/0');
    expect(config.amiParameter).toBe(DEFAULT_AMI_PARAMETER);
    expect(config.lockTtlSeconds).toBe(7200);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('fails naming the missing required variable', () => {
    expect(() => loadConfig({ BERTH_VPC_ID: 'vpc-1' }, ['BERTH_TABLE_NAME'])).toThrow(ConfigError);
    expect(() => loadConfig({}, ['BERTH_TABLE_NAME'])).toThrow(
      'missing required environment variable BERTH_TABLE_NAME',
    );
  });

  it('treats a blank required variable as missing', () => {
    try {
      loadConfig({ BERTH_VPC_ID: '  ' }, ['BERTH_VPC_ID']);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).name).toBe('ConfigError');
      expect((err as Error).message).toBe('missing required environment variable BERTH_VPC_ID');
    }
  });

  it('rejects an invalid CIDR naming the variable', () => {
    expect(() => loadConfig({ BERTH_ALLOWED_CIDR: '10.0.0.0/40' })).toThrow(
      'BERTH_ALLOWED_CIDR must be an IPv4 CIDR like 203.0.113.0/24 (got "10.0.0.0/40")',
    );
  });

  it('rejects a non-positive lock TTL naming the variable', () => {
    expect(() => loadConfig({ BERTH_LOCK_TTL_SECONDS: '0' })).toThrow(
      'BERTH_LOCK_TTL_SECONDS must be a positive integer (got "0")',
    );
  });

  it('rejects a probe endpoint that is not a URL', () => {
    expect(() => loadConfig({ BERTH_PROBE_ENDPOINT: '127.0.0.1:4566' })).toThrow(
      'BERTH_PROBE_ENDPOINT must be an http(s) URL (got "127.0.0.1:4566")',
    );
  });
});
