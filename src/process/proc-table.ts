/**
 * A read of Linux's /proc: who is alive, in which process group, since when, and which processes
 * carry a devstack run marker in their environment.
 *
 * Why /proc and not `kill(pid, 0)`: a zombie answers `kill(pid, 0)` until its parent reaps it, and
 * in containers whose PID 1 does not reap, orphans stay zombies forever. A zombie holds no port
 * and runs no code, so it counts as gone here.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** Clock ticks since boot at which the process started: with the pid, a unique identity. */
  readonly startTime: number;
  /** Single-letter state; Z (zombie) and X (dead) are not alive. */
  readonly state: string;
}

export const HAS_PROC: boolean = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false; // not Linux: callers fall back to group signals and tree-kill
  }
})();

/** Parses /proc/<pid>/stat; undefined when the process is gone. */
export function readProcInfo(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone (or never existed)
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    startTime: Number(fields[19]),
  };
}

export function isLiveState(state: string): boolean {
  return state !== 'Z' && state !== 'X';
}

/** Every live process on the machine. */
export function listProcesses(): ProcInfo[] {
  const processes: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const info = readProcInfo(pid);
    if (info !== undefined && isLiveState(info.state)) processes.push(info);
  }
  return processes;
}

let ownStart: number | undefined;

/** When this process started (clock ticks since boot); undefined without /proc. */
export function ownStartTime(): number | undefined {
  ownStart ??= readProcInfo(process.pid)?.startTime;
  return ownStart;
}

/** True when `pid` is alive and (if given) is still the process that started at `startTime`. */
export function isSameProcessAlive(pid: number, startTime?: number): boolean {
  if (!HAS_PROC) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  const info = readProcInfo(pid);
  if (info === undefined || !isLiveState(info.state)) return false;
  return startTime === undefined || info.startTime === startTime;
}

/** `NAME=value` as it appears in /proc/<pid>/environ. */
export function markerEntry(name: string, value: string): string {
  return `${name}=${value}`;
}

function readEnviron(pid: number): Buffer | undefined {
  try {
    // Framed with NULs so `A=1` matches neither `A=10` nor `XA=1`.
    return Buffer.concat([NUL, readFileSync(`/proc/${pid}/environ`), NUL]);
  } catch {
    return undefined; // gone, or another user's process: not ours either way
  }
}

const NUL = Buffer.from('\0');

/** The value of one variable in a process's initial environment (undefined: unset, gone or not ours). */
export function readEnvValue(pid: number, name: string): string | undefined {
  const environ = readEnviron(pid);
  if (environ === undefined) return undefined;
  const key = Buffer.from(`\0${name}=`);
  const start = environ.indexOf(key);
  if (start === -1) return undefined;
  const valueStart = start + key.length;
  return environ.subarray(valueStart, environ.indexOf(0, valueStart)).toString('utf8');
}

function hasEntries(environ: Buffer | undefined, entries: readonly string[]): boolean {
  return environ !== undefined && entries.every((entry) => environ.includes(`\0${entry}\0`));
}

/**
 * Processes whose initial environment contains every one of `entries`. Environment variables
 * are inherited through fork, exec, setsid and double-forks, so this finds what escaped both the
 * process group and the parent chain (a daemonized helper re-parented to init).
 */
export function findProcessesWithEnv(entries: readonly string[], candidates: readonly ProcInfo[] = listProcesses()): ProcInfo[] {
  return candidates.filter((info) => hasEntries(readEnviron(info.pid), entries));
}

/**
 * A process table shared by many services stopping at once: the table is re-read at most every
 * `maxAgeMs`, and each process's environment is read once (keyed by pid and start time, so a
 * reused pid is read afresh). Ten services stopping together then cost one scan, not ten.
 */
export interface ProcessSnapshot {
  list(): ProcInfo[];
  withEnv(entries: readonly string[], candidates: readonly ProcInfo[]): ProcInfo[];
}

export function createProcessSnapshot(maxAgeMs: number = 5): ProcessSnapshot {
  let takenAt = -Infinity;
  let table: ProcInfo[] = [];
  let environs = new Map<string, Buffer | undefined>();
  const key = (info: ProcInfo): string => `${info.pid}:${info.startTime}`;
  return {
    list() {
      const now = Date.now();
      if (now - takenAt > maxAgeMs) {
        table = listProcesses();
        takenAt = now;
        const live = new Map<string, Buffer | undefined>();
        for (const info of table) if (environs.has(key(info))) live.set(key(info), environs.get(key(info)));
        environs = live; // forget the dead: memory stays bounded by the live process count
      }
      return table;
    },
    withEnv(entries, candidates) {
      return candidates.filter((info) => {
        const id = key(info);
        if (!environs.has(id)) environs.set(id, readEnviron(info.pid));
        return hasEntries(environs.get(id), entries);
      });
    },
  };
}

/**
 * True once a `/bin/sh -c` leader has moved on to its command: it exec'd it (its name is no longer
 * `sh`) or forked a child. Until then the shell may still report "not found" (exit 127); without
 * /proc there is no way to tell, and the answer is true.
 */
export function shellHasStarted(pid: number): boolean {
  if (!HAS_PROC) return true;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false; // exited: its exit code tells the rest
  }
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  if (name !== 'sh' && name !== 'dash' && name !== 'bash') return true;
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() !== '';
  } catch {
    return true; // no children file (an old kernel): do not hold the service back
  }
}

/** The transitive children of `rootPid` (not including it). */
export function descendantsOf(rootPid: number, processes: readonly ProcInfo[]): ProcInfo[] {
  const found: ProcInfo[] = [];
  const frontier = [rootPid];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const info of processes) {
      if (info.ppid === parent && !found.includes(info)) {
        found.push(info);
        frontier.push(info.pid);
      }
    }
  }
  return found;
}
