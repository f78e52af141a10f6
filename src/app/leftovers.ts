/**
 * What is still running of a stack without a supervisor answering for it: processes carrying the
 * stack's marker (whatever run they belong to, whatever PID files say), live PID-file records of
 * older runs, and the supervisor's own record. Used to refuse a new `up` on top of them and by `ps`.
 */
import { findProcessesWithEnv, HAS_PROC, isSameProcessAlive, listProcesses, readEnvValue } from '../process/proc-table.js';
import { readServicePidFiles, readSupervisorPidFile, removeServicePidFile, type ServicePidRecord } from '../process/pid-file.js';
import { projectEntry, SERVICE_VAR } from '../process/run-marker.js';

export interface LeftoverService {
  readonly service: string;
  /** The group leader when its PID file names it, else the oldest marked process. */
  readonly pid: number;
  readonly processes: number;
  readonly record: ServicePidRecord | undefined;
}

export interface Leftovers {
  readonly supervisor: { readonly pid: number } | undefined;
  readonly services: readonly LeftoverService[];
  /** Marked processes of the stack that belong to no service of the config (or name none). */
  readonly strays: number;
}

export function findLeftovers(logsDir: string, project: string, knownServices: readonly string[]): Leftovers {
  const supervisorRecord = readSupervisorPidFile(logsDir);
  const supervisor =
    supervisorRecord && isSameProcessAlive(supervisorRecord.pid, supervisorRecord.startTime) ? { pid: supervisorRecord.pid } : undefined;
  const records = readServicePidFiles(logsDir);
  const byService = new Map<string, { pids: number[]; record: ServicePidRecord | undefined }>();
  for (const record of records) {
    if (isSameProcessAlive(record.pid, record.startTime)) byService.set(record.service, { pids: [record.pid], record });
  }
  let strays = 0;
  if (HAS_PROC) {
    for (const info of findProcessesWithEnv([projectEntry(project)], listProcesses())) {
      if (info.pid === process.pid) continue;
      const service = readEnvValue(info.pid, SERVICE_VAR);
      if (service === undefined || !knownServices.includes(service)) {
        strays++;
        continue;
      }
      const entry = byService.get(service) ?? { pids: [], record: undefined };
      if (!entry.pids.includes(info.pid)) entry.pids.push(info.pid);
      byService.set(service, entry);
    }
  }
  const services = [...byService].map(([service, { pids, record }]) => ({
    service,
    pid: record?.pid ?? Math.min(...pids),
    processes: pids.length,
    record,
  }));
  services.sort((a, b) => knownServices.indexOf(a.service) - knownServices.indexOf(b.service));
  return { supervisor, services, strays };
}

export function hasLeftovers(leftovers: Leftovers): boolean {
  return leftovers.supervisor !== undefined || leftovers.services.length > 0 || leftovers.strays > 0;
}

/** Removes PID files whose process is gone. */
export function removeStalePidFiles(logsDir: string): void {
  for (const record of readServicePidFiles(logsDir)) {
    if (!isSameProcessAlive(record.pid, record.startTime)) removeServicePidFile(logsDir, record.service);
  }
}
