import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../functions/core/errors.ts';
import {
  CONFIG_VARIABLES,
  type ConfigOf,
  DEFAULT_AMI_PARAMETER,
  loadConfig,
  loadHandlerConfig,
} from '../../../functions/handlers/config.ts';
import { HANDLER_SETTINGS } from '../../../functions/handlers/settings.ts';

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

describe('loadHandlerConfig (each Lambda reads only the settings it declares)', () => {
  it('parses the declared variables only, ignoring the others even when set (or invalid)', () => {
    const config = loadHandlerConfig('lock', {
      BERTH_TABLE_NAME: 'berth',
      BERTH_LOCK_TTL_SECONDS: '600',
      BERTH_VPC_ID: 'vpc-1',
      BERTH_ALLOWED_CIDR: 'not a cidr',
    });
    expect(config).toEqual({ tableName: 'berth', lockTtlSeconds: 600 });
    expect(Object.isFrozen(config)).toBe(true);
    // @ts-expect-error lock does not declare BERTH_VPC_ID: reading it does not compile
    expect(config.vpcId).toBeUndefined();
  });

  it('fails naming a missing required variable, and an invalid declared one', () => {
    expect(() => loadHandlerConfig('teardown-network', { BERTH_TABLE_NAME: 'berth' })).toThrow(
      'missing required environment variable BERTH_VPC_ID',
    );
    expect(() =>
      loadHandlerConfig('verify', { BERTH_TABLE_NAME: 't', BERTH_ALLOWED_CIDR: '10.0.0.0/40' }),
    ).toThrow('BERTH_ALLOWED_CIDR must be an IPv4 CIDR like 203.0.113.0/24 (got "10.0.0.0/40")');
  });

  it('applies the defaults of declared variables only', () => {
    expect(loadHandlerConfig('create-cluster', everything)).toMatchObject({
      amiParameter: DEFAULT_AMI_PARAMETER,
      allowedCidr: '0.0.0.0/0',
    });
    expect(loadHandlerConfig('teardown-cluster', everything)).toEqual({});
    expect(loadHandlerConfig('notify', everything)).toEqual({
      notifyWebhookUrl: 'http://127.0.0.1:9/hook',
      notifyWebhookSecretArn: 'value-of-BERTH_NOTIFY_WEBHOOK_SECRET_ARN',
    });
  });

  it('types a handler dependency with its declared fields only', () => {
    const lock: ConfigOf<'lock'> = loadHandlerConfig('lock', everything);
    expect(lock.lockTtlSeconds).toBe(7200);
    // @ts-expect-error lock does not declare BERTH_WAKE_FUNCTION_ARN
    expect(lock.wakeFunctionArn).toBeUndefined();
    const pause: ConfigOf<'pause'> = loadHandlerConfig('pause', everything);
    expect(pause.wakeFunctionArn).toBe('value-of-BERTH_WAKE_FUNCTION_ARN');
  });

  it('builds every handler module from its own declaration', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../functions/handlers');
    const calls = /\b(?:defaultDeps|runtimeDeps|lifecycleDefaults|loadHandlerConfig)\(\s*'([a-z-]+)'/g;
    for (const file of Object.keys(HANDLER_SETTINGS)) {
      const source = readFileSync(join(dir, `${file}.ts`), 'utf8');
      const named = [...new Set([...source.matchAll(calls)].map((m) => m[1]))];
      expect(named, file).toEqual([file]);
    }
  });
});

/** Every variable set: values that parse (URLs, lists, numbers) or the variable's own name. */
const everything: Record<string, string> = Object.fromEntries(
  Object.keys(CONFIG_VARIABLES).map((variable) => [variable, `value-of-${variable}`]),
);
Object.assign(everything, {
  BERTH_PUBLIC_SUBNETS: 'subnet-a,subnet-b',
  BERTH_PRIVATE_SUBNETS: 'subnet-c,subnet-d',
  BERTH_ALLOWED_CIDR: '',
  BERTH_AMI_PARAMETER: '',
  BERTH_LOCK_TTL_SECONDS: '',
  BERTH_NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
  BERTH_PROBE_ENDPOINT: 'http://127.0.0.1:4566',
  BERTH_EXPIRY_WARNING_HOURS: '2',
  BERTH_NIGHT_HOURS: '12',
  BERTH_LOCAL_CALLER_IDENTITY: 'true',
});
