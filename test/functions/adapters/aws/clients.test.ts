import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeClustersCommand } from '@aws-sdk/client-ecs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ecsClient } from '../../../../functions/adapters/aws/clients.ts';

let server: Server;
let url: string;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(String(req.headers['x-amz-target']));
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end('{"clusters":[],"failures":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  delete process.env.AWS_ENDPOINT_URL_ECS;
  hits.length = 0;
});

describe('the AWS client factories', () => {
  it('honours AWS_ENDPOINT_URL_ECS from the environment', async () => {
    process.env.AWS_ENDPOINT_URL_ECS = url;
    await ecsClient({ region: 'us-east-1' }).send(new DescribeClustersCommand({ clusters: ['x'] }));
    expect(hits).toEqual(['AmazonEC2ContainerServiceV20141113.DescribeClusters']);
  });

  it('lets an explicit endpoint win over the environment', async () => {
    process.env.AWS_ENDPOINT_URL_ECS = 'http://127.0.0.1:1';
    await ecsClient({ region: 'us-east-1', endpoint: url }).send(
      new DescribeClustersCommand({ clusters: ['x'] }),
    );
    expect(hits).toHaveLength(1);
  });

  it('uses 3 attempts with the standard retry mode by default', async () => {
    const client = ecsClient({ region: 'us-east-1' });
    expect(await client.config.maxAttempts()).toBe(3);
    expect(client.config.retryMode).toBe('standard');
    expect(await ecsClient({ maxAttempts: 1 }).config.maxAttempts()).toBe(1);
  });

  it("takes the attempts from the SDK's standard AWS_MAX_ATTEMPTS when none is given", async () => {
    const saved = process.env['AWS_MAX_ATTEMPTS'];
    process.env['AWS_MAX_ATTEMPTS'] = '1';
    try {
      expect(await ecsClient({ region: 'us-east-1' }).config.maxAttempts()).toBe(1);
      expect(await ecsClient({ region: 'us-east-1', maxAttempts: 4 }).config.maxAttempts()).toBe(4);
    } finally {
      if (saved === undefined) delete process.env['AWS_MAX_ATTEMPTS'];
      else process.env['AWS_MAX_ATTEMPTS'] = saved;
    }
  });
});
