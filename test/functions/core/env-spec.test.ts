import { describe, expect, it } from 'vitest';
import { FARGATE_SIZES, parseEnvSpec, validateEnvSpec } from '../../../functions/core/env-spec.ts';
import { ValidationError } from '../../../functions/core/errors.ts';

const base = { name: 'demo', image: 'nginx:1.27', owner: 'ana@example.com' };

describe('parseEnvSpec', () => {
  it('applies every default to a minimal spec', () => {
    expect(parseEnvSpec(base)).toEqual({
      name: 'demo',
      image: 'nginx:1.27',
      owner: 'ana@example.com',
      containerPort: 80,
      healthCheck: {
        path: '/',
        port: 'traffic-port',
        intervalSeconds: 30,
        timeoutSeconds: 5,
        healthyThreshold: 5,
        unhealthyThreshold: 2,
        matcher: '200-399',
        gracePeriodSeconds: 60,
      },
      cpu: 256,
      memory: 512,
      memoryReservation: 256,
      desiredCount: 1,
      launchType: 'EC2',
      capacity: { instanceType: 't3.small', minSize: 1, maxSize: 2, desiredCapacity: 1 },
      networkMode: 'bridge',
      loadBalancer: { mode: 'dedicated' },
      logs: { retentionDays: 14, keepDays: 0 },
      ttl: '24h',
      keep: false,
      keepOnFailure: false,
    });
  });

  it('accepts a CloudWatch Logs retention value and days to keep the logs after down', () => {
    expect(parseEnvSpec({ ...base, logs: { retentionDays: 30, keepDays: 7 } }).logs).toEqual({
      retentionDays: 30,
      keepDays: 7,
    });
  });

  it('rejects a retention CloudWatch Logs does not offer and keepDays beyond a year', () => {
    expect(validateEnvSpec({ ...base, logs: { retentionDays: 10, keepDays: 400 } })).toEqual({
      ok: false,
      issues: [
        {
          field: 'logs.retentionDays',
          rule: 'must be one of the CloudWatch Logs retention values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
        },
        { field: 'logs.keepDays', rule: 'must be an integer from 0 to 365' },
      ],
    });
  });

  it('defaults networkMode to awsvpc and omits capacity for FARGATE', () => {
    const spec = parseEnvSpec({ ...base, launchType: 'FARGATE' });
    expect(spec.networkMode).toBe('awsvpc');
    expect(spec.capacity).toBeUndefined();
  });

  it('defaults the shared-mode host to <name>.berth.internal', () => {
    expect(parseEnvSpec({ ...base, loadBalancer: { mode: 'shared' } }).loadBalancer).toEqual({
      mode: 'shared',
      host: 'demo.berth.internal',
    });
  });

  it('keeps a shared-mode pathPrefix without adding a host', () => {
    expect(
      parseEnvSpec({ ...base, loadBalancer: { mode: 'shared', pathPrefix: '/demo' } }).loadBalancer,
    ).toEqual({
      mode: 'shared',
      pathPrefix: '/demo',
    });
  });

  it('parses its own output to the same spec', () => {
    const once = parseEnvSpec({ ...base, loadBalancer: { mode: 'shared' } });
    expect(parseEnvSpec(once)).toEqual(once);
  });

  it('throws a ValidationError for the first issue with field and rule', () => {
    let error: unknown;
    try {
      parseEnvSpec({ ...base, name: 'Demo', containerPort: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      name: 'ValidationError',
      field: 'name',
      rule: 'must be a DNS label of 2–20 lowercase letters, digits or hyphens',
      message: 'name: must be a DNS label of 2–20 lowercase letters, digits or hyphens',
    });
  });
});

const validCases: [string, Record<string, unknown>][] = [
  ['a 2-character name', { name: 'ab' }],
  ['a 20-character name', { name: 'a23456789-123456789z' }],
  [
    'an ECR image with a digest',
    { image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${'a'.repeat(64)}` },
  ],
  ['a registry with a port', { image: 'localhost:5000/team/app:v1.2.3' }],
  ['environment variables', { environment: { LOG_LEVEL: 'debug', _X: '' } }],
  ['a numeric health check port', { healthCheck: { port: 8080, path: '/healthz' } }],
  ['a matcher list of codes and ranges', { healthCheck: { matcher: '200,302,400-404' } }],
  ['a Fargate 1024/8192 task', { launchType: 'FARGATE', cpu: 1024, memory: 8192, memoryReservation: 512 }],
  ['a Fargate 4096/30720 task', { launchType: 'FARGATE', cpu: 4096, memory: 30720 }],
  ['a task that uses all of a t3.small', { cpu: 2048, memory: 1792, memoryReservation: 1792 }],
  ['host mode within maxSize', { networkMode: 'host', desiredCount: 2 }],
  ['awsvpc on EC2', { networkMode: 'awsvpc' }],
  ['a ttl of 15 minutes', { ttl: '15m' }],
  ['a ttl of 30 days', { ttl: '30d' }],
  ['desired count 0', { desiredCount: 0 }],
  ['a Slack user id and a name with spaces as owner', { owner: 'U024BE7LH Ana Müller' }],
  [
    'a larger instance type',
    { capacity: { instanceType: 'm6i.large', maxSize: 4 }, cpu: 2048, memory: 7000 },
  ],
];

describe('validateEnvSpec accepts', () => {
  it.each(validCases)('%s', (_label, overrides) => {
    const result = validateEnvSpec({ ...base, ...overrides });
    expect(result.ok ? 'ok' : result.issues).toBe('ok');
  });
});

const invalidCases: [string, Record<string, unknown>, string, string][] = [
  [
    'an uppercase name',
    { name: 'Demo' },
    'name',
    'must be a DNS label of 2–20 lowercase letters, digits or hyphens',
  ],
  [
    'a 1-character name',
    { name: 'a' },
    'name',
    'must be a DNS label of 2–20 lowercase letters, digits or hyphens',
  ],
  [
    'a 21-character name',
    { name: 'a'.repeat(21) },
    'name',
    'must be a DNS label of 2–20 lowercase letters, digits or hyphens',
  ],
  [
    'a name ending in a hyphen',
    { name: 'demo-' },
    'name',
    'must be a DNS label of 2–20 lowercase letters, digits or hyphens',
  ],
  ['a name with --', { name: 'my--env' }, 'name', 'must not contain "--"'],
  [
    'an image with whitespace',
    { image: 'nginx 1.27' },
    'image',
    'must be a container image reference (repository[:tag][@digest]) of at most 255 characters without whitespace',
  ],
  [
    'an empty image',
    { image: '' },
    'image',
    'must be a container image reference (repository[:tag][@digest]) of at most 255 characters without whitespace',
  ],
  ['port 0', { containerPort: 0 }, 'containerPort', 'must be an integer from 1 to 65535'],
  ['a string port', { containerPort: '80' }, 'containerPort', 'must be an integer from 1 to 65535'],
  [
    'a bad environment key',
    { environment: { '1X': 'a' } },
    'environment.1X',
    'must be a variable name (letters, digits, _; not starting with a digit)',
  ],
  ['a non-string environment value', { environment: { X: 1 } }, 'environment.X', 'must be a string'],
  [
    'a relative health check path',
    { healthCheck: { path: 'health' } },
    'healthCheck.path',
    "must start with '/' and contain no whitespace (at most 1024 characters)",
  ],
  [
    'a health check port out of range',
    { healthCheck: { port: 70000 } },
    'healthCheck.port',
    "must be 'traffic-port' or an integer from 1 to 65535",
  ],
  [
    'an interval of 4 s',
    { healthCheck: { intervalSeconds: 4 } },
    'healthCheck.intervalSeconds',
    'must be an integer from 5 to 300',
  ],
  [
    'a timeout not below the interval',
    { healthCheck: { intervalSeconds: 10, timeoutSeconds: 10 } },
    'healthCheck.timeoutSeconds',
    'must be less than healthCheck.intervalSeconds (10)',
  ],
  [
    'a healthy threshold of 11',
    { healthCheck: { healthyThreshold: 11 } },
    'healthCheck.healthyThreshold',
    'must be an integer from 2 to 10',
  ],
  [
    'a matcher outside 200–499',
    { healthCheck: { matcher: '500' } },
    'healthCheck.matcher',
    "must be HTTP codes 200–499 or ranges, e.g. '200', '200,302' or '200-299'",
  ],
  [
    'a reversed matcher range',
    { healthCheck: { matcher: '299-200' } },
    'healthCheck.matcher',
    "must be HTTP codes 200–499 or ranges, e.g. '200', '200,302' or '200-299'",
  ],
  [
    'an unknown health check key',
    { healthCheck: { retries: 3 } },
    'healthCheck.retries',
    'is not a known field',
  ],
  ['an unknown top-level key', { replicas: 3 }, 'replicas', 'is not a known field'],
  [
    'a soft limit above the hard limit',
    { memoryReservation: 1024 },
    'memoryReservation',
    'must be at most memory (512 MiB)',
  ],
  [
    'a Fargate cpu that does not exist',
    { launchType: 'FARGATE', cpu: 384 },
    'cpu',
    "must be one of 256, 512, 1024, 2048, 4096 with launchType 'FARGATE'",
  ],
  [
    'a Fargate memory outside the cpu combination',
    { launchType: 'FARGATE', cpu: 256, memory: 4096 },
    'memory',
    "must be one of 512, 1024, 2048 MiB with launchType 'FARGATE' and cpu 256",
  ],
  [
    'memory beyond a t3.small with headroom',
    { memory: 2048 },
    'memory',
    '2048 MiB does not fit t3.small (2048 MiB, 1792 MiB usable after OS/agent headroom); use at most 1792 or a larger instance type',
  ],
  [
    'cpu beyond a t3.micro',
    { cpu: 4096, capacity: { instanceType: 't3.micro' } },
    'cpu',
    '4096 CPU units do not fit t3.micro (2 vCPU); use at most 2048 or a larger instance type',
  ],
  [
    'an unknown instance type',
    { capacity: { instanceType: 'x9.huge' } },
    'capacity.instanceType',
    'must be one of the known instance types: t3.micro, t3.small, t3.medium, t3.large, t3.xlarge, t4g.micro, t4g.small, t4g.medium, t4g.large, t4g.xlarge, m5.large, m5.xlarge, m6i.large, m6i.xlarge, m6g.large, m7g.large, c5.large, c6i.large, c6i.xlarge, c6g.large, c7g.large, r6i.large',
  ],
  [
    'capacity with FARGATE',
    { launchType: 'FARGATE', capacity: {} },
    'capacity',
    "is only allowed with launchType 'EC2'",
  ],
  ['maxSize above 10', { capacity: { maxSize: 11 } }, 'capacity.maxSize', 'must be an integer from 1 to 10'],
  [
    'minSize above maxSize',
    { capacity: { minSize: 3, maxSize: 2 } },
    'capacity.minSize',
    'must be at most capacity.maxSize (2)',
  ],
  [
    'desiredCapacity above maxSize',
    { capacity: { desiredCapacity: 3 } },
    'capacity.desiredCapacity',
    'must be from capacity.minSize (1) to capacity.maxSize (2)',
  ],
  ['desiredCount 101', { desiredCount: 101 }, 'desiredCount', 'must be an integer from 0 to 100'],
  ['an unknown launch type', { launchType: 'LAMBDA' }, 'launchType', "must be 'EC2' or 'FARGATE'"],
  [
    'FARGATE with bridge',
    { launchType: 'FARGATE', networkMode: 'bridge' },
    'networkMode',
    "must be 'awsvpc' with launchType 'FARGATE'",
  ],
  [
    'host mode with more tasks than instances',
    { networkMode: 'host', desiredCount: 3 },
    'desiredCount',
    "must be at most capacity.maxSize (2) in 'host' network mode (one task per instance per port)",
  ],
  [
    'a host in dedicated mode',
    { loadBalancer: { host: 'demo.example.com' } },
    'loadBalancer.host',
    "is only used with loadBalancer.mode 'shared'",
  ],
  [
    'a pathPrefix without a leading slash',
    { loadBalancer: { mode: 'shared', pathPrefix: 'demo' } },
    'loadBalancer.pathPrefix',
    "must start with '/' and contain only letters, digits and - . _ ~ / (at most 128 characters)",
  ],
  ['a ttl of 10 minutes', { ttl: '10m' }, 'ttl', 'must be a duration like 30m, 8h or 2d between 15m and 30d'],
  ['a ttl of 31 days', { ttl: '31d' }, 'ttl', 'must be a duration like 30m, 8h or 2d between 15m and 30d'],
  ['a ttl without unit', { ttl: '24' }, 'ttl', 'must be a duration like 30m, 8h or 2d between 15m and 30d'],
  ['a string keep', { keep: 'yes' }, 'keep', 'must be true or false'],
  [
    'an owner over 256 characters (the AWS tag value limit)',
    { owner: 'x'.repeat(257) },
    'owner',
    'must be 1–256 letters, digits, spaces or _ . : / = + - @ (an AWS tag value, e.g. an IAM principal ARN or a Slack user)',
  ],
  [
    'an owner with characters AWS tags refuse',
    { owner: 'Ana <ana@example.com>' },
    'owner',
    'must be 1–256 letters, digits, spaces or _ . : / = + - @ (an AWS tag value, e.g. an IAM principal ARN or a Slack user)',
  ],
];

describe('validateEnvSpec rejects', () => {
  it.each(invalidCases)('%s', (_label, overrides, field, rule) => {
    expect(validateEnvSpec({ ...base, ...overrides })).toEqual({ ok: false, issues: [{ field, rule }] });
    expect(() => parseEnvSpec({ ...base, ...overrides })).toThrow(`${field}: ${rule}`);
  });

  it('reports a missing required field as required', () => {
    expect(validateEnvSpec({ name: 'demo', image: 'nginx' })).toEqual({
      ok: false,
      issues: [{ field: 'owner', rule: 'is required' }],
    });
  });

  it('lists every field issue at once', () => {
    const result = validateEnvSpec({ name: 'X', image: 'nginx', owner: '', extra: 1 });
    expect(result.ok ? [] : result.issues.map((issue) => issue.field)).toEqual(['name', 'owner', 'extra']);
  });

  it('rejects a non-object', () => {
    expect(validateEnvSpec('demo')).toEqual({
      ok: false,
      issues: [{ field: 'spec', rule: 'must be an object' }],
    });
  });
});

describe('FARGATE_SIZES', () => {
  it('allows 2048–8192 MiB in 1024 steps for 1024 CPU units', () => {
    expect(FARGATE_SIZES[1024]).toEqual([2048, 3072, 4096, 5120, 6144, 7168, 8192]);
  });
});
