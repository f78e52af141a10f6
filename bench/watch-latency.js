// Edit a watched file → the service answers from a new pid. devstack, nodemon and `node --watch`
// run the same service in the same run; each result is set against the service's own cold boot
// time, measured in the same run (the lower bound: no watcher can beat a fresh start).
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, median, summary } from './util.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BOOT_MS = 200;

function answer(port) {
  return new Promise((resolve) => {
    const call = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 500 }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    });
    call.on('error', () => resolve(undefined));
    call.on('timeout', () => call.destroy());
    call.end();
  });
}

/** Polls every 2 ms until the answer satisfies `accept`; returns the time it took. */
async function until(port, accept, timeoutMs = 20_000) {
  const started = performance.now();
  for (;;) {
    const body = await answer(port);
    if (body !== undefined && accept(body)) return { ms: performance.now() - started, body };
    if (performance.now() - started > timeoutMs) throw new Error(`no answer on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'devstack-bench-watch-'));
  copyFileSync(join(here, 'fixtures', 'pid-server.js'), join(dir, 'server.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  return dir;
}

function stopTree(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
  });
}

function devstack(debounceMs) {
  return (dir, port) => {
    const watch = debounceMs === undefined ? 'true' : `{ debounceMs: ${debounceMs} }`;
    writeFileSync(
      join(dir, 'services.config.ts'),
      `export default { dashboard: false, services: { app: { command: 'node server.js', port: ${port}, health: 'http://127.0.0.1:${port}/', watch: ${watch}, env: { BOOT_MS: '${BOOT_MS}' } } } };\n`,
    );
    return spawn(process.execPath, [join(here, '..', 'bin', 'devstack.js'), 'up'], { cwd: dir, detached: true, stdio: 'ignore' });
  };
}

const tools = {
  devstack: devstack(undefined),
  'devstack (debounceMs: 0)': devstack(0),
  nodemon: (dir, port) =>
    spawn(process.execPath, [join(here, '..', 'node_modules', 'nodemon', 'bin', 'nodemon.js'), '--watch', dir, 'server.js'], {
      cwd: dir,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, PORT: String(port), BOOT_MS: String(BOOT_MS) },
    }),
  'node --watch': (dir, port) =>
    spawn(process.execPath, ['--watch-path', dir, 'server.js'], {
      cwd: dir,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, PORT: String(port), BOOT_MS: String(BOOT_MS) },
    }),
};

async function coldBoot() {
  const dir = project();
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['server.js'], {
    cwd: dir,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, PORT: String(port), BOOT_MS: String(BOOT_MS) },
  });
  await until(port, () => true);
  const ms = performance.now() - started;
  await stopTree(child);
  return ms;
}

async function editToNewPid(tool) {
  const dir = project();
  const port = await freePort();
  const child = tools[tool](dir, port);
  const { body: firstPid } = await until(port, () => true);
  await new Promise((resolve) => setTimeout(resolve, 500)); // let the watcher settle
  const latencies = [];
  let pid = firstPid;
  for (let i = 0; i < RUNS; i++) {
    const before = pid;
    const started = performance.now();
    appendFileSync(join(dir, 'server.js'), `// edit ${i}\n`);
    const { body } = await until(port, (answer) => answer !== before);
    latencies.push(performance.now() - started);
    pid = body;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // human pace between saves
  }
  await stopTree(child);
  return latencies;
}

export async function runWatchBench(log) {
  const boots = [];
  for (let i = 0; i < RUNS; i++) boots.push(await coldBoot());
  const boot = median(boots);
  const results = { coldBootMs: summary(boots), tools: {} };
  log(`watch: the service's cold boot takes ${Math.round(boot)} ms (median)`);
  for (const tool of Object.keys(tools)) {
    const latencies = await editToNewPid(tool);
    results.tools[tool] = {
      editToNewPidMs: summary(latencies),
      overheadMs: Math.round(median(latencies) - boot),
      ratioToBoot: Number((median(latencies) / boot).toFixed(2)),
    };
    log(
      `watch: ${tool.padEnd(24)} edit → new pid answering: ${Math.round(median(latencies))} ms median (${results.tools[tool].ratioToBoot}× boot, overhead ${results.tools[tool].overheadMs} ms)`,
    );
  }
  results.target = "devstack's overhead ≤ debounce (100 ms) + 100 ms, and its latency ≤ nodemon's";
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await runWatchBench((line) => console.error(line)), null, 2));
}
