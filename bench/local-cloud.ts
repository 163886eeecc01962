/**
 * Local cloud: start-up time, control-plane throughput (`DescribeServices` with 1 and with 200
 * environments, side by side in one process) and the ALB proxy's throughput against hitting the
 * task directly. Every request goes to 127.0.0.1; every loop is bounded by a request count.
 *
 *   npx tsx bench/local-cloud.ts [--requests 2000] [--concurrency 20] [--envs 200] [--rounds 3]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { type RunningCloud, startCloud } from '../local/cloud/server.ts';
import { type LoadResult, load } from './lib/http-load.ts';
import { cloudClients, createManually } from './lib/manual-env.ts';
import {
  type BenchResult,
  finishResult,
  fmt,
  median,
  numberFlag,
  percentile,
  runAsScript,
  startResult,
} from './lib/report.ts';

const ECS_AUTH =
  'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=0';

/** Creates `count` environments' ECS control-plane objects (cluster, task definition, service with 0 tasks). */
async function seedEnvironments(cloud: RunningCloud, count: number): Promise<string[]> {
  const clients = cloudClients(cloud.url);
  const names = Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(3, '0')}`);
  try {
    for (let i = 0; i < names.length; i += 20) {
      await Promise.all(
        names.slice(i, i + 20).map(async (name) => {
          await clients.ecs.send(new CreateClusterCommand({ clusterName: name }));
          const td = await clients.ecs.send(
            new RegisterTaskDefinitionCommand({
              family: name,
              networkMode: 'bridge',
              containerDefinitions: [
                {
                  name: 'web',
                  image: 'berth/hello:1',
                  memory: 256,
                  portMappings: [{ containerPort: 80, hostPort: 0 }],
                },
              ],
            }),
          );
          await clients.ecs.send(
            new CreateServiceCommand({
              cluster: name,
              serviceName: name,
              taskDefinition: td.taskDefinition?.taskDefinitionArn,
              desiredCount: 0,
            }),
          );
        }),
      );
    }
  } finally {
    clients.destroy();
  }
  return names;
}

function describeServicesLoad(cloud: RunningCloud, names: string[], total: number, concurrency: number) {
  return load(
    total,
    concurrency,
    (i) => {
      const name = names[i % names.length] as string;
      return {
        port: cloud.port,
        path: '/',
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AmazonEC2ContainerServiceV20141113.DescribeServices',
          authorization: ECS_AUTH,
        },
        body: JSON.stringify({ cluster: name, services: [name] }),
      };
    },
    (status, body) => status === 200 && body.includes('"serviceName"'),
  );
}

const summary = (r: LoadResult): string =>
  `${fmt(r.perSecond, 0)} req/s (p50 ${fmt(percentile(r.latenciesMs, 50), 1)} ms, p99 ${fmt(percentile(r.latenciesMs, 99), 1)} ms, ${r.errors} errors)`;

/** Runs the benchmark. */
async function localCloud(argv: string[]): Promise<BenchResult> {
  const total = numberFlag(argv, 'requests', 2000);
  const concurrency = numberFlag(argv, 'concurrency', 20);
  const envCount = numberFlag(argv, 'envs', 200);
  const rounds = Math.max(1, numberFlag(argv, 'rounds', 3));
  const result = startResult(
    'local-cloud',
    '6. Local cloud: start-up, control-plane throughput, ALB proxy',
    `npm run bench -- --only local-cloud  (npx tsx bench/local-cloud.ts --requests ${total} --concurrency ${concurrency} --envs ${envCount} --rounds ${rounds})`,
  );

  // Start-up: startCloud() until /_berth/health answers, then stop; 5 times, median.
  const startups: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const c = await startCloud({ port: 0, profile: 'instant' });
    const res = await fetch(`${c.url}/_berth/health`);
    await res.text();
    startups.push(performance.now() - t0);
    await c.stop();
  }
  result.figures.push({
    metric: 'start-up: startCloud() → /_berth/health answers (in-process, median of 5)',
    value: `${fmt(median(startups), 1)} ms (samples ${startups.map((s) => fmt(s, 0)).join(', ')})`,
  });

  // Control plane: two clouds side by side, 1 vs N environments, rounds alternated.
  const one = await startCloud({ port: 0, profile: 'instant' });
  const many = await startCloud({ port: 0, profile: 'instant' });
  try {
    const oneNames = await seedEnvironments(one, 1);
    const manyNames = await seedEnvironments(many, envCount);
    await describeServicesLoad(one, oneNames, 200, concurrency); // warm-up
    await describeServicesLoad(many, manyNames, 200, concurrency);
    const a: LoadResult[] = [];
    const b: LoadResult[] = [];
    for (let r = 0; r < rounds; r++) {
      a.push(await describeServicesLoad(one, oneNames, total, concurrency));
      b.push(await describeServicesLoad(many, manyNames, total, concurrency));
    }
    const rpsA = median(a.map((x) => x.perSecond));
    const rpsB = median(b.map((x) => x.perSecond));
    result.figures.push(
      {
        metric: `DescribeServices, 1 environment (${total} requests × ${rounds} rounds, ${concurrency} clients)`,
        value: `median ${fmt(rpsA, 0)} req/s; rounds: ${a.map(summary).join(' | ')}`,
      },
      {
        metric: `DescribeServices, ${envCount} environments (same)`,
        value: `median ${fmt(rpsB, 0)} req/s; rounds: ${b.map(summary).join(' | ')}`,
      },
      {
        metric: `throughput ratio ${envCount} envs ÷ 1 env`,
        value: fmt(rpsB / rpsA, 2),
      },
    );
  } finally {
    await one.stop();
    await many.stop();
  }

  // ALB proxy vs direct: one environment created by hand on the instant profile.
  const cloud = await startCloud({ port: 0, profile: 'instant' });
  const clients = cloudClients(cloud.url);
  try {
    const env = await createManually(clients, {
      name: 'bench-proxy',
      pollMs: 20,
      healthCheck: { intervalSeconds: 5, healthyThreshold: 2, timeoutSeconds: 2 },
    });
    const state = (await (await fetch(`${cloud.url}/_berth/state`)).json()) as any;
    const region = state.elbv2['000000000000/us-east-1'];
    const lb = region.loadBalancers.find((l: any) => l.arn === env.loadBalancerArn);
    const albPort = Number(new URL(lb.listeners[0].url).port);
    const tg = region.targetGroups.find((t: any) => t.arn === env.targetGroupArn);
    const taskPort = Number(tg.targets[0].port);
    const ok = (status: number): boolean => status === 200;
    const direct = () => load(total, concurrency, () => ({ port: taskPort, path: '/' }), ok);
    const viaAlb = () => load(total, concurrency, () => ({ port: albPort, path: '/' }), ok);
    const viaMain = () =>
      load(total, concurrency, () => ({ port: cloud.port, path: '/', headers: { host: env.dnsName } }), ok);
    await direct();
    await viaAlb(); // warm-up
    const d: LoadResult[] = [];
    const p: LoadResult[] = [];
    const m: LoadResult[] = [];
    for (let r = 0; r < rounds; r++) {
      d.push(await direct());
      p.push(await viaAlb());
      m.push(await viaMain());
    }
    const rd = median(d.map((x) => x.perSecond));
    const rp = median(p.map((x) => x.perSecond));
    const rm = median(m.map((x) => x.perSecond));
    result.figures.push(
      {
        metric: `task directly (127.0.0.1:host port; ${total} GETs × ${rounds} rounds, ${concurrency} clients)`,
        value: `median ${fmt(rd, 0)} req/s; ${d.map(summary).join(' | ')}`,
      },
      {
        metric: 'through the ALB listener (its own loopback port)',
        value: `median ${fmt(rp, 0)} req/s; ${p.map(summary).join(' | ')}`,
      },
      {
        metric: 'through the cloud main port (Host = ALB DNS name)',
        value: `median ${fmt(rm, 0)} req/s; ${m.map(summary).join(' | ')}`,
      },
      { metric: 'ALB proxy throughput ÷ direct', value: fmt(rp / rd, 2) },
      { metric: 'main-port routing throughput ÷ direct', value: fmt(rm / rd, 2) },
    );
  } finally {
    clients.destroy();
    await cloud.stop();
  }
  result.notes.push(
    "Control-plane requests are raw JSON 1.1 HTTP requests with a fixed (unverified) SigV4 Authorization header, so the figure is the server's, not the SDK client's signing cost.",
    `The ${envCount} environments are ECS control-plane objects only (cluster, task definition, service with desiredCount 0), created through the SDK; each DescribeServices names one of them in turn.`,
    'Side by side: the 1-environment and N-environment clouds run in the same process and their rounds alternate; proxy, direct and main-port rounds alternate too. Client and servers share the 2 cores.',
  );
  return finishResult(result);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runAsScript(localCloud);
}
