/// <reference lib="dom" />
// The README's run command on the repository's own example stack: six services, Postgres, Redis
// and RabbitMQ, a dependency chain four deep, real HTTP calls, an event over AMQP, data that
// survives down/up, and nothing left after `down`.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { withExampleStack } from '../helpers/example-lock.js';
import { BIN, REPO_ROOT } from '../helpers/project.js';
import { isAlive, processesUnder } from '../helpers/processes.js';

function devstack(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The dashboard, in headless Chromium: every service of the example stack ready, with its mode.
 * DEVSTACK_SCREENSHOT=<file.png> also saves what it shows (the README's picture is made so).
 */
async function dashboardShowsEveryService(banner: string): Promise<void> {
  const url = /dashboard +(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(banner)?.[1];
  expect(url, banner).toBeDefined();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(url!);
    await page.waitForSelector('#connection.up');
    const names = [
      'postgres',
      'redis',
      'broker',
      'auth-service',
      'user-service',
      'catalog-service',
      'order-service',
      'notification-service',
      'web',
    ];
    for (const name of names)
      await expect.poll(() => page.getAttribute(`#services tr[data-service="${name}"]`, 'data-state')).toBe('ready');
    expect(await page.textContent('#services tr[data-service="postgres"] td.details')).toMatch(/^(native|embedded|container)/);
    expect(await page.textContent('#stack-summary')).toBe('9 services · 9 ready');
    // The proxy: a row of its own, and its requests as the "proxy" log.
    expect(await page.getAttribute('#services tr[data-service="proxy"]', 'data-state')).toBe('ready');
    await page.selectOption('#log-service', 'proxy');
    await page.waitForSelector('.log-row:not([hidden]) .text:text-matches("GET / → web 200")');
    await page.selectOption('#log-service', '');
    const screenshot = process.env['DEVSTACK_SCREENSHOT'];
    if (screenshot !== undefined) {
      await page.waitForTimeout(2500); // CPU and memory arrive with the first usage samples
      await page.fill('#log-query', 'order');
      await page.waitForTimeout(300);
      await page.screenshot({ path: screenshot });
    }
  } finally {
    await browser.close();
  }
}

async function orders(): Promise<{ totalCents: number; views: number }> {
  const response = await fetch('http://127.0.0.1:4100/api/orders');
  return (await response.json()) as { totalCents: number; views: number };
}

describe('example stack', () => {
  it(
    'comes up in dependency order, serves a page through four services, and goes down cleanly',
    () =>
      withExampleStack(async () => {
        const up = await devstack(['up', '--wait']);
        try {
          expect(up.code, up.stdout + up.stderr).toBe(0);
          const order = [...up.stdout.matchAll(/devstack +\| (\S+) ready/g)].map((match) => match[1]);
          expect(order.indexOf('auth-service')).toBeLessThan(order.indexOf('user-service'));
          expect(order.indexOf('user-service')).toBeLessThan(order.indexOf('order-service'));
          expect(order.indexOf('catalog-service')).toBeLessThan(order.indexOf('order-service'));
          expect(order.at(-1)).toBe('web');

          // The entry point: the proxy, in front of web.
          expect(up.stdout).toMatch(/entry +http:\/\/127\.0\.0\.1:8080/);
          const page = await fetch('http://127.0.0.1:8080/');
          await dashboardShowsEveryService(up.stdout);
          expect(page.status).toBe(200);
          const html = await page.text();
          expect(html).toContain('Orders of Ada Lovelace (pro)');
          expect(html).toMatch(/Viewed \d+ times \(counted in Redis\)/);
          // Orders live in Postgres: one written through web → order-service is there after down/up.
          const before = await orders();
          const created = await fetch('http://127.0.0.1:4100/api/orders?sku=mn-03&quantity=1', { method: 'POST' });
          expect(created.status).toBe(201);
          expect((await orders()).totalCents).toBe(before.totalCents + 28900);
          expect((await orders()).views).toBeGreaterThan(before.views);
          // The new order was announced over RabbitMQ: notification-service consumed it, the page shows it.
          const { id } = (await created.json()) as { id: number };
          const notified = async (): Promise<boolean> =>
            (await (await fetch('http://127.0.0.1:4100/')).text()).includes(`order ${id}: 1 × mn-03 for Ada Lovelace`);
          for (let i = 0; i < 50 && !(await notified()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
          expect(await notified()).toBe(true);
          expect((await devstack(['down'])).code).toBe(0);
          const again = await devstack(['up', '--wait']);
          expect(again.code, again.stdout + again.stderr).toBe(0);
          expect((await orders()).totalCents).toBe(before.totalCents + 28900);
        } finally {
          const ps = JSON.parse((await devstack(['ps', '--json'])).stdout || '[]') as { pid?: number }[];
          const down = await devstack(['down']);
          expect(down.code).toBe(0);
          for (const row of ps) if (row.pid !== undefined) expect(isAlive(row.pid)).toBe(false);
        }
      }),
    300_000, // with its turn at the example stack's lock
  );
});

// The GitHub Actions workflow in examples/ci, read as a runner would and its commands run here, on
// this repository's example stack. `npm ci` is not run: it would reinstall node_modules under the
// running test suite (CI runs it just before). In this file so it never meets the test above on the
// example stack's fixed port.
describe('the GitHub Actions example', () => {
  it(
    'is a valid workflow whose devstack steps pass here',
    () =>
      withExampleStack(async () => {
        const { parse } = await import('yaml');
        const workflow = parse(readFileSync(join(REPO_ROOT, 'examples', 'ci', 'github-actions.yml'), 'utf8')) as {
          on: Record<string, unknown>;
          jobs: Record<
            string,
            { 'runs-on': string; steps: { uses?: string; with?: Record<string, unknown>; run?: string; if?: string }[] }
          >;
        };
        expect(Object.keys(workflow.on)).toEqual(['push', 'pull_request']);
        const [job] = Object.values(workflow.jobs);
        expect(job?.['runs-on']).toBe('ubuntu-latest');
        const steps = job!.steps;
        expect(steps.find((step) => step.uses?.startsWith('actions/setup-node@'))?.with).toMatchObject({ cache: 'npm' });
        expect(steps.some((step) => step.run === 'npm ci')).toBe(true);
        const commands = steps.flatMap((step) =>
          step.run === undefined || step.run === 'npm ci' ? [] : [{ run: step.run, onFailure: step.if === 'failure()' }],
        );
        expect(commands.map((command) => command.run)).toEqual([
          'npx devstack run --timeout 5m -- npm run e2e',
          'npx devstack logs -n 200',
        ]);
        for (const command of commands) {
          const result = spawnSync('sh', ['-c', command.run], {
            cwd: REPO_ROOT,
            env: { ...process.env, NO_COLOR: '1' },
            encoding: 'utf8',
            timeout: 300_000,
          });
          expect(result.status, `${command.run}\n${result.stdout}${result.stderr}`).toBe(0);
          if (!command.onFailure) expect(result.stdout).toContain('e2e: ok: order');
        }
        expect(processesUnder(join(REPO_ROOT, 'examples'))).toEqual([]);
      }),
    480_000, // its commands may take 300 s, after its turn at the lock
  );
});
