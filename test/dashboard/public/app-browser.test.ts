import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localForwarder, type RunningDashboard, startDashboard } from '../../../dashboard/server.ts';
import { type RunningPlatform, startPlatform } from '../../../local/runtime/platform.ts';
import { artifact, launchChromium } from '../browser.ts';

/**
 * The dashboard in a real Chromium against the whole local platform: the form creates an environment
 * through the API, the page follows its steps live until `ready`, its URL link reaches the workload,
 * extend moves the expiry, pause and resume swap their buttons, a wrong typed name refuses the teardown, the right one removes it from the
 * table, and bad input shows the API's own message.
 *
 * The time factor is a little slower than `instant` (0.02: a 3.6 s ALB, 0.3 s verify waits) so that
 * an `up` lasts a few seconds and its steps can be seen appearing.
 */
/** How long a text check waits for the page to show it. */
const POLL = { timeout: 10_000, interval: 50 };

describe('dashboard in Chromium', () => {
  let platform: RunningPlatform;
  let dashboard: RunningDashboard;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${platform.urls.api}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    browser = await launchChromium();
    platform = await startPlatform({
      profile: 'instant',
      factor: 0.02,
      logLevel: 'ERROR',
      ports: { cloud: 0, sfn: 0, api: 0 },
      // The owner is the caller's identity (never a form field): requests come from local user alice.
      callerUser: 'alice',
    });
    dashboard = await startDashboard({
      forward: localForwarder(platform.urls.api),
      info: { api: platform.urls.api, consoleRegion: null, pollMs: 250 },
      port: 0,
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await platform?.stop();
  });

  it('creates an environment from the form and shows its steps live until ready', async () => {
    await page.goto(dashboard.url);
    await page.getByRole('link', { name: 'New environment' }).click();
    await page.getByLabel('Name').fill('demo');
    await page.getByLabel('Image').fill('berth/hello:1');
    await page.getByLabel('Health check path').fill('/health');
    await page.getByRole('button', { name: 'Create' }).click();

    await page.waitForURL(/#\/env\/demo$/);
    // A step appears while the environment is still being created: the timeline is live.
    await page.locator('.timeline [data-step="CreateNetwork"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('#env-status .badge').textContent(), POLL).toBe('creating');
    await page.locator('.timeline [data-step="VerifyUp"]').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: artifact('environment-running.png'), fullPage: true });

    await page.locator('#env-status .badge-ready').waitFor({ timeout: 60_000 });
    const steps = await page.locator('.timeline .step-name').allTextContents();
    expect(steps).toEqual(
      expect.arrayContaining([
        'CreateNetwork',
        'CreateTaskDefinition',
        'CreateLoadBalancer',
        'CreateCluster',
        'CreateService',
        'VerifyUp',
      ]),
    );
    // The verify loop's polls are one line with a count, not one line per poll.
    expect(steps.filter((s) => s === 'VerifyUp')).toHaveLength(1);
    await expect
      .poll(() => page.locator('[data-step="VerifyUp"] .count').textContent(), POLL)
      .toMatch(/^× \d+ polls$/);
    // Its AWS resources by name; locally there is no AWS console to link to.
    await expect
      .poll(() => page.locator('.resources li').allTextContents(), POLL)
      .toEqual(expect.arrayContaining(['target group berth-demo-tg', 'ECS service berth-demo']));
    await expect(page.locator('.resources a').count()).resolves.toBe(0);
    // Its estimated cost, as the API prices what verify saw running.
    const { body } = await api('GET', '/environments/demo');
    expect(body.cost.hourlyUsd).toBeGreaterThan(0.04);
    const costShown = `$${(body.cost.hourlyUsd as number).toFixed(3)}/h`;
    await expect
      .poll(() => page.locator('dt:text-is("Cost / hour") + dd').textContent(), POLL)
      .toBe(costShown);
    // The workload's last log lines (GET /environments/demo/logs) and where to read them all (the API's logs route
    // locally; the CloudWatch console page of /berth/demo when deployed).
    await expect
      .poll(() => page.locator('#log-lines').textContent(), POLL)
      .toMatch(/\(berth\/hello:1\) listening on port 80/);
    await expect(page.locator('#logs-link').getAttribute('href')).resolves.toBe(
      `${platform.urls.api}/environments/demo/logs`,
    );
    await page.screenshot({ path: artifact('environment-ready.png'), fullPage: true });
  });

  it('lists it and its URL link reaches the workload through the load balancer', async () => {
    await page.getByRole('link', { name: '← Environments' }).click();
    const row = page.locator('tr[data-env="demo"]');
    await row.waitFor();
    await expect.poll(() => row.locator('.badge').first().textContent(), POLL).toBe('ready');
    await expect.poll(() => row.locator('td[data-label="Owner"]').textContent(), POLL).toBe('alice');
    await expect
      .poll(() => row.locator('td[data-label="Cost"]').textContent(), POLL)
      .toMatch(/^\$0\.0\d\d\/h$/);
    await row.locator('.last-op .badge').waitFor();
    await expect.poll(() => row.locator('.last-op').textContent(), POLL).toMatch(/^up succeeded/);
    await page.screenshot({ path: artifact('environments.png') });

    const link = row.locator('a.env-url');
    const href = await link.getAttribute('href');
    expect(href).toMatch(new RegExp(`^http://berth-demo-alb-.*\\.elb\\.localhost:${platform.ports.cloud}/$`));
    const [popup] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await popup.waitForLoadState();
    const answer = JSON.parse((await popup.locator('body').textContent()) ?? '');
    expect(answer).toMatchObject({ cluster: 'berth-demo', service: 'berth-demo', image: 'berth/hello:1' });
    await popup.close();
  });

  it('filters by owner, status and name', async () => {
    await page.getByLabel('Search by name').fill('nope');
    await page.getByText('No environment matches the filters.').waitFor();
    await page.getByLabel('Search by name').fill('dem');
    await page.locator('tr[data-env="demo"]').waitFor();
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No environment matches the filters.').waitFor();
    await page.getByLabel('Status').selectOption('ready');
    await page.locator('tr[data-env="demo"]').waitFor();
    await page.getByLabel('Owner').selectOption('alice');
    await page.locator('tr[data-env="demo"]').waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact('environments-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('extends it and shows the new expiry', async () => {
    await page.locator('tr[data-env="demo"] th a').click();
    const expiry = page.locator('#expires time');
    await expiry.waitFor();
    const before = Date.parse((await expiry.getAttribute('datetime')) ?? '');
    await expect.poll(() => expiry.textContent(), POLL).toMatch(/^in 2[34]h/);

    await page.getByLabel('Hours to add').fill('48');
    await page.getByRole('button', { name: 'Extend' }).click();
    await expect
      .poll(() => page.locator('#extend-message').textContent(), POLL)
      .toMatch(/^extend of demo accepted: operation /);
    await expect
      .poll(async () => Date.parse((await expiry.getAttribute('datetime')) ?? ''), POLL)
      .toBeGreaterThan(before);
    const after = Date.parse((await expiry.getAttribute('datetime')) ?? '');
    expect(after - before).toBe(48 * 3600 * 1000);
    await expect.poll(() => expiry.textContent(), POLL).toMatch(/^in 2d 2[23]h$/);
    // The history (GET /environments/demo/operations) says who asked and through which entry point.
    await expect
      .poll(() => page.locator('table.history tbody tr').first().textContent(), POLL)
      .toMatch(/^extend.*via cli-local/);
  });

  it("shows the API's own message for invalid input", async () => {
    await page.getByLabel('Hours to add').fill('9999');
    await page.getByRole('button', { name: 'Extend' }).click();
    const direct = await api('POST', '/environments/demo/extend', { hours: 9999 });
    expect(direct.status).toBe(400);
    const shown = page.locator('#extend-message[role="alert"]');
    await expect.poll(() => shown.textContent(), POLL).toBe(`${direct.body.error}: ${direct.body.message}`);
    expect(direct.body.message).toContain('hours');

    await page.getByLabel('Desired task count').fill('two');
    await page.getByRole('button', { name: 'Scale' }).click();
    const scale = await api('POST', '/environments/demo/scale', { desiredCount: 'two' });
    await expect
      .poll(() => page.locator('#scale-message[role="alert"]').textContent(), POLL)
      .toBe(`${scale.body.error}: ${scale.body.message}`);

    await page.getByRole('link', { name: 'New environment' }).click();
    await page.getByLabel('Name').fill('Bad_Name');
    await page.getByLabel('Image').fill('berth/hello:1');
    await page.getByRole('button', { name: 'Create' }).click();
    const create = await api('POST', '/environments', { name: 'Bad_Name', image: 'berth/hello:1' });
    expect(create.status).toBe(400);
    await expect
      .poll(() => page.locator('#create-message[role="alert"]').textContent(), POLL)
      .toBe(`${create.body.error}: ${create.body.message}`);
    await page.screenshot({ path: artifact('invalid-input.png'), fullPage: true });
  });

  it('refuses a teardown whose typed name is wrong', async () => {
    await page.goto(`${dashboard.url}#/env/demo`);
    await page.locator('#env-status .badge-ready').waitFor();
    const operationsBefore = (await api('GET', '/environments/demo')).body.operations.length;
    await page.getByLabel('Type “demo” to confirm').fill('demo2');
    await page.getByRole('button', { name: 'Tear down' }).click();
    await expect
      .poll(() => page.locator('#down-message[role="alert"]').textContent(), POLL)
      .toBe('The typed name “demo2” does not match “demo”: nothing was torn down.');
    const after = (await api('GET', '/environments/demo')).body;
    expect(after.status).toBe('ready');
    expect(after.operations.length).toBe(operationsBefore);
  });

  it('pauses it and resumes it from the page (one of the two buttons, by status)', async () => {
    await page.goto(`${dashboard.url}#/env/demo`);
    await page.locator('#env-status .badge-ready').waitFor();
    expect(await page.locator('#resume-form').isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect
      .poll(() => page.locator('#pause-message').textContent(), POLL)
      .toMatch(/^pause of demo accepted: operation /);
    await page.locator('#env-status .badge-paused').waitFor({ timeout: 20_000 });
    expect((await api('GET', '/environments/demo')).body.status).toBe('paused');
    await page.locator('#resume-form').waitFor();
    expect(await page.locator('#pause-form').isHidden()).toBe(true);

    await page.getByRole('button', { name: 'Resume' }).click();
    await expect
      .poll(() => page.locator('#resume-message').textContent(), POLL)
      .toMatch(/^resume of demo accepted: operation /);
    await page.locator('#env-status .badge-ready').waitFor({ timeout: 20_000 });
    expect((await api('GET', '/environments/demo')).body).toMatchObject({ status: 'ready', paused: null });
  });

  it("shows the last nightly run's report", async () => {
    await page.getByRole('link', { name: 'Nightly report' }).click();
    await page.getByText('No nightly run has been recorded yet.').waitFor();
    const sfn = new SFNClient({ endpoint: platform.urls.sfn, region: 'us-east-1', maxAttempts: 1 });
    try {
      // A dry run lists what it would tear down and changes nothing.
      const now = new Date(Date.now() + 2 * 3600_000).toISOString();
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: platform.stateMachines.nightly,
          name: 'nightly-dashboard',
          input: JSON.stringify({ now, dryRun: true }),
        }),
      );
    } finally {
      sfn.destroy();
    }
    const wouldTearDown = page.locator('[data-list="Would tear down"] li');
    await expect
      .poll(() => wouldTearDown.allTextContents(), POLL)
      .toEqual([expect.stringMatching(/^demo: /)]);
    await expect.poll(() => page.locator('#nightly-run .badge').textContent(), POLL).toBe('succeeded');
    await expect.poll(() => page.locator('#nightly-run').textContent(), POLL).toContain('nightly-dashboard');
    await page.screenshot({ path: artifact('nightly-report.png'), fullPage: true });
    expect((await api('GET', '/environments/demo')).body.status).toBe('ready');
    await page.getByRole('link', { name: 'Environments', exact: true }).click();
    await page.locator('tr[data-env="demo"] th a').click();
    await page.locator('#env-status .badge-ready').waitFor();
  });

  it('tears it down with the right name and it leaves the table', async () => {
    await page.getByLabel('Type “demo” to confirm').fill('demo');
    await page.getByRole('button', { name: 'Tear down' }).click();
    await expect
      .poll(() => page.locator('#down-message').textContent(), POLL)
      .toMatch(/^down of demo accepted/);
    await page.locator('.timeline [data-step^="Teardown"]').first().waitFor({ timeout: 30_000 });
    await page.locator('#env-status .badge-deleted').waitFor({ timeout: 60_000 });

    await page.getByRole('link', { name: 'Environments', exact: true }).click();
    await page.getByText('No environments yet').waitFor();
    await expect(page.locator('tr[data-env="demo"]').count()).resolves.toBe(0);
  });
});
