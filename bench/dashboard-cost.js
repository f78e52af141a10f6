// The dashboard's cost, the way users run it: `up -d` of N idle services, then the background
// supervisor's CPU (from /proc, utime + stime) and memory — with the dashboard off, on with no tab,
// and on with a real Chromium tab open on it (playwright-core, Debian's chromium) — and the CPU/MEM
// sampler's own cost per sample at N services. A tab keeps one stream open; the supervisor then
// sends a usage line every 2 s.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryOf, project, timed } from './cli-scenarios.js';
import { killRun, processesOfRun } from './peers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const devstackBin = join(here, '..', 'bin', 'devstack.js');
const serviceScript = join(here, 'fixtures', 'ready-after.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU ms per second of wall time the process used over `ms`. */
async function cpuOver(pid, ms) {
  const before = cpuTicks(pid);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return Number((((cpuTicks(pid) - before) * 10) / ((performance.now() - started) / 1000)).toFixed(2));
}

function idleServices(count) {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `s${i}`,
      { command: `node ${serviceScript}`, port: 'auto', health: 'http://127.0.0.1:${port}/' },
    ]),
  );
}

/** One stack of `count` idle services, dashboard off or on (then with and without a tab). */
async function measure(count, dashboard, { idleMs }) {
  const id = `db${Date.now()}`;
  const dir = project(idleServices(count), dashboard ? { dashboard: { port: 'auto' } } : { dashboard: false });
  const env = { ...process.env, BENCH_RUN: id };
  let browser;
  try {
    const up = await timed(process.execPath, [devstackBin, 'up', '-d'], { cwd: dir, env });
    if (up.code !== 0) throw new Error(`up -d failed: ${up.stderr}`);
    const supervisor = JSON.parse(readFileSync(join(dir, 'logs', 'devstack.pid'), 'utf8')).pid;
    await new Promise((resolve) => setTimeout(resolve, 1500)); // settle
    const result = {
      services: count,
      dashboard,
      upMs: Math.round(up.ms),
      idleCpuMsPerS: await cpuOver(supervisor, idleMs),
      memory: memoryOf(supervisor),
    };
    if (dashboard) {
      const url = /dashboard +(http:\/\/\S+)/.exec(up.stdout)?.[1];
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForSelector('#connection.up');
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the page's history load is over
      result.tabCpuMsPerS = await cpuOver(supervisor, idleMs);
      result.tabMemory = memoryOf(supervisor);
      // In the page: filtering a full store (the view's own cost, not the supervisor's).
      result.pageFilterMs = await page.evaluate(() => {
        const { store } = window.devstackDashboard;
        const rows = [];
        for (let i = 0; i < 1_000_000; i++) rows.push(['2026-01-01T00:00:00.000Z', 's0', 'out', `GET /api/items/${i} 200 ${i % 97} ms`]);
        store.append(rows);
        const started = performance.now();
        store.setFilter({ service: '', stream: '', query: 'items/99999', regex: false });
        const text = performance.now() - started;
        const startedRegex = performance.now();
        store.setFilter({ service: '', stream: '', query: ' 5\\d ms$', regex: true });
        return { lines: store.size, textMs: Math.round(text), regexMs: Math.round(performance.now() - startedRegex) };
      });
    }
    await timed(process.execPath, [devstackBin, 'down'], { cwd: dir, env });
    result.left = processesOfRun(id).length;
    return result;
  } finally {
    await browser?.close();
    killRun(id);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The dashboard off, on, and on with a tab, at `count` services. */
export async function dashboardCost(count, { idleMs = 10_000 } = {}) {
  const off = await measure(count, false, { idleMs });
  const on = await measure(count, true, { idleMs });
  return {
    services: count,
    upMsOff: off.upMs,
    upMsOn: on.upMs,
    idleCpuMsPerSOff: off.idleCpuMsPerS,
    idleCpuMsPerSOn: on.idleCpuMsPerS,
    idleCpuMsPerSTab: on.tabCpuMsPerS,
    rssKbOff: off.memory.rssKb,
    rssKbOn: on.memory.rssKb,
    rssKbTab: on.tabMemory.rssKb,
    privateKbOff: off.memory.privateKb,
    privateKbTab: on.tabMemory.privateKb,
    pageFilterMs: on.pageFilterMs,
    left: off.left + on.left,
  };
}

/** The CPU/MEM sampler (one pass over /proc for every service) at `count` idle services: ms per sample. */
export async function samplingCost(count) {
  const { ResourceSampler } = await import('../dist/process/resource-usage.js');
  const children = Array.from({ length: count }, () => spawn('sleep', ['60'], { stdio: 'ignore' }));
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const roots = new Map(children.map((child, i) => [`s${i}`, child.pid]));
    const sampler = new ResourceSampler();
    sampler.sample(roots);
    const times = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      sampler.sample(roots);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const processes = readFileSync('/proc/loadavg', 'utf8').split(' ')[3].split('/')[1];
    const msPerSample = Number(times[10].toFixed(2));
    // Sampled every 2 s: the share of one core it costs.
    return {
      services: count,
      processesOnMachine: Number(processes),
      msPerSample,
      cpuPercentAt2s: Number(((msPerSample / 2000) * 100).toFixed(3)),
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}
