// devstack measured the way users run it: the built CLI (`up -d`, `down`, `logs`) in a temporary
// project, timed from spawning the command to its exit, with a phase trace (DEVSTACK_TRACE) that
// attributes every millisecond of `up -d`. Lower bounds run in the same environment: a reference
// orchestrator that is itself a Node process started from the shell, a service's own cold boot, a
// raw process-group kill, `cat`. Every process carries BENCH_RUN=<id>; leftovers are counted exactly.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killRun, processesOfRun, rssKb } from './peers.js';
import { freePort, SETTLE_BEFORE_STOP_MS, sleepMs } from './util.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const devstackBin = join(here, '..', 'bin', 'devstack.js');
const serviceScript = join(here, 'fixtures', 'ready-after.js');

/** Runs a program to its exit; resolves with its wall time (ms, from spawn to exit) and output. */
export function timed(file, args, options) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }));
  });
}

/** A project of `services`; the dashboard off, as the targets are stated (its own cost: bench/dashboard-cost.js). */
export function project(services, extra = { dashboard: false }) {
  const dir = mkdtempSync(join(tmpdir(), 'devstack-bench-cli-'));
  writeFileSync(join(dir, 'services.config.ts'), `export default ${JSON.stringify({ ...extra, services })};\n`);
  return dir;
}

/** The phases of one `up -d`, in ms after the CLI process started. */
function phasesOf(traceFile) {
  const lines = readFileSync(traceFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const cli = lines[0].pid;
  const origin = lines[0].at;
  const at = (predicate) => {
    const found = lines.find(predicate);
    return found === undefined ? undefined : Math.round(found.at - origin);
  };
  const states = lines.filter((line) => / (starting|ready)$/.test(line.phase));
  return {
    cliModulesLoaded: at((line) => line.pid === cli && line.phase === 'cli-main'),
    supervisorSpawned: at((line) => line.phase === 'supervisor-spawned'),
    configLoaded: at((line) => line.phase === 'config-loaded'),
    supervisorStarted: at((line) => line.pid !== cli && line.phase === 'process-start'),
    supervisorModulesLoaded: at((line) => line.phase === 'supervisor-main'),
    supervisorHasConfig: at((line) => line.phase === 'supervisor-config'),
    firstServiceSpawned: at((line) => / starting$/.test(line.phase)),
    lastServiceReady: Math.round(Math.max(...states.filter((line) => line.phase.endsWith(' ready')).map((line) => line.at)) - origin),
    cliExit: at((line) => line.pid === cli && line.phase === 'cli-exit'),
  };
}

/** `devstack up -d`, then `devstack down`, in a new project of `services`; what was left is counted and killed. */
export async function cliUpDown(services, prefix = 'cu', { warm = true, settleMs = 0 } = {}) {
  const id = `${prefix}${Date.now()}`;
  const dir = project(services);
  const traceFile = join(dir, 'trace.jsonl');
  const env = { ...process.env, BENCH_RUN: id, NO_COLOR: '1' };
  try {
    // As every `up` after the first in a checkout: the resolved config is cached (no TypeScript or
    // zod to load). `logs -n 0` loads the config and writes the cache, nothing else.
    if (warm) await timed(process.execPath, [devstackBin, 'logs', Object.keys(services)[0], '-n', '0'], { cwd: dir, env });
    const up = await timed(process.execPath, [devstackBin, 'up', '-d'], { cwd: dir, env: { ...env, DEVSTACK_TRACE: traceFile } });
    if (up.code !== 0) throw new Error(`up -d failed: ${up.stderr}`);
    const phases = phasesOf(traceFile);
    const supervisor = JSON.parse(readFileSync(join(dir, 'logs', 'devstack.pid'), 'utf8')).pid;
    await sleepMs(settleMs);
    const down = await timed(process.execPath, [devstackBin, 'down'], { cwd: dir, env });
    if (down.code !== 0) throw new Error(`down failed: ${down.stderr}`);
    const left = processesOfRun(id).length;
    return { upMs: Math.round(up.ms), downMs: Math.round(down.ms), phases, left, supervisor };
  } finally {
    killRun(id);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The reference: an orchestrator that is itself a Node process started from the shell, as the
 * independent benchmark's was; it starts each service the moment its dependencies print
 * "listening" and says "all ready". Its own Node start is counted, as devstack's CLI start is.
 */
export async function referenceDag(services) {
  const id = `rf${Date.now()}`;
  try {
    const started = performance.now();
    const child = spawn(process.execPath, [join(here, 'fixtures', 'reference-orchestrator.js'), JSON.stringify(services)], {
      env: { ...process.env, BENCH_RUN: id },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (data) => String(data).includes('all ready') && resolve());
      child.once('exit', (code) => reject(new Error(`reference orchestrator exited with ${code}`)));
    });
    const ms = performance.now() - started;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    return Math.round(ms);
  } finally {
    killRun(id);
  }
}

/**
 * A Node program that does nothing (`node -e 0`), spawned to its exit in the same environment: the
 * floor of any CLI written in Node, devstack's included, on this machine.
 */
export async function nodeNoop() {
  return Math.round((await timed(process.execPath, ['-e', '0'], { env: process.env })).ms);
}

/** One service's own cold boot, from spawn until it answers: what no supervisor can beat. */
export async function serviceBoot() {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [serviceScript], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  for (;;) {
    const answered = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (answered) break;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const ms = performance.now() - started;
  child.kill('SIGKILL');
  return Math.round(ms);
}

/** `count` services, each with a grandchild (one in three `setsid`, out of its group). */
export function treeServices(count) {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `s${i}`,
      { command: `node ${serviceScript}`, env: { PORT: '0', GRANDCHILD: i % 3 === 0 ? 'setsid' : 'group' }, health: { log: 'listening' } },
    ]),
  );
}

/** The floor for stopping them: SIGTERM to every process group at once, until all are gone. */
export async function rawGroupKill(count) {
  const id = `rk${Date.now()}`;
  try {
    const children = Array.from({ length: count }, (_, i) =>
      spawn(process.execPath, [serviceScript], {
        env: { ...process.env, PORT: '0', GRANDCHILD: 'group', BENCH_RUN: id },
        stdio: ['ignore', 'pipe', 'ignore'],
        detached: true,
      }),
    );
    await Promise.all(children.map((child) => new Promise((resolve) => child.stdout.on('data', resolve))));
    await sleepMs(SETTLE_BEFORE_STOP_MS); // the grandchildren too
    const started = performance.now();
    for (const child of children) process.kill(-child.pid, 'SIGTERM');
    while (processesOfRun(id).length > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    return Math.round(performance.now() - started);
  } finally {
    killRun(id);
  }
}

/** Memory of the idle background supervisor and its guardian with `count` services (RSS and private). */
export async function cliIdleMemory(count) {
  const id = `im${Date.now()}`;
  const services = Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `s${i}`,
      { command: `node ${serviceScript}`, port: 'auto', health: 'http://127.0.0.1:${port}/' },
    ]),
  );
  const dir = project(services);
  const env = { ...process.env, BENCH_RUN: id };
  try {
    const up = await timed(process.execPath, [devstackBin, 'up', '-d'], { cwd: dir, env });
    if (up.code !== 0) throw new Error(`up -d failed: ${up.stderr}`);
    const supervisor = JSON.parse(readFileSync(join(dir, 'logs', 'devstack.pid'), 'utf8')).pid;
    await new Promise((resolve) => setTimeout(resolve, 1500)); // idle
    const guardian = guardianOf(supervisor);
    const memory = { supervisor: memoryOf(supervisor), guardian: guardian === undefined ? undefined : memoryOf(guardian) };
    const down = await timed(process.execPath, [devstackBin, 'down'], { cwd: dir, env });
    return { services: count, upMs: Math.round(up.ms), downMs: Math.round(down.ms), ...memory, left: processesOfRun(id).length };
  } finally {
    killRun(id);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The guardian: the `sh` the supervisor started, waiting on its pipe (it keeps only PATH of the environment). */
function guardianOf(supervisor) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === supervisor && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('devstack-guardian')) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

/** RSS, and the private part (what this process alone costs: RssAnon + its own file pages). */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const rollup = existsSync(`/proc/${pid}/smaps_rollup`) ? readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8') : '';
  const rollupKb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
  return {
    rssKb: rssKb(pid).rssKb,
    anonKb: kb('RssAnon'),
    privateKb: rollupKb('Private_Clean') + rollupKb('Private_Dirty'),
    pssKb: rollupKb('Pss'),
  };
}

/** `devstack logs <svc> > /dev/null` on a ~100 MB log (rotated into several files) against `cat` of the same files. */
export async function logsReadSpeed(megabytes = 100) {
  const dir = project({ big: { command: 'node -e 0' } });
  try {
    const logs = join(dir, 'logs');
    const line = `${new Date().toISOString()} out ${'x'.repeat(90)}\n`;
    const chunk = line.repeat(Math.floor((1024 * 1024) / line.length));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(logs, { recursive: true });
    // As rotation leaves them: big.log.3 (oldest) … big.log.1, big.log (newest).
    const files = ['big.log.3', 'big.log.2', 'big.log.1', 'big.log'];
    for (const [index, name] of files.entries()) {
      const share = Math.round(megabytes / files.length) + (index === files.length - 1 ? megabytes % files.length : 0);
      writeFileSync(join(logs, name), chunk.repeat(share));
    }
    const devnull = { cwd: dir, env: process.env };
    const paths = files.map((name) => join(logs, name)).join(' ');
    // Warm, as users run it again and again: the config's cache is written by the first run.
    await timed('sh', ['-c', `node ${devstackBin} logs big -n 1 > /dev/null`], devnull);
    const best = async (command) => {
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await timed('sh', ['-c', command], devnull));
      return runs.sort((a, b) => a.ms - b.ms)[1];
    };
    // `cat` copies bytes; `cut -c30-` also drops each line's 29-character prefix, as `devstack logs` does.
    const cat = await best(`cat ${paths} > /dev/null`);
    const cut = await best(`cut -c30- ${paths} > /dev/null`);
    const devstack = await best(`node ${devstackBin} logs big > /dev/null`);
    const lines = await timed('sh', ['-c', `node ${devstackBin} logs big | wc -l`], devnull);
    const expected = files.reduce((sum, name) => sum + readFileSync(join(logs, name), 'utf8').split('\n').length - 1, 0);
    return {
      megabytes,
      catMs: Math.round(cat.ms),
      cutMs: Math.round(cut.ms),
      devstackMs: Math.round(devstack.ms),
      ratio: Number((devstack.ms / cat.ms).toFixed(1)),
      cutRatio: Number((devstack.ms / cut.ms).toFixed(2)),
      linesPrinted: Number(lines.stdout.trim()),
      linesInFiles: expected,
      files: readdirSync(logs).length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
