// The benchmark's scenarios on devstack's own Supervisor (the same code path as `devstack up`, minus
// the CLI), and their lower bounds. run.js runs and reports them; test/e2e/bench-smoke.test.ts runs
// each once at a small size, so a change in dist/ cannot break the benchmark unnoticed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './util.js';
import { resolveConfig } from '../dist/config/resolve.js';
import { validateUserConfig } from '../dist/config/schema.js';
import { listProcesses } from '../dist/process/proc-table.js';
import { Supervisor } from '../dist/supervisor/supervisor.js';
import { ensureLogsDir } from '../dist/app/state-dir.js';
import { definedEnv } from '../dist/env/service-env.js';
import { createLogFiles } from '../dist/logs/log-files.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const serviceScript = join(here, 'fixtures', 'ready-after.js');

/**
 * Runs `scenario` with a Supervisor over `services` and a start() of all of them (the same path as
 * `devstack up` minus the CLI). Everything is stopped and closed afterwards, also when the scenario
 * throws: a failed bench must not leave services running. stopAll() may be called inside too (it
 * runs once).
 */
async function withSupervisor(services, scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'devstack-bench-'));
  const parsed = validateUserConfig({ services });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const config = resolveConfig({ config: parsed.value, file: join(dir, 'services.config.ts'), displayFile: 'services.config.ts' });
  ensureLogsDir(config.logsDir, 'logs');
  // The same environment the hand-written bound gives its children (it matters: on some machines
  // NODE_EXTRA_CA_CERTS alone adds ~50 ms to every Node start).
  // Fixed ports only here: each service's port plan is its ports by name (the main one first).
  const ports = new Map(config.services.map((service) => [service.name, new Map(service.ports.map((port) => [port.name, port.port]))]));
  const supervisor = new Supervisor({
    config,
    runId: `bench-${Date.now()}`,
    project: `bench-${Date.now()}`,
    processEnv: definedEnv(process.env),
    mode: 'development',
    ports,
  });
  // As `devstack up` does: the log files are a subscriber of the supervisor's events.
  const logFiles = createLogFiles(config.logsDir, config.logRotation);
  supervisor.events.subscribe(logFiles.listener);
  const names = config.services.map((service) => service.name);
  try {
    return await scenario({ supervisor, start: () => supervisor.start(names) });
  } finally {
    await supervisor.stopAll();
    await logFiles.close();
  }
}

/** 10 services, 3 levels: 3 roots (300 ms), 4 in the middle (200 ms), 3 leaves (200 ms): critical path 700 ms. */
/** Distinct free ports: the kernel may hand the same free port to two consecutive asks. */
async function distinctPorts(count) {
  const ports = new Set();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export async function dagServices() {
  const names = { roots: ['r0', 'r1', 'r2'], middle: ['m0', 'm1', 'm2', 'm3'], leaves: ['l0', 'l1', 'l2'] };
  const deps = { m0: ['r0'], m1: ['r0', 'r1'], m2: ['r1'], m3: ['r2'], l0: ['m0', 'm1'], l1: ['m2'], l2: ['m3', 'r2'] };
  const services = {};
  const all = [...names.roots, ...names.middle, ...names.leaves];
  const ports = await distinctPorts(all.length);
  for (const [index, name] of all.entries()) {
    const port = ports[index];
    services[name] = {
      command: ['node', serviceScript],
      port,
      env: { READY_DELAY_MS: name.startsWith('r') ? 300 : 200 },
      dependsOn: deps[name] ?? [],
      health: `http://127.0.0.1:${port}/`,
    };
  }
  return services;
}

let lastTimeline = [];
/** The spawn and ready times of the last devstackDag run, for the timeline chart. */
export const timelineOfLastDag = () => lastTimeline;

export function devstackDag(services) {
  return withSupervisor(services, async ({ supervisor, start }) => {
    const started = Date.now();
    const timeline = new Map();
    supervisor.events.subscribe((event) => {
      if (event.type !== 'state') return;
      if (event.state.type === 'starting') timeline.set(event.service, { name: event.service, spawnMs: event.state.startedAt - started });
      if (event.state.type === 'ready') timeline.get(event.service).readyMs = event.state.readyAt - started;
    });
    const outcome = await start();
    const elapsed = Date.now() - started;
    lastTimeline = [...timeline.values()].sort((a, b) => a.spawnMs - b.spawnMs);
    if (outcome.type !== 'ready') throw new Error(`DAG failed: ${JSON.stringify(outcome)}`);
    return elapsed;
  });
}

export async function readinessLag() {
  const port = await freePort();
  return withSupervisor(
    { svc: { command: ['node', serviceScript], port, env: { READY_DELAY_MS: 300 }, health: `http://127.0.0.1:${port}/` } },
    async ({ supervisor, start }) => {
      let listeningAt;
      let readyAt;
      supervisor.events.subscribe((event) => {
        if (event.type === 'output')
          for (const line of event.lines) listeningAt ??= Number(/listening at=(\d+)/.exec(line)?.[1]) || undefined;
        if (event.type === 'state' && event.state.type === 'ready') readyAt = event.state.readyAt;
      });
      await start();
      return readyAt - listeningAt;
    },
  );
}

function liveDescendantsOf(runId) {
  return listProcesses().filter((info) => {
    try {
      return readFileSync(`/proc/${info.pid}/environ`).includes(`DEVSTACK_RUN_ID=${runId}`);
    } catch {
      return false;
    }
  }).length;
}

export async function stopMany(count) {
  const services = {};
  for (let i = 0; i < count; i++) {
    services[`s${i}`] = {
      command: ['node', serviceScript],
      env: { PORT: 0, GRANDCHILD: i % 3 === 0 ? 'setsid' : 'group' },
      health: { log: 'listening' },
    };
  }
  return withSupervisor(services, async ({ supervisor, start }) => {
    const outcome = await start();
    if (outcome.type !== 'ready') throw new Error(`stop scenario failed to start: ${JSON.stringify(outcome)}`);
    const started = Date.now();
    await supervisor.stopAll();
    const elapsed = Date.now() - started;
    return { elapsed, left: liveDescendantsOf(supervisor.runId) };
  });
}

export async function sigkillTiming() {
  const stubborn = {
    command: ['node', serviceScript],
    port: await freePort(),
    env: { IGNORE_SIGTERM: 1 },
    health: { log: 'listening' },
    stopTimeout: 2000,
  };
  return withSupervisor({ stubborn }, async ({ supervisor, start }) => {
    await start();
    const started = Date.now();
    await supervisor.stopAll();
    return Date.now() - started;
  });
}

/** CPU the supervisor uses while a service crashes right after every start (back-off only). */
export function crashLoopCpu() {
  return withSupervisor({ crashy: { command: ['node', '-e', 'setTimeout(() => process.exit(1), 50)'] } }, async ({ supervisor, start }) => {
    await start();
    const before = process.cpuUsage();
    const windowMs = 8000;
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const used = process.cpuUsage(before);
    const restarts = supervisor.snapshot()[0].restarts;
    return { cpuMsPerSecond: Number(((used.user + used.system) / 1000 / (windowMs / 1000)).toFixed(1)), restarts, windowMs };
  });
}

export async function repeat(runs, scenario) {
  const values = [];
  for (let i = 0; i < runs; i++) values.push(await scenario());
  return values;
}
