import { describe, expect, it } from 'vitest';
import { parseEnvSpec } from '../../../functions/core/env-spec.ts';
import { probeTarget } from '../../../functions/handlers/verify.ts';

const base = { name: 'demo', image: 'nginx:1.27', owner: 'ana', healthCheck: { path: '/health' } };
const dns = 'berth-shared-alb-1.us-east-1.elb.localhost';

describe('probeTarget', () => {
  it.each([
    {
      what: 'the health path with the DNS name as Host in dedicated mode',
      loadBalancer: undefined,
      expected: { url: `http://${dns}:80/health`, hostHeader: dns },
    },
    {
      what: 'the default <name>.berth.internal host in shared mode',
      loadBalancer: { mode: 'shared' },
      expected: { url: `http://${dns}:80/health`, hostHeader: 'demo.berth.internal' },
    },
    {
      what: 'the spec host in shared mode',
      loadBalancer: { mode: 'shared', host: 'demo.example.test' },
      expected: { url: `http://${dns}:80/health`, hostHeader: 'demo.example.test' },
    },
    {
      what: 'the health path under the path prefix with the DNS name as Host in path-only shared mode',
      loadBalancer: { mode: 'shared', pathPrefix: '/demo/' },
      expected: { url: `http://${dns}:80/demo/health`, hostHeader: dns },
    },
    {
      what: 'the host and the prefixed health path when the rule has both',
      loadBalancer: { mode: 'shared', host: 'apps.example.test', pathPrefix: '/demo' },
      expected: { url: `http://${dns}:80/demo/health`, hostHeader: 'apps.example.test' },
    },
  ])('probes $what', ({ loadBalancer, expected }) => {
    const spec = parseEnvSpec(loadBalancer === undefined ? base : { ...base, loadBalancer });
    expect(probeTarget(spec, dns)).toEqual(expected);
  });
});
