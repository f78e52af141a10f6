/**
 * What a previous run left behind, from the PID files: processes still alive (pid *and* start
 * time match) and anything carrying the previous run's marker. Used to refuse a new `up` on top of
 * an orphaned stack and by `down` when no supervisor answers.
 */
import { findProcessesWithEnv, HAS_PROC, isSameProcessAlive, listProcesses } from '../process/proc-table.js';
import {
  readServicePidFiles,
  readSupervisorPidFile,
  removeServicePidFile,
  type ServicePidRecord,
  type SupervisorPidRecord,
} from '../process/pid-file.js';
import { RUN_ID_VAR } from '../process/run-marker.js';

export interface Leftovers {
  readonly supervisor: SupervisorPidRecord | undefined;
  /** Service records whose process is still alive. */
  readonly services: readonly ServicePidRecord[];
  /** Pids carrying a recorded run marker but not a live record's leader. */
  readonly strays: readonly number[];
}

export function findLeftovers(logsDir: string): Leftovers {
  const supervisorRecord = readSupervisorPidFile(logsDir);
  const supervisor =
    supervisorRecord && isSameProcessAlive(supervisorRecord.pid, supervisorRecord.startTime) ? supervisorRecord : undefined;
  const records = readServicePidFiles(logsDir);
  const services = records.filter((record) => isSameProcessAlive(record.pid, record.startTime));
  const runIds = new Set([...records.map((record) => record.runId), ...(supervisorRecord ? [supervisorRecord.runId] : [])]);
  const leaders = new Set(services.map((record) => record.pid));
  const strays: number[] = [];
  if (HAS_PROC && runIds.size > 0) {
    const table = listProcesses();
    for (const runId of runIds) {
      for (const info of findProcessesWithEnv([`${RUN_ID_VAR}=${runId}`], table)) {
        if (!leaders.has(info.pid) && info.pid !== process.pid && info.pid !== supervisor?.pid) strays.push(info.pid);
      }
    }
  }
  return { supervisor, services, strays };
}

export function hasLeftovers(leftovers: Leftovers): boolean {
  return leftovers.supervisor !== undefined || leftovers.services.length > 0 || leftovers.strays.length > 0;
}

/** Removes PID files whose process is gone. */
export function removeStalePidFiles(logsDir: string): void {
  for (const record of readServicePidFiles(logsDir)) {
    if (!isSameProcessAlive(record.pid, record.startTime)) removeServicePidFile(logsDir, record.service);
  }
}
