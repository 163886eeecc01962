import { parseArgs } from 'node:util';
import { isTimeProfileName } from './core/time-profile.ts';
import { startCloud } from './server.ts';

/**
 * `npm run cloud`: starts the local cloud. Flags win over environment variables:
 * --port (BERTH_CLOUD_PORT, 4566), --host (BERTH_CLOUD_HOST, 127.0.0.1),
 * --profile (BERTH_CLOUD_PROFILE, instant|fast|realistic), --factor (BERTH_CLOUD_FACTOR).
 */
async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      profile: { type: 'string' },
      factor: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run cloud -- [--port 4566] [--host 127.0.0.1] [--profile instant|fast|realistic] [--factor N]\n' +
        'Environment: BERTH_CLOUD_PORT, BERTH_CLOUD_HOST, BERTH_CLOUD_PROFILE, BERTH_CLOUD_FACTOR\n',
    );
    return;
  }
  const port = Number(values.port ?? env.BERTH_CLOUD_PORT ?? 4566);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid port: ${values.port ?? env.BERTH_CLOUD_PORT}`);
  const host = values.host ?? env.BERTH_CLOUD_HOST ?? '127.0.0.1';
  const profile = values.profile ?? env.BERTH_CLOUD_PROFILE ?? 'instant';
  if (!isTimeProfileName(profile))
    throw new Error(`invalid profile: ${profile} (expected instant, fast or realistic)`);
  const factorText = values.factor ?? env.BERTH_CLOUD_FACTOR;
  const factor = factorText === undefined ? undefined : Number(factorText);
  if (factor !== undefined && (!Number.isFinite(factor) || factor <= 0))
    throw new Error(`invalid factor: ${factorText} (expected a positive number)`);

  const running = await startCloud({ port, host, profile, ...(factor === undefined ? {} : { factor }) });
  const shownProfile = factor === undefined ? profile : `${profile}, factor ${factor}`;
  process.stdout.write(
    [
      `Berth local cloud listening on ${running.url} (profile ${shownProfile})`,
      'Services: ECS, ELBv2, Auto Scaling, EC2, SSM, DynamoDB. Control: GET /_berth/health, /_berth/state, /_berth/metrics; POST /_berth/reset, /_berth/faults',
      'Point the AWS CLI or SDK at it:',
      `  export AWS_ENDPOINT_URL=${running.url} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1`,
      '  aws ec2 describe-subnets --output table',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the local cloud\n`);
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main(process.argv.slice(2), process.env).catch((err: unknown) => {
  process.stderr.write(`berth local cloud: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
