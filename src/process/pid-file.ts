/**
 * logs/<service>.pid and logs/devstack.pid. A record names the process by pid *and* start time
 * (from /proc), so a pid that the kernel has since handed to an unrelated program is recognised
 * as stale and never signalled.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../util/private-file.js';

export interface ServicePidRecord {
  readonly service: string;
  readonly pid: number;
  readonly pgid: number;
  readonly startTime: number | undefined;
  readonly runId: string;
  readonly startedAt: string;
  readonly port: number | undefined;
}

export interface SupervisorPidRecord {
  readonly pid: number;
  readonly startTime: number | undefined;
  readonly runId: string;
  readonly startedAt: string;
  readonly configFile: string;
}

export const SUPERVISOR_PID_FILE = 'devstack.pid';

export function servicePidPath(logsDir: string, service: string): string {
  return join(logsDir, `${service}.pid`);
}

/** Write-then-rename, so a reader never sees half a file. */
function writeJsonAtomic(path: string, value: unknown): void {
  writePrivateFile(path, `${JSON.stringify(value)}\n`);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // missing or unreadable: treated as no record
  }
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

export function writeServicePidFile(logsDir: string, record: ServicePidRecord): void {
  writeJsonAtomic(servicePidPath(logsDir, record.service), record);
}

export function removeServicePidFile(logsDir: string, service: string): void {
  rmSync(servicePidPath(logsDir, service), { force: true });
}

export function readServicePidFiles(logsDir: string): ServicePidRecord[] {
  let entries: string[];
  try {
    entries = readdirSync(logsDir);
  } catch {
    return [];
  }
  const records: ServicePidRecord[] = [];
  for (const entry of entries) {
    if (!entry.endsWith('.pid') || entry === SUPERVISOR_PID_FILE) continue;
    const value = readJson(join(logsDir, entry)) as Partial<ServicePidRecord> | undefined;
    if (value && typeof value.service === 'string' && isNumber(value.pid) && isNumber(value.pgid) && typeof value.runId === 'string') {
      records.push(value as ServicePidRecord);
    }
  }
  return records;
}

export function writeSupervisorPidFile(logsDir: string, record: SupervisorPidRecord): void {
  writeJsonAtomic(join(logsDir, SUPERVISOR_PID_FILE), record);
}

export function readSupervisorPidFile(logsDir: string): SupervisorPidRecord | undefined {
  const value = readJson(join(logsDir, SUPERVISOR_PID_FILE)) as Partial<SupervisorPidRecord> | undefined;
  return value && isNumber(value.pid) && typeof value.runId === 'string' ? (value as SupervisorPidRecord) : undefined;
}

export function removeSupervisorPidFile(logsDir: string): void {
  rmSync(join(logsDir, SUPERVISOR_PID_FILE), { force: true });
}
