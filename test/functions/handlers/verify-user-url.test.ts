import { describe, expect, it } from 'vitest';
import { parseEnvSpec } from '../../../functions/core/env-spec.ts';
import { userUrl } from '../../../functions/handlers/verify.ts';

const spec = (extra: Record<string, unknown> = {}) =>
  parseEnvSpec({ name: 'demo', image: 'berth/hello:1', owner: 'e2e', ...extra });

describe('userUrl', () => {
  it('is the ALB on port 80 on AWS (no front door)', () => {
    expect(userUrl(spec(), 'berth-demo-alb-1.us-east-1.elb.amazonaws.com')).toBe(
      'http://berth-demo-alb-1.us-east-1.elb.amazonaws.com/',
    );
  });

  it("carries the port the local cloud's load balancers answer on", () => {
    expect(userUrl(spec(), 'berth-demo-alb-1.us-east-1.elb.localhost', 'http://127.0.0.1:4566')).toBe(
      'http://berth-demo-alb-1.us-east-1.elb.localhost:4566/',
    );
  });

  it('keeps a shared-mode host and path prefix, with the port', () => {
    const shared = spec({ loadBalancer: { mode: 'shared', host: 'demo.example.test', pathPrefix: '/app' } });
    expect(userUrl(shared, 'berth-shared-alb-1.elb.localhost', 'http://127.0.0.1:4566')).toBe(
      'http://demo.example.test:4566/app',
    );
  });

  it('leaves port 80 implied', () => {
    expect(userUrl(spec(), 'alb.elb.localhost', 'http://127.0.0.1:80')).toBe('http://alb.elb.localhost/');
    expect(userUrl(spec(), '', 'http://127.0.0.1:4566')).toBe('');
  });
});
