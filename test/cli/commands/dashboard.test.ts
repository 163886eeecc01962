import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../cli/exit-codes.ts';
import { run } from '../../../cli/main.ts';
import { TOKEN_HEADER } from '../../../dashboard/server.ts';
import { testIo } from '../fake-api.ts';

const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';

describe('berth dashboard', () => {
  it('serves the page on loopback and forwards its calls to the API signed with SigV4', async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      sent.push({ url, init });
      return new Response('{"environments":[],"nextToken":null}', {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const t = testIo();
    const io = { ...t.io, fetch: fakeFetch, untilInterrupted: () => stopped };
    const exit = run(['--api', API, 'dashboard', '--port', '0'], io);

    await expect.poll(() => t.stdout(), { timeout: 5000 }).toContain('Berth dashboard: http://127.0.0.1:');
    const url = /Berth dashboard: (\S+)/.exec(t.stdout())?.[1] ?? '';
    expect(t.stdout()).toContain(`API ${API} (calls signed with your AWS credentials, region eu-west-1)`);
    const page = await (await fetch(url)).text();
    const token = /name="berth-token" content="([^"]+)"/.exec(page)?.[1] ?? '';
    const config = await (await fetch(`${url}config.json`)).json();
    expect(config).toEqual({ api: API, consoleRegion: 'eu-west-1', pollMs: 2000 });

    const answer = await fetch(`${url}api/environments?status=ready`, { headers: { [TOKEN_HEADER]: token } });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ environments: [], nextToken: null });
    expect(answer.headers.get('authorization')).toBeNull();

    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe(`${API}/environments?status=ready`);
    const headers = sent[0]!.init.headers as Record<string, string>;
    expect(headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers[TOKEN_HEADER]).toBeUndefined();

    stop();
    await expect(exit).resolves.toBe(ExitCode.Ok);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses a port that is not a number', async () => {
    const t = testIo();
    const code = await run(['--api', API, 'dashboard', '--port', 'http'], t.io);
    expect(code).toBe(ExitCode.Usage);
    expect(t.stderr()).toBe('berth: --port must be a port number (0-65535), got "http"\n');
  });
});
