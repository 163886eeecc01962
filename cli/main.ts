import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { isBerthError } from '../functions/core/errors.ts';
import { createApiClient, DEFAULT_API_URL } from './api-client.ts';
import { dashboard } from './commands/dashboard.ts';
import { down } from './commands/down.ts';
import { extend } from './commands/extend.ts';
import { history } from './commands/history.ts';
import { logs } from './commands/logs.ts';
import { ls } from './commands/ls.ts';
import { pause } from './commands/pause.ts';
import { pricesRefresh } from './commands/prices.ts';
import { redeploy } from './commands/redeploy.ts';
import { resume } from './commands/resume.ts';
import { scale } from './commands/scale.ts';
import { schedule } from './commands/schedule.ts';
import { set } from './commands/set.ts';
import { status } from './commands/status.ts';
import { up } from './commands/up.ts';
import type { CliIo, CommandContext, GlobalOptions } from './context.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { isLoopback } from './sign.ts';

/** The real terminal. */
function processIo(): CliIo {
  let lines: AsyncIterator<string> | undefined;
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    async readLine() {
      lines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
      const next = await lines.next();
      return next.done ? undefined : next.value;
    },
    interactive: Boolean(process.stdin.isTTY),
    stdoutIsTerminal: Boolean(process.stdout.isTTY),
    env: process.env,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
  };
}

const mutationOptions = (command: Command): Command =>
  command
    .option('--dry-run', 'print the plan and change nothing')
    .option('--no-wait', 'return after the API accepts the operation')
    .option(
      '--request-id <id>',
      'idempotency key (default: a new UUID); retry with the same id to get the same operation',
    )
    .option('--timeout <duration>', 'how long to wait for the operation', '45m');

/**
 * Runs `berth` with `argv` (without `node` and the script) and returns the exit code.
 *
 * @example process.exitCode = await run(['ls', '--json']);
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code: number = ExitCode.Ok;
  const program = new Command('berth')
    .description('Ephemeral Amazon ECS environments')
    .option('--api <url>', 'Berth API URL (default $BERTH_API_URL or the local platform)')
    .option('--json', 'print JSON for scripts')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  const apiBaseUrl = (): string => {
    const baseUrl = program.opts<GlobalOptions>().api ?? io.env['BERTH_API_URL'] ?? DEFAULT_API_URL;
    try {
      new URL(baseUrl);
    } catch {
      throw new CliError(ExitCode.Usage, `--api must be a URL (got "${baseUrl}")`);
    }
    return baseUrl;
  };
  const context = (): CommandContext => {
    const globals = program.opts<GlobalOptions>();
    const baseUrl = apiBaseUrl();
    const region = io.env['AWS_REGION'] ?? io.env['AWS_DEFAULT_REGION'];
    return {
      io,
      json: globals.json ?? false,
      pollMs: Number(io.env['BERTH_POLL_MS'] ?? 2000),
      api: createApiClient({
        baseUrl,
        ...(region === undefined ? {} : { region }),
        ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
        ...(isLoopback(baseUrl) ? {} : { credentials: loadCredentials() }),
      }),
    };
  };
  const action =
    <A extends unknown[]>(fn: (ctx: CommandContext, ...args: A) => Promise<number>) =>
    async (...args: A) => {
      code = await fn(context(), ...args);
    };

  mutationOptions(
    program
      .command('up')
      .description('create or converge an environment')
      .argument('<name>', 'environment name')
      .option('-f, --file <spec.json>', 'environment spec (JSON); flags override it')
      .option('--image <ref>', 'container image')
      .option('--port <n>', 'container port')
      .option('--count <n>', 'desired task count')
      .option('--health-path <path>', 'health check path')
      .addOption(
        new Option('--launch-type <type>', 'launch type').choices(['EC2', 'FARGATE', 'ec2', 'fargate']),
      )
      .addOption(new Option('--lb-mode <mode>', 'load balancer mode').choices(['dedicated', 'shared']))
      .option('--ttl <duration>', 'time to live, e.g. 8h or 2d')
      .option('--keep', 'keep through the nightly teardown')
      .option('--idle-after <duration>', 'pause after this long without requests, e.g. 2h (15m–7d)')
      .option('--keep-on-failure', 'do not roll back a failed up')
      .option('--sleep <cron>', "pause on this schedule, e.g. 'cron(0 20 ? * MON-FRI *)'")
      .option('--wake <cron>', "resume on this schedule, e.g. 'cron(0 8 ? * MON-FRI *)'")
      .option('--timezone <zone>', 'time zone of --sleep/--wake (IANA name, default UTC), e.g. Asia/Seoul'),
  ).action(action((ctx, name: string, options) => up(ctx, name, options)));

  program
    .command('schedule')
    .description(
      "change an environment's sleep/wake schedule, running or paused, without an operation (nothing is redeployed or resumed)",
    )
    .argument('<name>')
    .option('--sleep <cron>', "pause on this schedule, e.g. 'cron(0 20 ? * MON-FRI *)'")
    .option('--wake <cron>', "resume on this schedule, e.g. 'cron(0 8 ? * MON-FRI *)'")
    .option('--timezone <zone>', 'time zone of the schedule (IANA name), e.g. Asia/Seoul')
    .option('--clear', 'remove the schedule (its EventBridge Scheduler schedules are deleted)')
    .option('--dry-run', 'print the schedule steps, change nothing')
    .action(action((ctx, name: string, options) => schedule(ctx, name, options)));

  mutationOptions(
    program
      .command('down')
      .description('tear an environment down')
      .argument('<name>')
      .option('-y, --yes', 'do not ask for confirmation'),
  ).action(action((ctx, name: string, options) => down(ctx, name, options)));

  mutationOptions(
    program.command('scale').description('set the desired task count').argument('<name>').argument('<count>'),
  ).action(action((ctx, name: string, count: string, options) => scale(ctx, name, count, options)));

  mutationOptions(
    program
      .command('pause')
      .description('sleep: remember the counts, scale to zero, keep the load balancer and URL')
      .argument('<name>'),
  ).action(action((ctx, name: string, options) => pause(ctx, name, options)));

  mutationOptions(
    program
      .command('resume')
      .description('wake a paused environment: restore its counts, then verify')
      .argument('<name>'),
  ).action(action((ctx, name: string, options) => resume(ctx, name, options)));

  mutationOptions(
    program
      .command('redeploy')
      .description('deploy a new image (or re-pull the current one)')
      .argument('<name>')
      .option('--image <ref>', 'new image'),
  ).action(action((ctx, name: string, options) => redeploy(ctx, name, options)));

  program
    .command('extend')
    .description('push the expiry forward')
    .argument('<name>')
    .argument('<duration>', 'e.g. 8h, 2d, or hours')
    .option('--dry-run', 'show the new expiry and change nothing')
    .option('--request-id <id>', 'idempotency key')
    .action(action((ctx, name: string, duration: string, options) => extend(ctx, name, duration, options)));

  program
    .command('set')
    .description("change an environment's setting without an operation (today: idle sleep)")
    .argument('<name>')
    .option('--idle-after <duration|off>', 'pause after this long without requests, e.g. 2h (15m–7d), or off')
    .action(action((ctx, name: string, options) => set(ctx, name, options)));

  program
    .command('ls')
    .description('list environments')
    .option('--status <status>', 'only environments with this status')
    .action(action((ctx, options) => ls(ctx, options)));

  program
    .command('status')
    .description('show an environment')
    .argument('<name>')
    .option('-w, --watch', 'follow the running operation step by step')
    .action(action((ctx, name: string, options) => status(ctx, name, options)));

  program
    .command('logs')
    .description("the workload's log lines (task id and time), merged across tasks in time order")
    .argument('<name>')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--since <time>', 'from how far back: 30s, 10m, 2h, 1d, 1w or an ISO time', '10m')
    .option('--task <id>', "only this task's lines")
    .option('--filter <text>', 'only lines containing this text')
    .option('--operations', 'the operation history instead (same as `berth history`)')
    .action(action((ctx, name: string, options) => logs(ctx, name, options)));

  program
    .command('history')
    .description('operation history: who asked, through which entry point, when, and the steps')
    .argument('<name>')
    .option('--limit <n>', 'how many of the newest operations to show', '20')
    .action(action((ctx, name: string, options) => history(ctx, name, options)));

  program
    .command('dashboard')
    .description('serve the web dashboard on 127.0.0.1, forwarding to the API (signed with SigV4)')
    .option('--port <n>', 'local port (0 = any free port)', '4569')
    .action(async (options: { port?: string }) => {
      code = await dashboard(
        io,
        {
          baseUrl: apiBaseUrl(),
          credentials: loadCredentials(),
          region: io.env['AWS_REGION'] ?? io.env['AWS_DEFAULT_REGION'],
        },
        options,
      );
    });

  program
    .command('prices')
    .description('price table of the cost estimates (docs/cost.md)')
    .command('refresh')
    .description(
      'read on-demand prices from the AWS Price List Query API and write the table (BERTH_PRICES_FILE)',
    )
    .option('--region <region>', 'the region to price (default $AWS_REGION or us-east-1)')
    .option('--out <file>', 'the table to write (other regions in it are kept)', 'prices.json')
    .option(
      '--api-region <region>',
      'where the Price List Query API answers: us-east-1, eu-central-1 or ap-south-1',
    )
    .option('--endpoint <url>', 'Price List Query API endpoint override')
    .action(async (options) => {
      code = await pricesRefresh(io, loadCredentials(), options);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    return reportError(error, io, program.opts<GlobalOptions>().json ?? false);
  }
}

const reportError = (error: unknown, io: CliIo, json: boolean): number => {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.exitCode === 0
    ) {
      return ExitCode.Ok;
    }
    return ExitCode.Usage; // commander already printed the message
  }
  if (error instanceof CliError) {
    if (json)
      io.stdout(
        `${JSON.stringify({ error: error.message, exitCode: error.code, details: error.details ?? null })}\n`,
      );
    io.stderr(`berth: ${error.message}\n`);
    return error.code;
  }
  if (isBerthError(error) && error.name === 'ValidationError') {
    io.stderr(`berth: ${error.message}\n`);
    return ExitCode.Usage;
  }
  io.stderr(`berth: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  return ExitCode.OperationFailed;
};

/** Credentials from the default Node provider chain, loaded on first use. */
const loadCredentials = () => async () => {
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  return fromNodeProviderChain()();
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.on('SIGINT', () => process.exit(ExitCode.Aborted));
  process.exitCode = await run(process.argv.slice(2));
}
