/**
 * A running supervisor's record, next to its control socket in the private runtime folder: who
 * it is, and how to stop its services without it — their dependencies, stop signals and timeouts.
 * The guardian and `devstack down` use it when the supervisor is gone; everything in it finds the
 * processes through their markers, so deleted PID files or a logs folder moved while the stack ran
 * do not matter. No secrets: names, signals and durations only.
 */
import { readFileSync, rmSync } from 'node:fs';
import type { ResolvedConfig } from '../config/resolved.js';
import { writePrivateFile } from '../util/private-file.js';

export interface RecordedService {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly stopSignal: NodeJS.Signals;
  readonly stopTimeoutMs: number;
}

export interface RunRecord {
  readonly pid: number;
  readonly startTime: number | undefined;
  readonly runId: string;
  readonly project: string;
  readonly configFile: string;
  readonly logsDir: string;
  readonly startedAt: string;
  readonly services: readonly RecordedService[];
  /** The label of its database containers, when it may have some. */
  readonly containerLabel: string | undefined;
}

export function recordedServices(config: ResolvedConfig, selected: readonly string[]): RecordedService[] {
  return config.services
    .filter((service) => selected.includes(service.name))
    .map(({ name, dependsOn, stopSignal, stopTimeoutMs }) => ({ name, dependsOn, stopSignal, stopTimeoutMs }));
}

export function writeRunRecord(path: string, record: RunRecord): void {
  writePrivateFile(path, `${JSON.stringify(record)}\n`);
}

export function readRunRecord(path: string): RunRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunRecord>;
    return typeof record.pid === 'number' && typeof record.project === 'string' && Array.isArray(record.services)
      ? (record as RunRecord)
      : undefined;
  } catch {
    return undefined; // none, or cut by a crash: the PID files and markers still find the processes
  }
}

export function removeRunRecord(path: string): void {
  rmSync(path, { force: true });
}
