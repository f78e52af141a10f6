/** The `devstack ps` table. */
import type { ServiceSnapshot } from '../../supervisor/events.js';

export interface PsRow {
  readonly name: string;
  readonly state: string;
  readonly pid: number | undefined;
  readonly port: number | undefined;
  readonly uptimeMs: number | undefined;
  readonly restarts: number;
  readonly message?: string | undefined;
  /** How a database runs; undefined for services. */
  readonly mode?: string | undefined;
  /** What a watched service restarts on (folders relative to the config; shared packages named). */
  readonly watching?: readonly string[] | undefined;
  /** Percent of one core, and resident bytes, of the service's processes (leader and descendants), when sampled. */
  readonly cpuPercent?: number | undefined;
  readonly memoryBytes?: number | undefined;
}

export function toPsRow(snapshot: ServiceSnapshot, now: number): PsRow {
  return {
    name: snapshot.name,
    state: snapshot.state,
    pid: snapshot.pid,
    port: snapshot.port,
    uptimeMs: snapshot.startedAt === undefined ? undefined : now - snapshot.startedAt,
    restarts: snapshot.restarts,
    message: snapshot.message,
    mode: snapshot.mode,
    watching: snapshot.watching,
    cpuPercent: snapshot.cpuPercent === undefined ? undefined : Math.round(snapshot.cpuPercent * 10) / 10,
    memoryBytes: snapshot.memoryBytes,
  };
}

export function formatCpu(percent: number | undefined): string {
  return percent === undefined ? '-' : `${percent.toFixed(1)}%`;
}

/** `48.2M`, `1.3G`: as top and docker stats show it. */
export function formatMemory(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  const mib = bytes / (1024 * 1024);
  if (mib >= 1024) return `${(mib / 1024).toFixed(1)}G`;
  return `${mib.toFixed(mib >= 100 ? 0 : 1)}M`;
}

/** `watching:` lines under the table, one per watched service. */
export function formatWatching(rows: readonly PsRow[]): string | undefined {
  const watched = rows.filter((row) => row.watching !== undefined && row.watching.length > 0);
  if (watched.length === 0) return undefined;
  const width = Math.max(...watched.map((row) => row.name.length));
  return ['watching:', ...watched.map((row) => `  ${row.name.padEnd(width)}  ${row.watching!.join(', ')}`)].join('\n');
}

export function formatUptime(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatPsTable(rows: readonly PsRow[]): string {
  // The MODE column (native, embedded, container) appears only in stacks with databases.
  const withMode = rows.some((row) => row.mode !== undefined);
  const header = ['NAME', 'STATE', 'PID', 'PORT', 'CPU', 'MEM', 'UPTIME', 'RESTARTS', ...(withMode ? ['MODE'] : [])];
  const cells = rows.map((row) => [
    row.name,
    row.state,
    row.pid === undefined ? '-' : String(row.pid),
    row.port === undefined ? '-' : String(row.port),
    formatCpu(row.cpuPercent),
    formatMemory(row.memoryBytes),
    formatUptime(row.uptimeMs),
    String(row.restarts),
    ...(withMode ? [row.mode ?? '-'] : []),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column]!.length)));
  const line = (values: readonly string[]): string =>
    values
      .map((value, column) => value.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const notes = rows.filter((row) => row.message !== undefined).map((row) => `${row.name}: ${row.message}`);
  return [line(header), ...cells.map(line), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}
