/**
 * `npm run demo`: starts the local platform on free ports and runs one environment's whole life
 * through the real HTTP API, state machine and handlers — up, a request through its load balancer,
 * scale to 3 and the spread of requests, redeploy with a new image, down — then checks that
 * nothing tagged for it is left. Exits 0 on success, 1 with the reason otherwise.
 * Options: `--profile instant|fast|realistic` (default fast), `--factor N`.
 */
import './polyfills.ts';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { isTimeProfileName } from '../cloud/core/time-profile.ts';
import { leftoversOf } from './leftovers.ts';
import { type RunningPlatform, startPlatform } from './platform.ts';

const ENV = 'demo';
const DEADLINE_MS = 5 * 60_000;

/** A demo step failed: the message is the reason printed before exiting 1. */
class DemoFailedError extends Error {
  override readonly name = 'DemoFailedError' as const;
}

const useColor = process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
const paint = (code: string) => (text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const cyan = paint('36');

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

interface ApiAnswer {
  status: number;
  body: any;
}

async function callApi(base: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: response.status, body: parsed };
}

/** GET through an ALB: connect to the cloud's port and send the ALB's DNS name as Host. */
function throughAlb(
  cloudPort: number,
  url: string,
  path = '/',
): Promise<{ status: number; target: string; body: any }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: cloudPort, path, method: 'GET', headers: { host: target.host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // keep the text
          }
          resolve({ status: res.statusCode ?? 0, target: String(res.headers['x-berth-target'] ?? ''), body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Follows an execution's history and prints one line per finished step (loops folded). */
async function follow(sfn: SFNClient, executionArn: string, label: string): Promise<void> {
  let started = Date.now();
  const printed = new Set<number>();
  const entered = new Map<string, number>();
  let repeat: { name: string; count: number; detail: string } | undefined;
  let currentTask = 'task';
  let pendingError: string | undefined;
  const flush = (): void => {
    if (repeat && repeat.count > 1)
      console.log(`      ${dim(`… ${repeat.name} ran ${repeat.count}× (${repeat.detail})`)}`);
  };
  const line = (event: HistoryEvent, name: string, outcome: string, took?: number): void => {
    const at = event.timestamp ? event.timestamp.getTime() - started : 0;
    if (repeat?.name === name) {
      repeat.count += 1;
      repeat.detail = outcome;
      return;
    }
    flush();
    repeat = { name, count: 1, detail: outcome };
    const when = dim(`+${seconds(Math.max(0, at)).padStart(7)}`);
    console.log(`  ${when}  ${name.padEnd(30)} ${outcome}${took === undefined ? '' : dim(`  ${took} ms`)}`);
  };
  for (;;) {
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    for (const event of history.events ?? []) {
      if (event.id === undefined || printed.has(event.id)) continue;
      printed.add(event.id);
      const name = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name ?? currentTask;
      if (event.type === 'ExecutionStarted' && event.timestamp) started = event.timestamp.getTime();
      if (event.type === 'TaskStateEntered') {
        currentTask = name;
        entered.set(name, event.timestamp?.getTime() ?? Date.now());
      }
      // A Task on a Lambda function ARN records LambdaFunction* events, a service integration Task* events.
      if (event.type === 'TaskFailed' || event.type === 'LambdaFunctionFailed') {
        pendingError =
          event.taskFailedEventDetails?.error ?? event.lambdaFunctionFailedEventDetails?.error ?? 'failed';
      }
      if (
        (event.type === 'TaskScheduled' || event.type === 'LambdaFunctionScheduled') &&
        pendingError !== undefined
      ) {
        line(event, currentTask, cyan(`retrying after ${pendingError}`));
        pendingError = undefined;
      }
      if (event.type === 'TaskStateExited') {
        const took = (event.timestamp?.getTime() ?? Date.now()) - (entered.get(name) ?? Date.now());
        let outcome = green('ok');
        try {
          const output = JSON.parse(event.stateExitedEventDetails?.output ?? '{}');
          const health = output?.verify?.health;
          if (name.startsWith('Verify') && typeof health === 'string') {
            outcome =
              health === 'Healthy' ? green(health) : health === 'Pending' ? cyan(health) : red(health);
          }
          for (const key of ['service', 'capacity', 'loadBalancer']) {
            const stage = output?.teardown?.[key];
            if (name.toLowerCase().includes(key.toLowerCase()) && stage?.done === false)
              outcome = cyan('waiting');
          }
        } catch {
          // output not JSON: keep "ok"
        }
        if (pendingError !== undefined) outcome = red(`${pendingError} (caught)`);
        pendingError = undefined;
        line(event, name, outcome, took);
      }
      if (event.type === 'ExecutionSucceeded') {
        flush();
        console.log(`  ${green('✓')} ${label} succeeded in ${seconds(Date.now() - started)}`);
        return;
      }
      if (
        event.type === 'ExecutionFailed' ||
        event.type === 'ExecutionAborted' ||
        event.type === 'ExecutionTimedOut'
      ) {
        flush();
        const details = event.executionFailedEventDetails;
        throw new DemoFailedError(
          `${label} ${event.type}: ${details?.error ?? ''} ${details?.cause ?? ''}`.trim(),
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startOperation(
  platform: RunningPlatform,
  method: string,
  path: string,
  body?: unknown,
): Promise<string> {
  const answer = await callApi(platform.urls.api, method, path, body);
  if (answer.status !== 202) {
    throw new DemoFailedError(`${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  console.log(dim(`  ${method} ${path} → 202 operation ${answer.body.operationId}`));
  return String(answer.body.executionArn);
}

async function run(platform: RunningPlatform): Promise<void> {
  const sfn = new SFNClient({
    endpoint: platform.urls.sfn,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const cloudPort = platform.ports.cloud;
  try {
    console.log(bold(`\n1. up ${ENV} (image berth/hello:1)`));
    await follow(
      sfn,
      await startOperation(platform, 'POST', '/environments', {
        name: ENV,
        image: 'berth/hello:1',
        owner: 'demo',
        healthCheck: { path: '/health' },
      }),
      'up',
    );
    const described = await callApi(platform.urls.api, 'GET', `/environments/${ENV}`);
    if (described.body?.status !== 'ready') {
      throw new DemoFailedError(`environment is ${described.body?.status}, expected ready`);
    }
    const url = String(described.body.url);
    console.log(`  URL ${cyan(url)}`);

    console.log(bold('\n2. a request through its load balancer'));
    console.log(dim(`  curl ${new URL('/hello', url).href}`));
    const first = await throughAlb(cloudPort, url, '/hello');
    if (first.status !== 200) throw new DemoFailedError(`the load balancer answered ${first.status}`);
    console.log(`  ${first.status} ${JSON.stringify(first.body)}`);

    console.log(bold('\n3. scale to 3 tasks'));
    await follow(
      sfn,
      await startOperation(platform, 'POST', `/environments/${ENV}/scale`, { desiredCount: 3 }),
      'scale',
    );
    const spread = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      const answer = await throughAlb(cloudPort, url, '/hello');
      if (answer.status !== 200) throw new DemoFailedError(`request ${i + 1} answered ${answer.status}`);
      const key = `${answer.body?.taskId ?? '?'} ${dim(`(${answer.target})`)}`;
      spread.set(key, (spread.get(key) ?? 0) + 1);
    }
    console.log('  12 requests were answered by:');
    for (const [task, count] of spread) console.log(`    ${'█'.repeat(count)} ${count}  task ${task}`);
    if (spread.size !== 3) throw new DemoFailedError(`expected 3 tasks to answer, got ${spread.size}`);

    console.log(bold('\n4. redeploy with image berth/hello:2'));
    await follow(
      sfn,
      await startOperation(platform, 'POST', `/environments/${ENV}/redeploy`, { image: 'berth/hello:2' }),
      'redeploy',
    );
    const after = await throughAlb(cloudPort, url, '/hello');
    console.log(`  ${after.status} ${JSON.stringify(after.body)}`);
    if (after.body?.image !== 'berth/hello:2')
      throw new DemoFailedError(`expected image berth/hello:2, got ${after.body?.image}`);

    console.log(bold(`\n5. down ${ENV}`));
    await follow(sfn, await startOperation(platform, 'DELETE', `/environments/${ENV}`), 'down');

    console.log(bold('\n6. is anything left?'));
    const left = await leftoversOf(platform.urls.cloud, ENV);
    if (left.length > 0) throw new DemoFailedError(`left behind:\n    ${left.join('\n    ')}`);
    const gone = await callApi(platform.urls.api, 'GET', `/environments/${ENV}`);
    console.log(
      `  nothing tagged berth:env=${ENV} in the local cloud (describe calls and /_berth/state); registry status: ${gone.body?.status}`,
    );
  } finally {
    sfn.destroy();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { profile: { type: 'string' }, factor: { type: 'string' } } });
  const profile = values.profile ?? 'fast';
  if (!isTimeProfileName(profile)) {
    console.error(`--profile must be instant, fast or realistic, got "${profile}"`);
    return 2;
  }
  const factor = values.factor === undefined ? undefined : Number(values.factor);
  const started = Date.now();
  console.log(
    bold('Berth demo') + dim(` — local platform, profile ${profile}, real state machine and handlers`),
  );
  const platform = await startPlatform({
    profile,
    ...(factor === undefined ? {} : { factor }),
    ports: { cloud: 0, sfn: 0, api: 0 },
    logLevel: 'ERROR',
  });
  console.log(
    dim(
      `  API ${platform.urls.api} · Step Functions ${platform.urls.sfn} · local cloud ${platform.urls.cloud}`,
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(platform),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new DemoFailedError(`the demo took longer than ${DEADLINE_MS / 1000} s`)),
          DEADLINE_MS,
        );
      }),
    ]);
    console.log(green(bold(`\n✓ demo finished in ${seconds(Date.now() - started)}; nothing left behind.`)));
    return 0;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(red(bold(`\n✗ demo failed: ${reason}`)));
    const env = await callApi(platform.urls.api, 'GET', `/environments/${ENV}`).catch(() => undefined);
    if (env?.body?.lastFailure) console.error(red(`  last failure: ${JSON.stringify(env.body.lastFailure)}`));
    return 1;
  } finally {
    if (timer) clearTimeout(timer);
    await platform.stop();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    console.error(`✗ demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
