// Scenarios against the tools users would otherwise run: concurrently + wait-on and PM2, on the
// same services in the same run. Every child carries BENCH_RUN=<id> in its environment so leftovers
// are counted exactly, then removed.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTLE_BEFORE_STOP_MS, sleepMs } from './util.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const bin = (name) => join(here, '..', 'node_modules', '.bin', name);
const serviceScript = join(here, 'fixtures', 'ready-after.js');
const devstackBin = join(here, '..', 'bin', 'devstack.js');

/** Live pids whose environment holds `BENCH_RUN=<id>`. */
export function processesOfRun(id) {
  const needle = Buffer.from(`\0BENCH_RUN=${id}\0`);
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      if (Buffer.concat([Buffer.from('\0'), readFileSync(`/proc/${entry}/environ`), Buffer.from('\0')]).includes(needle))
        pids.push(Number(entry));
    } catch {
      // gone or not readable
    }
  }
  return pids;
}

export function killRun(id) {
  for (const pid of processesOfRun(id)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Runs a scenario under a fresh BENCH_RUN marker and, however it ends (a timeout throws), kills
 * every process still carrying the marker: a failed scenario must not leave services running.
 */
async function withRun(prefix, scenario) {
  const id = `${prefix}${Date.now()}`;
  try {
    return await scenario(id);
  } finally {
    killRun(id);
  }
}

function tailOf(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch {
    return ''; // between a rotation's rename and the new file
  }
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(200, size));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString();
  } finally {
    closeSync(fd);
  }
}

export function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)[1]), peakKb: Number(/VmHWM:\s+(\d+)/.exec(status)[1]) };
}

export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, at 100 ticks/s
}

async function waitUntil(predicate, timeoutMs = 60_000) {
  const started = Date.now();
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function answers(port) {
  return fetch(`http://127.0.0.1:${port}/`).then(
    () => true,
    () => false,
  );
}

function supervisorPid(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'logs', 'devstack.pid'), 'utf8')).pid;
  } catch {
    return undefined;
  }
}

/** concurrently + wait-on, the usual hand-written equivalent: every edge is a `wait-on tcp:` guard. */
export async function concurrentlyDag(services) {
  return withRun('cw', async (id) => {
    const commands = Object.entries(services).map(([name, service]) => {
      const guards = service.dependsOn.map((dependency) => `tcp:127.0.0.1:${services[dependency].port}`);
      const start = `PORT=${service.port} READY_DELAY_MS=${service.env.READY_DELAY_MS} node ${serviceScript}`;
      return guards.length === 0 ? start : `${bin('wait-on')} ${guards.join(' ')} && ${start}`;
    });
    const started = Date.now();
    const child = spawn(bin('concurrently'), ['--raw', ...commands], {
      env: { ...process.env, BENCH_RUN: id },
      stdio: 'ignore',
      detached: true,
    });
    await waitUntil(async () => (await Promise.all(Object.values(services).map((service) => answers(service.port)))).every(Boolean));
    const elapsed = Date.now() - started;
    process.kill(-child.pid, 'SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    return elapsed;
  });
}

function treeServices(count, id) {
  return Array.from({ length: count }, (_, i) => ({ name: `s${i}`, grandchild: i % 3 === 0 ? 'setsid' : 'group', id }));
}

/** PM2: start `count` services with grandchildren, then time `pm2 delete all` and count what is left. */
export async function pm2Stop(count) {
  return withRun('pm', async (id) => {
    const home = mkdtempSync(join(tmpdir(), 'devstack-bench-pm2-'));
    const env = { ...process.env, PM2_HOME: home, BENCH_RUN: id };
    const apps = treeServices(count, id).map((service) => ({
      name: service.name,
      script: serviceScript,
      env: { PORT: '0', GRANDCHILD: service.grandchild, BENCH_RUN: id }, // port 0: the kernel picks, nothing can collide
      autorestart: false,
    }));
    writeFileSync(join(home, 'ecosystem.config.cjs'), `module.exports = ${JSON.stringify({ apps })};\n`);
    execFileSync(bin('pm2'), ['start', join(home, 'ecosystem.config.cjs')], { env, stdio: 'ignore' });
    await waitUntil(() => processesOfRun(id).length >= count * 2 + 1); // each app + its grandchild (+ the daemon)
    await sleepMs(SETTLE_BEFORE_STOP_MS);
    const daemonPid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8'));
    const memory = rssKb(daemonPid);
    const started = Date.now();
    execFileSync(bin('pm2'), ['delete', 'all'], { env, stdio: 'ignore' });
    const elapsed = Date.now() - started;
    const left = processesOfRun(id).filter((pid) => pid !== daemonPid).length;
    execFileSync(bin('pm2'), ['kill'], { env, stdio: 'ignore' });
    return { stopMs: elapsed, left, daemonRssKb: memory.rssKb };
  });
}

/** concurrently: Ctrl-C (SIGINT to concurrently) and count what is left. */
export async function concurrentlyStop(count) {
  return withRun('cs', async (id) => {
    const commands = treeServices(count, id).map((service) => `PORT=0 GRANDCHILD=${service.grandchild} node ${serviceScript}`);
    const child = spawn(bin('concurrently'), ['--raw', ...commands], { env: { ...process.env, BENCH_RUN: id }, stdio: 'ignore' });
    await waitUntil(() => processesOfRun(id).length >= count * 2);
    await sleepMs(SETTLE_BEFORE_STOP_MS);
    const started = Date.now();
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    const elapsed = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const left = processesOfRun(id).length;
    return { stopMs: elapsed, left };
  });
}

/** devstack through its CLI (up -d): memory of the idle supervisor with `count` services, then down. */
export async function devstackIdleMemory(count) {
  return withRun('dm', async (id) => {
    const dir = mkdtempSync(join(tmpdir(), 'devstack-bench-mem-'));
    const services = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [
        `s${i}`,
        { command: `node ${serviceScript}`, port: 'auto', health: 'http://127.0.0.1:${port}/' },
      ]),
    );
    writeFileSync(join(dir, 'services.config.ts'), `export default ${JSON.stringify({ dashboard: false, services })};\n`);
    const env = { ...process.env, BENCH_RUN: id };
    const upStarted = Date.now();
    execFileSync(process.execPath, [devstackBin, 'up', '-d'], { cwd: dir, env, stdio: 'ignore' });
    const upMs = Date.now() - upStarted;
    const supervisor = JSON.parse(readFileSync(join(dir, 'logs', 'devstack.pid'), 'utf8')).pid;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // idle
    const memory = rssKb(supervisor);
    const cpuBefore = cpuMs(supervisor);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idleCpuMsPerSecond = (cpuMs(supervisor) - cpuBefore) / 2;
    const shells = processesOfRun(id).filter((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sh').length;
    const downStarted = Date.now();
    execFileSync(process.execPath, [devstackBin, 'down'], { cwd: dir, env, stdio: 'ignore' });
    const downMs = Date.now() - downStarted;
    const left = processesOfRun(id).length;
    return { services: count, upMs, downMs, rssKb: memory.rssKb, idleCpuMsPerSecond, shellProcesses: shells, left };
  });
}

/** 1M lines (~100 MB) from one service into its log file, against `node service > file`. */
export async function logThroughput(lines = 1_000_000) {
  return withRun('lt', async (id) => {
    const script = join(here, '..', 'test', 'fixtures', 'bin', 'burst.js');
    const dir = mkdtempSync(join(tmpdir(), 'devstack-bench-log-'));
    const rawStarted = Date.now();
    const rawFile = openSync(join(dir, 'raw.log'), 'w');
    const raw = spawn(process.execPath, [script], {
      stdio: ['ignore', rawFile, 'ignore'],
      env: { ...process.env, COUNT: String(lines), EXIT_AT_END: '1' },
    });
    await new Promise((resolve) => raw.once('exit', resolve));
    closeSync(rawFile);
    const rawMs = Date.now() - rawStarted;

    writeFileSync(
      join(dir, 'services.config.ts'),
      // Rotation on, as users run it (20 MB files), with enough kept to check every line afterwards.
      `export default { dashboard: false, logRotation: { maxSize: '20mb', keep: 20 }, services: { burst: { command: 'node ${script}', env: { COUNT: '${lines}', EXIT_AT_END: '1' }, restart: 'no', health: { log: 'burst ready' } } } };\n`,
    );
    const env = { ...process.env, BENCH_RUN: id };
    execFileSync(process.execPath, [devstackBin, 'up', '-d'], { cwd: dir, env, stdio: 'ignore' });
    // A short burst can be over, and its supervisor gone with its PID file, by the time `up -d` returns.
    const supervisor = supervisorPid(dir);
    const logFile = join(dir, 'logs', 'burst.log');
    let peakKb = 0;
    await waitUntil(() => {
      try {
        if (supervisor !== undefined) peakKb = Math.max(peakKb, rssKb(supervisor).peakKb);
      } catch {
        // the supervisor exits once the service has: its last reading stands
      }
      return tailOf(logFile).includes(`END ${lines}`);
    }, 180_000);
    execFileSync(process.execPath, [devstackBin, 'down'], { cwd: dir, env, stdio: 'ignore' });
    // Every file of the log, oldest first (burst.log.N … burst.log.1, burst.log).
    const rotated = readdirSync(join(dir, 'logs'))
      .flatMap((name) => (/^burst\.log\.(\d+)$/.exec(name) ? [Number(/\d+$/.exec(name)[0])] : []))
      .sort((a, b) => b - a);
    const logText = [...rotated.map((index) => `${logFile}.${index}`), logFile].map((file) => readFileSync(file, 'utf8')).join('');
    // From the service's spawn to its last line, by the log's own timestamps (not the CLI's start-up).
    const spawnedAt = Date.parse(/^(\S+) sys \S+ started \(pid/m.exec(logText)[1]);
    const endAt = Date.parse(new RegExp(`^(\\S+) out END ${lines}$`, 'm').exec(logText)[1]);
    const devstackMs = endAt - spawnedAt;
    // Count lines: every numbered line present once, whole, in order.
    let expected = 1;
    let torn = 0;
    for (const line of logText.split('\n')) {
      const match = / out (\d+) x+$/.exec(line);
      if (match) {
        if (Number(match[1]) === expected) expected++;
        else torn++;
      }
    }
    return {
      lines,
      files: rotated.length + 1,
      rawMs,
      devstackMs,
      ratio: Number((devstackMs / rawMs).toFixed(2)),
      lost: lines - (expected - 1),
      torn,
      supervisorPeakRssKb: peakKb,
    };
  });
}
