/**
 * `devstack down`: asks the running supervisor to stop, or, when none answers (it was killed, or
 * hangs), stops what the PID files and run markers say is still running, in reverse dependency
 * order. Idempotent: with nothing running it reports so and succeeds.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import { callControl } from '../control/client.js';
import type { StatusResponse } from '../control/protocol.js';
import { controlSocketAddress } from '../control/socket-address.js';
import { inReverseDependencyOrder, withDependents } from '../graph/graph.js';
import { stopProcessTree } from '../process/kill.js';
import { readServicePidFiles, readSupervisorPidFile, removeServicePidFile, removeSupervisorPidFile } from '../process/pid-file.js';
import { createProcessSnapshot, isSameProcessAlive } from '../process/proc-table.js';
import { RUN_ID_VAR, SERVICE_VAR } from '../process/run-marker.js';
import { DEFAULT_STOP_TIMEOUT_MS } from '../config/resolved.js';
import { sleep } from '../util/sleep.js';
import { removeStackContainers } from '../databases/cleanup.js';

export type StopReport =
  | { readonly type: 'nothing-running' }
  | { readonly type: 'stopped-by-supervisor'; readonly services: readonly string[] }
  | {
      readonly type: 'stopped-from-pid-files';
      readonly services: readonly string[];
      readonly strays: number;
      readonly killedSupervisor: boolean;
    };

export interface StopStackOptions {
  readonly config: ResolvedConfig;
  /** Stop these and their dependents; empty for everything. */
  readonly services: readonly string[];
  /** devstack's PATH, to find docker or podman for database containers. */
  readonly pathVariable: string | undefined;
}

export async function stopStack({ config, services, pathVariable }: StopStackOptions): Promise<StopReport> {
  const address = controlSocketAddress(config.logsDir);
  const status = await callControl<StatusResponse>(address, 'GET', '/status', undefined, 3000);
  if (status.ok) {
    const targets = services.length === 0 ? status.body.services.map((service) => service.name) : withDependents(config.services, services);
    const running = status.body.services
      .filter((service) => targets.includes(service.name) && isRunningState(service.state))
      .map((service) => service.name);
    const longestStop = Math.max(DEFAULT_STOP_TIMEOUT_MS, ...config.services.map((service) => service.stopTimeoutMs));
    const reply = await callControl(address, 'POST', '/stop', { services }, longestStop * config.services.length + 10_000);
    if (reply.ok) {
      if (services.length === 0) await waitForExit(status.body.pid, 10_000);
      return { type: 'stopped-by-supervisor', services: running };
    }
    // The supervisor stopped answering half-way: finish the job from the PID files.
  }
  return stopFromPidFiles(config, services, pathVariable);
}

function isRunningState(state: string): boolean {
  return state === 'starting' || state === 'ready' || state === 'stopping' || state === 'pending' || state === 'backoff';
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isSameProcessAlive(pid) && Date.now() < deadline) await sleep(10);
}

async function stopFromPidFiles(config: ResolvedConfig, names: readonly string[], pathVariable: string | undefined): Promise<StopReport> {
  const logsDir = config.logsDir;
  const stopEverything = names.length === 0;
  const supervisor = readSupervisorPidFile(logsDir);
  let killedSupervisor = false;
  if (stopEverything && supervisor && isSameProcessAlive(supervisor.pid, supervisor.startTime)) {
    // Alive but not answering its socket: it cannot be trusted to stop or restart anything.
    process.kill(supervisor.pid, 'SIGKILL');
    killedSupervisor = true;
  }

  const wanted = stopEverything ? undefined : new Set(withDependents(config.services, names));
  const records = readServicePidFiles(logsDir).filter((record) => wanted === undefined || wanted.has(record.service));
  const byName = new Map(records.map((record) => [record.service, record]));
  const stoppedNames: string[] = [];
  const snapshot = createProcessSnapshot();
  // Records of services no longer in the config have no known dependents: they stop at once.
  await inReverseDependencyOrder(config.services, [...byName.keys()], async (name) => {
    const record = byName.get(name)!;
    const service = config.services.find((candidate) => candidate.name === name);
    const outcome = await stopProcessTree(
      {
        pid: record.pid,
        pgid: record.pgid,
        startTime: record.startTime,
        markerEntries: [`${RUN_ID_VAR}=${record.runId}`, `${SERVICE_VAR}=${record.service}`],
      },
      { signal: service?.stopSignal ?? 'SIGTERM', timeoutMs: service?.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, snapshot },
    );
    if (outcome.signalled > 0) stoppedNames.push(name);
    removeServicePidFile(logsDir, name);
  });

  let strays = 0;
  if (stopEverything) {
    // Whatever still carries a recorded run's marker: helpers of services whose PID file is gone.
    const runIds = new Set([...records.map((record) => record.runId), ...(supervisor ? [supervisor.runId] : [])]);
    for (const runId of runIds) {
      const outcome = await stopProcessTree(
        { pid: undefined, pgid: undefined, startTime: undefined, markerEntries: [`${RUN_ID_VAR}=${runId}`] },
        { signal: 'SIGTERM', timeoutMs: 2000, snapshot },
      );
      strays += outcome.signalled;
    }
    removeSupervisorPidFile(logsDir);
    // A database container outlives its killed `docker run` client.
    strays += await removeStackContainers(config, pathVariable);
  }
  if (stoppedNames.length === 0 && strays === 0 && !killedSupervisor) return { type: 'nothing-running' };
  const order = config.services.map((service) => service.name);
  stoppedNames.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return { type: 'stopped-from-pid-files', services: stoppedNames, strays, killedSupervisor };
}
