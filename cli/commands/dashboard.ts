import {
  DEFAULT_DASHBOARD_PORT,
  type Forwarder,
  localForwarder,
  sendForwarded,
  startDashboard,
} from '../../dashboard/server.ts';
import type { CliIo } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { type CredentialProvider, isLoopback, regionOf, signRequest } from '../sign.ts';

export interface DashboardOptions {
  readonly port?: string;
}

/**
 * Forwards the dashboard's calls to a deployed API, each signed with SigV4 (`execute-api`) from the
 * user's AWS credentials, here in the CLI's process: the browser never sees a credential.
 *
 * @example const forward = signedForwarder('https://abc.execute-api.eu-west-1.amazonaws.com/prod', credentials, 'eu-west-1');
 */
function signedForwarder(
  baseUrl: string,
  credentials: CredentialProvider,
  region: string,
  doFetch: typeof fetch = fetch,
  timeoutMs = 30_000,
): Forwarder {
  const base = baseUrl.replace(/\/+$/, '');
  return async (request) => {
    const url = `${base}${request.path}`;
    let loaded: Awaited<ReturnType<CredentialProvider>>;
    try {
      loaded = await credentials();
    } catch (error) {
      throw new Error(`cannot load AWS credentials: ${(error as Error).message}`);
    }
    const headers = await signRequest(
      {
        method: request.method,
        url,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
      },
      { credentials: loaded, region },
    );
    return sendForwarded(doFetch, url, request, headers, timeoutMs);
  };
}

const portOf = (text: string | undefined): number => {
  if (text === undefined) return DEFAULT_DASHBOARD_PORT;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new CliError(ExitCode.Usage, `--port must be a port number (0-65535), got "${text}"`);
  }
  return Number(text);
};

/**
 * `berth dashboard [--port N]`: serves the dashboard on 127.0.0.1 and forwards its calls to the API
 * (`--api`), signed with SigV4 unless the API is on loopback. Runs until interrupted.
 */
export async function dashboard(
  io: CliIo,
  api: { baseUrl: string; credentials: CredentialProvider; region: string | undefined },
  options: DashboardOptions,
): Promise<ExitCode> {
  const port = portOf(options.port);
  const local = isLoopback(api.baseUrl);
  let region: string | null = null;
  if (!local) {
    try {
      region = regionOf(api.baseUrl, api.region);
    } catch (error) {
      throw new CliError(ExitCode.Usage, (error as Error).message);
    }
  }
  const forward =
    region === null
      ? localForwarder(api.baseUrl)
      : signedForwarder(api.baseUrl, api.credentials, region, io.fetch ?? fetch);
  let running: Awaited<ReturnType<typeof startDashboard>>;
  try {
    running = await startDashboard({ forward, info: { api: api.baseUrl, consoleRegion: region }, port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      ExitCode.Usage,
      code === 'EADDRINUSE'
        ? `port ${port} is in use: choose another with --port`
        : `cannot start the dashboard: ${(error as Error).message}`,
    );
  }
  io.stdout(
    `Berth dashboard: ${running.url}\n  API ${api.baseUrl}${local ? '' : ` (calls signed with your AWS credentials, region ${region})`}\n  Ctrl-C stops it.\n`,
  );
  try {
    await (io.untilInterrupted ?? (() => new Promise<void>(() => undefined)))();
  } finally {
    await running.stop();
  }
  return ExitCode.Ok;
}
