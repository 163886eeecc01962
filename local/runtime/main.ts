/**
 * `npm start`: runs the local platform (local cloud + Step Functions/Lambda emulator + HTTP API)
 * until Ctrl-C. Options: `--profile instant|fast|realistic`, `--factor N`, `--cloud-port`,
 * `--sfn-port`, `--api-port`, `--dashboard-port`, `--policy FILE` (env `BERTH_POLICY_FILE`; default: the development
 * policy, everyone is admin), (env `BERTH_PROFILE`, `BERTH_CLOUD_PORT`, `BERTH_SFN_PORT`,
 * `BERTH_API_PORT`, `BERTH_DASHBOARD_PORT`).
 */
import './polyfills.ts';
import { parseArgs } from 'node:util';
import { isTimeProfileName } from '../cloud/core/time-profile.ts';
import { DEFAULT_PORTS, startPlatform } from './platform.ts';

function port(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new Error(`${what} must be a port number (0-65535), got "${value}"`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string' },
      factor: { type: 'string' },
      'cloud-port': { type: 'string' },
      'sfn-port': { type: 'string' },
      'api-port': { type: 'string' },
      'dashboard-port': { type: 'string' },
      policy: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm start -- [--profile instant|fast|realistic] [--factor N] [--cloud-port 4566] [--sfn-port 4567] [--api-port 4568] [--dashboard-port 4569] [--policy FILE]',
    );
    return;
  }
  const profile = values.profile ?? process.env['BERTH_PROFILE'] ?? 'fast';
  if (!isTimeProfileName(profile))
    throw new Error(`--profile must be instant, fast or realistic, got "${profile}"`);
  const factorText = values.factor ?? process.env['BERTH_FACTOR'];
  const factor = factorText === undefined ? undefined : Number(factorText);
  if (factor !== undefined && !(Number.isFinite(factor) && factor > 0)) {
    throw new Error(`--factor must be a positive number, got "${factorText}"`);
  }
  const policyFile = values.policy ?? (process.env['BERTH_POLICY_FILE'] || undefined);
  const platform = await startPlatform({
    profile,
    ...(policyFile === undefined ? {} : { policyFile }),
    ...(factor === undefined ? {} : { factor }),
    ports: {
      cloud: port(
        values['cloud-port'] ?? process.env['BERTH_CLOUD_PORT'],
        DEFAULT_PORTS.cloud,
        '--cloud-port',
      ),
      sfn: port(values['sfn-port'] ?? process.env['BERTH_SFN_PORT'], DEFAULT_PORTS.sfn, '--sfn-port'),
      api: port(values['api-port'] ?? process.env['BERTH_API_PORT'], DEFAULT_PORTS.api, '--api-port'),
      dashboard: port(
        values['dashboard-port'] ?? process.env['BERTH_DASHBOARD_PORT'],
        DEFAULT_PORTS.dashboard,
        '--dashboard-port',
      ),
    },
  });
  const { urls } = platform;
  const lines = [
    `Berth local platform (profile ${profile}) is running:`,
    `  dashboard       ${urls.dashboard}   (open it in a browser)`,
    `  HTTP API        ${urls.api}`,
    `  Step Functions  ${urls.sfn}   (Lambda Invoke on the same port)`,
    `  local cloud     ${urls.cloud}   (ECS, ELBv2, Auto Scaling, EC2, SSM, DynamoDB; control at /_berth/state)`,
    `  caller          ${platform.access.callerUser}   (every local API request; BERTH_OWNER overrides the OS user)`,
    `  access policy   ${platform.access.policy}`,
    '',
    'Try:',
    `  npm run berth -- --api ${urls.api} up demo --image berth/hello:1 --health-path /health`,
    `  npm run berth -- --api ${urls.api} status demo --watch`,
    `  curl -s -X POST ${urls.api}/environments -H 'content-type: application/json' \\`,
    `       -d '{"name":"demo","image":"berth/hello:1","healthCheck":{"path":"/health"}}'`,
    `  curl -s ${urls.api}/environments/demo          # status, current step, url`,
    "  curl -s <the url from status>                  # through the environment's load balancer (the URL carries the local cloud's port)",
    `  curl -s ${urls.sfn}/_berth/executions          # running executions and their current state`,
    `  curl -s ${urls.cloud}/_berth/state`,
    `  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test /usr/bin/aws --region us-east-1 --endpoint-url ${urls.cloud} ecs list-clusters`,
    `  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test /usr/bin/aws --region us-east-1 --endpoint-url ${urls.sfn} stepfunctions list-executions --state-machine-arn ${platform.stateMachines.lifecycle}`,
    '',
    'Ctrl-C stops everything.',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local platform…`);
    platform
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(
    `berth: the local platform failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
