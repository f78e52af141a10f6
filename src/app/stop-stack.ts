/**
 * Stopping a stack from outside its supervisor: `devstack down` (asking the supervisor when it
 * answers) and the guardian's reaper (when it is dead). Without a supervisor, every process is
 * found by its markers — the stack's DEVSTACK_PROJECT plus the service's DEVSTACK_SERVICE — so
 * deleted PID files or a logs folder moved while the stack ran change nothing; PID files still
 * add their leader's identity, and the run ids of older runs. Services stop in reverse dependency
 * order, each with its stop signal and timeout.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import { DEFAULT_STOP_TIMEOUT_MS } from '../config/resolved.js';
import type { ControlClient } from '../control/client.js';
import { containerLabelOf, removeStackContainers } from '../databases/cleanup.js';
import { inReverseDependencyOrder, withDependents } from '../graph/graph.js';
import { stopProcessTree, type ProcessTreeRef } from '../process/kill.js';
import { readServicePidFiles, readSupervisorPidFile, removeServicePidFile, removeSupervisorPidFile } from '../process/pid-file.js';
import { createProcessSnapshot, isSameProcessAlive } from '../process/proc-table.js';
import { projectEntry, RUN_ID_VAR, SERVICE_VAR } from '../process/run-marker.js';
import type { StateId } from '../supervisor/service-state.js';
import { sleep } from '../util/sleep.js';
import { trace } from '../util/trace.js';
import { recordedServices, removeRunRecord, type RecordedService, type RunRecord } from './run-record.js';

export type StopReport =
  | { readonly type: 'nothing-running' }
  | { readonly type: 'stopped-by-supervisor'; readonly services: readonly string[] }
  | {
      readonly type: 'stopped-without-supervisor';
      readonly services: readonly string[];
      readonly strays: number;
      readonly killedSupervisor: boolean;
    };

/** What is needed to stop a stack with no supervisor to ask. */
export interface StopPlan {
  readonly project: string;
  readonly logsDir: string;
  readonly services: readonly RecordedService[];
  /** The label of its database containers, if it may have some. */
  readonly containerLabel: string | undefined;
  readonly recordPath: string;
  readonly supervisor: { readonly pid: number; readonly startTime: number | undefined } | undefined;
}

export function stopPlanFor(config: ResolvedConfig, project: string, recordPath: string, record: RunRecord | undefined): StopPlan {
  const supervisorFile = readSupervisorPidFile(record?.logsDir ?? config.logsDir);
  return {
    project,
    // The logs folder of the run, even if the config has moved it since.
    logsDir: record?.logsDir ?? config.logsDir,
    services:
      record?.services ??
      recordedServices(
        config,
        config.services.map((service) => service.name),
      ),
    containerLabel: record?.containerLabel ?? containerLabelOf(config),
    recordPath,
    supervisor: record !== undefined ? record : supervisorFile,
  };
}

/** The guardian's reaper has only the record: the config may be gone or broken by now. */
export function stopPlanFromRecord(record: RunRecord, recordPath: string): StopPlan {
  return {
    project: record.project,
    logsDir: record.logsDir,
    services: record.services,
    containerLabel: record.containerLabel,
    recordPath,
    supervisor: undefined, // dead: that is why the reaper runs
  };
}

export function isActiveState(state: StateId): boolean {
  return state === 'starting' || state === 'ready' || state === 'stopping' || state === 'backoff' || state === 'pending';
}

export interface StopStackOptions {
  readonly client: ControlClient;
  /** Only needed when the supervisor does not answer (it may mean loading the config). */
  readonly plan: () => StopPlan | Promise<StopPlan>;
  /** Stop these and their dependents; empty for everything. */
  readonly services: readonly string[];
  /** devstack's PATH, to find docker or podman for database containers. */
  readonly pathVariable: string | undefined;
  /** The supervisor's status, when the caller has just asked for it (one round trip less). */
  readonly status?: Awaited<ReturnType<ControlClient['status']>> | undefined;
}

export async function stopStack({ client, plan, services, pathVariable, status: known }: StopStackOptions): Promise<StopReport> {
  const status = known ?? (await client.status());
  if (status.ok) {
    const active = (names: readonly string[]): string[] =>
      status.value.services
        .filter((service) => names.includes(service.name) && isActiveState(service.state))
        .map((service) => service.name);
    if (services.length > 0) {
      const stopped = await client.stop(services);
      if (stopped.ok) {
        const after = await client.status();
        const stillRunning = after.ok && after.value.services.some((service) => isActiveState(service.state));
        // Nothing left running: the supervisor has no more reason to live.
        if (!stillRunning && after.ok) await shutdown(client, after.value.pid);
        return { type: 'stopped-by-supervisor', services: active(stopped.value.stopped) };
      }
    } else {
      const running = active(status.value.services.map((service) => service.name));
      if ((await shutdown(client, status.value.pid)).ok) return { type: 'stopped-by-supervisor', services: running };
    }
    // The supervisor stopped answering half-way: finish the job without it.
  }
  return stopWithoutSupervisor(await plan(), services, pathVariable, { killSupervisor: true });
}

async function shutdown(client: ControlClient, pid: number): Promise<{ ok: boolean }> {
  trace('shutdown-sent');
  const reply = await client.shutdown();
  trace('shutdown-answered');
  if (reply.ok) await waitForExit(pid, 10_000);
  return reply;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  // Its services are stopped when it answers: what is left is flushing its logs and exiting, a few
  // milliseconds that every `down` waits for (one /proc read per check).
  const deadline = Date.now() + timeoutMs;
  while (isSameProcessAlive(pid) && Date.now() < deadline) await sleep(2);
}

export async function stopWithoutSupervisor(
  plan: StopPlan,
  names: readonly string[],
  pathVariable: string | undefined,
  options: { readonly killSupervisor: boolean },
): Promise<StopReport> {
  const everything = names.length === 0;
  let killedSupervisor = false;
  const { supervisor } = plan;
  if (options.killSupervisor && everything && supervisor !== undefined && isSameProcessAlive(supervisor.pid, supervisor.startTime)) {
    // Alive but not answering its socket: it cannot be trusted to stop or restart anything.
    process.kill(supervisor.pid, 'SIGKILL');
    killedSupervisor = true;
  }
  const wanted = everything ? plan.services.map((service) => service.name) : withDependents(plan.services, names);
  const records = readServicePidFiles(plan.logsDir);
  const snapshot = createProcessSnapshot();
  const stopped: string[] = [];
  await inReverseDependencyOrder(plan.services, wanted, async (name) => {
    const service = plan.services.find((candidate) => candidate.name === name);
    const record = records.find((candidate) => candidate.service === name);
    const options = { signal: service?.stopSignal ?? 'SIGTERM', timeoutMs: service?.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, snapshot };
    const refs: ProcessTreeRef[] = [
      {
        pid: record?.pid,
        pgid: record?.pgid,
        startTime: record?.startTime,
        markerEntries: [projectEntry(plan.project), `${SERVICE_VAR}=${name}`],
      },
    ];
    // A run of an older devstack marked its processes with the run id only.
    if (record !== undefined)
      refs.push({
        pid: undefined,
        pgid: undefined,
        startTime: undefined,
        markerEntries: [`${RUN_ID_VAR}=${record.runId}`, `${SERVICE_VAR}=${name}`],
      });
    // One after the other: the second only finds what the first could not (an older run's processes).
    const outcomes = [];
    for (const ref of refs) outcomes.push(await stopProcessTree(ref, options));
    if (outcomes.some((outcome) => outcome.signalled > 0)) stopped.push(name);
    removeServicePidFile(plan.logsDir, name);
  });

  let strays = 0;
  if (everything) {
    // PID files of what is not a service of the config: the proxy's nginx (which overwrites its
    // environment with its process title, so no marker finds it), services since removed.
    for (const record of records.filter((candidate) => !wanted.includes(candidate.service))) {
      const outcome = await stopProcessTree(
        { pid: record.pid, pgid: record.pgid, startTime: record.startTime, markerEntries: [] },
        { signal: 'SIGTERM', timeoutMs: 3000, snapshot },
      );
      strays += outcome.signalled;
      removeServicePidFile(plan.logsDir, record.service);
    }
    // Whatever still carries the stack's marker: helpers of services no longer in the config.
    const markers = [
      [projectEntry(plan.project)],
      ...[...new Set(records.map((record) => record.runId))].map((runId) => [`${RUN_ID_VAR}=${runId}`]),
    ];
    for (const markerEntries of markers) {
      const outcome = await stopProcessTree(
        { pid: undefined, pgid: undefined, startTime: undefined, markerEntries },
        { signal: 'SIGTERM', timeoutMs: 2000, snapshot },
      );
      strays += outcome.signalled;
    }
    removeSupervisorPidFile(plan.logsDir);
    removeRunRecord(plan.recordPath);
    // A database container outlives its killed `docker run` client.
    strays += await removeStackContainers(plan.containerLabel, pathVariable);
  }
  if (stopped.length === 0 && strays === 0 && !killedSupervisor) return { type: 'nothing-running' };
  const order = plan.services.map((service) => service.name);
  stopped.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return { type: 'stopped-without-supervisor', services: stopped, strays, killedSupervisor };
}
