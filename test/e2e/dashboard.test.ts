/// <reference lib="dom" />
// The dashboard in a real browser (headless Chromium through playwright-core) on a real stack: the
// services as the supervisor sees them, a restart button that restarts (new pid, and the row goes
// through its states), the log filters (text, regex, stream, service — kept in the URL), JSON lines
// and ANSI colours, a million lines in a view that keeps a few dozen rows in the DOM, and requests
// refused without the token, from another Host (DNS rebinding) or from another site's page.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { createTempProject, fixture, freePort, type TempProject } from '../helpers/project.js';

let browser: Browser;
let project: TempProject;
let url: string;
let foreign: Server | undefined;

const CHATTY = `
const lines = [
  JSON.stringify({ level: 'warn', msg: 'disk almost full', disk: '/dev/sda1', freeBytes: 1024 }),
  '\\u001b[31mred alert\\u001b[0m and \\u001b[1;32mgreen bold\\u001b[0m',
  'plain line',
];
for (const line of lines) console.log(line);
console.error('an error line');
setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => process.exit(0));
`;

const MILLION = `
// Once the file "go" exists: a million numbered lines as fast as the pipe takes them, then quiet.
const { existsSync } = require('node:fs');
let n = 0;
const chunk = () => {
  let text = '';
  for (let i = 0; i < 20000 && n < 1000000; i++) text += 'line ' + ++n + '\\n';
  if (text === '') return;
  if (process.stdout.write(text)) setImmediate(chunk); else process.stdout.once('drain', chunk);
};
const wait = setInterval(() => {
  if (!existsSync('go')) return;
  clearInterval(wait);
  chunk();
}, 100);
setInterval(() => {}, 1 << 30);
process.on('SIGTERM', () => process.exit(0));
`;

const FLAKY = `
// Fails for good (restart: 'no') once the file "crash" exists, saying why on stderr.
const { existsSync } = require('node:fs');
console.log('flaky booting');
setInterval(() => {
  if (!existsSync('crash')) return;
  console.error('fatal: the config file vanished');
  process.exit(3);
}, 100);
process.on('SIGTERM', () => process.exit(0));
`;

beforeAll(async () => {
  const [db, api] = [await freePort(), await freePort()];
  project = createTempProject(`export default {
    dashboard: { port: 'auto' },
    services: {
      db: { command: '${fixture('http-service.js')}', port: ${db}, health: 'http://127.0.0.1:${db}/health' },
      api: { command: '${fixture('http-service.js')}', port: ${api}, health: 'http://127.0.0.1:${api}/health', dependsOn: ['db'] },
      chatty: { command: 'node chatty.js' },
      million: { command: 'node million.cjs' },
      flaky: { command: 'node flaky.cjs', restart: 'no' },
    },
  };`);
  project.write('chatty.js', CHATTY);
  project.write('million.cjs', MILLION);
  project.write('flaky.cjs', FLAKY);
  const up = await project.run(['up', '-d']);
  expect(up.code, up.stdout + up.stderr).toBe(0);
  url = /dashboard +(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(up.stdout)?.[1] ?? '';
  expect(url, up.stdout).not.toBe('');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  foreign?.close();
  await project?.cleanup();
});

async function openDashboard(query = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1300, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url + query);
  await page.waitForSelector('#connection.up');
  expect(errors).toEqual([]);
  return page;
}

/** expect.poll with room for a loaded machine (its own default gives up after 1 s). */
const poll = <T>(check: () => T | Promise<T>, options: { timeout?: number; interval?: number } = {}) =>
  expect.poll(check, { timeout: 15_000, interval: 100, ...options });

const rowOf = (page: Page, service: string) => page.locator(`#services tr[data-service="${service}"]`);

describe('the dashboard', () => {
  it('is printed by devstack dashboard and ps, and lists every service with its state, pid and port', async () => {
    expect((await project.run(['dashboard'])).stdout.trim()).toBe(url);
    expect((await project.run(['ps'])).stdout).toContain(`dashboard ${url}`);
    const page = await openDashboard();
    const ps = await project.ps();
    for (const service of ps) {
      const row = rowOf(page, service.name);
      await poll(() => row.getAttribute('data-state')).toBe('ready');
      // Readable without colour: a shape and the word.
      expect(await row.locator('td').nth(0).textContent()).toBe('● ready');
      expect(await row.locator('td').nth(3).textContent()).toBe(String(service.pid));
    }
    const api = ps.find((service) => service.name === 'api')!;
    expect(await rowOf(page, 'api').locator('td').nth(2).locator('a').getAttribute('href')).toBe(`http://127.0.0.1:${api.port}`);
    // CPU and memory arrive with the usage samples (every 2 s), from /proc.
    await poll(() => rowOf(page, 'api').locator('td').nth(7).textContent(), { timeout: 10_000 }).toMatch(/MiB$/);
    await page.close();
  });

  it('restarts a service from its button: the row goes through its states and shows the new pid', async () => {
    const page = await openDashboard();
    const before = (await project.ps()).find((service) => service.name === 'api')!.pid!;
    await page.evaluate(() => {
      // Every state the row shows, as the test cannot sample fast enough to see each.
      const row = document.querySelector('#services tr[data-service="api"]')!;
      // From the state it shows now: every render sets the attribute, changed or not.
      const seen: string[] = [row.getAttribute('data-state')!];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const state = row.getAttribute('data-state')!;
        if (seen.at(-1) !== state) seen.push(state);
      }).observe(row, { attributes: true, attributeFilter: ['data-state'] });
    });
    await rowOf(page, 'api').locator('button[data-action="restart"]').click();
    await poll(() => page.textContent('#toast')).toMatch(/api: restarted — ready in \d+ ms/);
    const after = (await project.ps()).find((service) => service.name === 'api')!.pid!;
    expect(after).not.toBe(before);
    await poll(() => rowOf(page, 'api').locator('td').nth(3).textContent()).toBe(String(after));
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen).toEqual(['ready', 'stopping', 'starting', 'ready']);
    await page.close();
  });

  it('filters logs by text, regex, stream and service, keeps the filter in the URL, and renders JSON lines and colours', async () => {
    const page = await openDashboard();
    const count = () =>
      page.evaluate(
        () => (window as unknown as { devstackDashboard: { store: { matches: unknown[] } } }).devstackDashboard.store.matches.length,
      );
    await poll(count).toBeGreaterThan(5);
    const all = await count();
    await page.fill('#log-query', 'red alert');
    await poll(count).toBe(1);
    expect(page.url()).toContain('q=red+alert');
    const colored = page.locator('.log-row:not([hidden]) .text span', { hasText: 'red alert' });
    expect(await colored.evaluate((span) => getComputedStyle(span).color)).toBe('rgb(205, 49, 49)');
    await page.fill('#log-query', '^(plain|an error) line$');
    await page.check('#log-regex');
    await poll(count).toBe(2);
    await page.selectOption('#log-stream', 'err');
    await poll(count).toBe(1);
    expect(page.url()).toMatch(/stream=err/);
    expect(page.url()).toMatch(/re=1/);
    // The filter survives a reload: it is in the URL.
    await page.reload();
    await page.waitForSelector('#connection.up');
    await poll(count).toBe(1);
    expect(await page.inputValue('#log-query')).toBe('^(plain|an error) line$');
    // A JSON line: level and message, the fields behind a click.
    await page.fill('#log-query', 'disk');
    await page.uncheck('#log-regex');
    await page.selectOption('#log-stream', '');
    await page.selectOption('#log-service', 'chatty');
    await poll(count).toBe(1);
    const row = page.locator('.log-row:not([hidden])').first();
    expect(await row.locator('.level').textContent()).toBe('WARN');
    expect(await row.locator('.text').textContent()).toContain('disk almost full');
    await row.click();
    expect(JSON.parse((await page.textContent('#log-details'))!)).toMatchObject({ level: 'warn', disk: '/dev/sda1', freeBytes: 1024 });
    await page.fill('#log-query', '');
    await page.selectOption('#log-service', '');
    await poll(count).toBeGreaterThanOrEqual(all);
    await page.close();
  });

  it('stops and starts the whole stack from its buttons, the supervisor staying up', async () => {
    const page = await openDashboard();
    const names = (await project.ps()).map((service) => service.name);
    await page.click('button[data-stack-action="stop"]');
    await poll(() => page.textContent('#toast')).toMatch(/^stopped /);
    for (const name of names) await poll(() => rowOf(page, name).getAttribute('data-state')).toBe('stopped');
    expect((await project.ps()).every((service) => service.state === 'stopped')).toBe(true);
    await page.click('button[data-stack-action="start"]');
    await poll(() => page.textContent('#toast')).toMatch(/all services: started/);
    for (const name of names) await poll(() => rowOf(page, name).getAttribute('data-state')).toBe('ready');
    // One service's own stop and start buttons.
    await rowOf(page, 'db').locator('button[data-action="stop"]').click();
    // Stopping db stops what depends on it.
    await poll(() => rowOf(page, 'api').getAttribute('data-state')).toBe('stopped');
    await rowOf(page, 'api').locator('button[data-action="start"]').click();
    await poll(() => rowOf(page, 'db').getAttribute('data-state')).toBe('ready');
    await poll(() => rowOf(page, 'api').getAttribute('data-state')).toBe('ready');
    await page.close();
  });

  it('keeps a million lines in a virtual view: a few dozen rows in the DOM, any line reachable by scrolling', async () => {
    const page = await openDashboard('&service=million');
    const store = () =>
      page.evaluate(
        () => (window as unknown as { devstackDashboard: { store: { matches: unknown[] } } }).devstackDashboard.store.matches.length,
      );
    const before = await store(); // devstack's own lines about the service
    project.write('go', '');
    await poll(store, { timeout: 60_000, interval: 500 }).toBe(before + 1_000_000);
    expect(await page.locator('.log-row').count()).toBeLessThan(100);
    // Following: the last line is in view.
    await poll(() => page.locator('.log-row:not([hidden]) .text').last().textContent()).toBe('line 1000000');
    // Halfway down, then the top.
    await page.evaluate(() => {
      const view = document.querySelector('#log-view')!;
      view.scrollTop = (view.scrollHeight - view.clientHeight) / 2;
    });
    await poll(() => page.locator('.log-row:not([hidden]) .text').first().textContent()).toMatch(/^line (49\d{4}|50\d{4})$/);
    await page.evaluate(() => void (document.querySelector('#log-view')!.scrollTop = 0));
    await poll(() => page.locator('.log-row:not([hidden]) .text', { hasText: /^line 1$/ }).count()).toBe(1);
    expect(await page.isChecked('#log-follow')).toBe(false);
    // A filter over the million lines.
    await page.fill('#log-query', 'line 99999');
    await poll(store).toBe(11); // 99999 and 999990–999999
    expect(await page.locator('.log-row').count()).toBeLessThan(100);
    await page.close();
  }, 90_000);

  it('refuses requests without the token, for another Host, and from another site', async () => {
    const { origin, port } = new URL(url);
    expect((await fetch(`${origin}/api/stream`)).status).toBe(401);
    expect((await fetch(`${origin}/`)).status).toBe(401);
    const token = new URL(url).searchParams.get('token')!;
    const stranger = await fetch(`${origin}/api/restart`, {
      method: 'POST',
      headers: { 'x-devstack-token': 'x'.repeat(token.length) },
      body: JSON.stringify({ service: 'api' }),
    });
    expect(stranger.status).toBe(401);
    // DNS rebinding: the right token even, but the browser sends the attacker's host name.
    const rebound = await new Promise<number>((resolve, reject) =>
      request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/restart',
          method: 'POST',
          headers: { host: `attacker.example:${port}`, 'x-devstack-token': token },
        },
        (response) => resolve(response.statusCode ?? 0),
      )
        .on('error', reject)
        .end('{"service":"api"}'),
    );
    expect(rebound).toBe(403);

    // Another site open in the same browser, posting to the dashboard: a form (no preflight) and a
    // fetch with the token header (preflighted). Neither may restart anything.
    foreign = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<form id="f" method="POST" action="${origin}/api/restart?token=${token}" enctype="text/plain">
        <input name='{"service":"api","x":"' value='"}'></form>`);
    });
    await new Promise<void>((resolve) => foreign!.listen(0, '127.0.0.1', resolve));
    const before = (await project.ps()).find((service) => service.name === 'api')!;
    const page = await browser.newPage();
    await page.goto(`http://localhost:${(foreign.address() as AddressInfo).port}/`);
    const fetched = await page.evaluate(
      ({ target, token }) =>
        fetch(`${target}/api/restart`, {
          method: 'POST',
          headers: { 'x-devstack-token': token, 'content-type': 'application/json' },
          body: '{"service":"api"}',
        }).then(
          (response) => `status ${response.status}`,
          (error: Error) => `blocked: ${error.message}`,
        ),
      { target: origin, token },
    );
    expect(fetched).toMatch(/^blocked|^status 403$/);
    const answer = page.waitForResponse((response) => response.url().startsWith(`${origin}/api/restart`));
    await page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit());
    expect((await answer).status()).toBe(403);
    await page.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = (await project.ps()).find((service) => service.name === 'api')!;
    expect(after.pid).toBe(before.pid);
    expect(after.restarts).toBe(before.restarts);
  });

  it('shows why a service failed, with the tail of its log', async () => {
    const page = await openDashboard();
    project.write('crash', '');
    const row = rowOf(page, 'flaky');
    await poll(() => row.getAttribute('data-state')).toBe('failed');
    expect(await row.locator('td').nth(0).textContent()).toBe('✕ failed');
    await poll(() => row.locator('td.details').textContent()).toMatch(/code 3/);
    await poll(() => row.locator('.tail').textContent()).toContain('fatal: the config file vanished');
    await page.close();
  });
});
