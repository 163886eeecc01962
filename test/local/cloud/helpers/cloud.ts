import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Cloud } from '../../../../local/cloud/core/cloud.ts';
import type { IamEnforcer } from '../../../../local/cloud/core/iam/enforcer.ts';
import type { DelayName } from '../../../../local/cloud/core/time-profile.ts';
import type { StartCloudOptions } from '../../../../local/cloud/server.ts';
import { startCloud } from '../../../../local/cloud/server.ts';

interface TestCloudClients {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  autoScaling: AutoScalingClient;
  ec2: EC2Client;
  ssm: SSMClient;
  logs: CloudWatchLogsClient;
  dynamodb: DynamoDBClient;
}

export interface TestCloud {
  url: string;
  cloud: Cloud;
  /** IAM of function principals (off unless `iam` is given). */
  iam: IamEnforcer;
  clients: TestCloudClients;
  /** Reads a control endpoint (`/_berth/...`) as JSON. */
  control(path: string, init?: { method?: string; body?: unknown }): Promise<any>;
  /** Sleeps past one of the cloud's scaled AWS delays (e.g. a new security group's propagation window). */
  settle(delay: DelayName): Promise<void>;
  stop(): Promise<void>;
}

export interface TestCloudOptions extends Omit<StartCloudOptions, 'port'> {
  region?: string;
  /** SDK attempts per call (default 1: no retries). */
  maxAttempts?: number;
  /** Access key id (a 12-digit key selects that account). */
  accessKeyId?: string;
}

/**
 * Starts a local cloud on a free port with real AWS SDK v3 clients pointed at it
 * (dummy credentials, `maxAttempts: 1`). Call `stop()` in `afterAll`.
 */
export async function startTestCloud(opts: TestCloudOptions = {}): Promise<TestCloud> {
  const { region = 'us-east-1', maxAttempts = 1, accessKeyId = 'test', ...cloudOptions } = opts;
  const running = await startCloud({ ...cloudOptions, port: 0 });
  const config = {
    endpoint: running.url,
    region,
    credentials: { accessKeyId, secretAccessKey: 'test' },
    maxAttempts,
  };
  const clients: TestCloudClients = {
    ecs: new ECSClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    autoScaling: new AutoScalingClient(config),
    ec2: new EC2Client(config),
    ssm: new SSMClient(config),
    logs: new CloudWatchLogsClient(config),
    dynamodb: new DynamoDBClient(config),
  };
  return {
    url: running.url,
    cloud: running.cloud,
    iam: running.iam,
    clients,
    async control(path, init = {}) {
      const res = await fetch(`${running.url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        ...(init.body === undefined
          ? {}
          : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
      });
      return res.json();
    },
    settle(delay) {
      return new Promise((resolve) => setTimeout(resolve, running.cloud.clock.delay(delay) + 5));
    },
    async stop() {
      for (const c of Object.values(clients)) c.destroy();
      await running.stop();
    },
  };
}
