/**
 * CPU and resident memory of process trees, from one pass over Linux's /proc: a service is its
 * leader and every descendant (npm → sh → node), found by parent pid, so children that start
 * their own process group still count. Where there is no /proc, nothing is measured.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { HAS_PROC } from './proc-table.js';

/** Linux's USER_HZ: the unit of utime/stime in /proc/<pid>/stat, 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;

interface ProcessUsage {
  readonly ppid: number;
  /** user + system CPU time, in ticks. */
  readonly ticks: number;
  readonly rssPages: number;
  readonly startTime: number;
}

export interface TreeUsage {
  /** Percent of one core over the last interval; undefined on the first sample. */
  readonly cpuPercent: number | undefined;
  readonly memoryBytes: number;
}

let pageBytes: number | undefined;

/**
 * Bytes per page, from our own RSS in bytes (Node) and in pages (/proc): 4 KiB on x86, 16/64 KiB
 * on some ARM. Found at the first sample, not when the supervisor loads.
 */
function pageBytesOf(): number {
  if (pageBytes !== undefined) return pageBytes;
  const pages = parseStat(readFileSync('/proc/self/stat', 'utf8'))?.rssPages ?? 0;
  pageBytes = pages <= 0 ? 4096 : 2 ** Math.round(Math.log2(process.memoryUsage().rss / pages));
  return pageBytes;
}

function parseStat(text: string): ProcessUsage | undefined {
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return {
    ppid: Number(fields[1]),
    ticks: Number(fields[11]) + Number(fields[12]),
    startTime: Number(fields[19]),
    rssPages: Number(fields[21]),
  };
}

function readTable(): Map<number, ProcessUsage> {
  const table = new Map<number, ProcessUsage>();
  for (const entry of readdirSync('/proc')) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue; // not a pid
    try {
      const usage = parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (usage !== undefined) table.set(Number(entry), usage);
    } catch {
      // exited between the listing and the read
    }
  }
  return table;
}

/**
 * Samples trees on demand: each call reads /proc once for all roots and reports CPU as the share
 * of one core used since the previous call. A process is known by pid and start time, so a reused
 * pid is a new process.
 */
export class ResourceSampler {
  #previousTicks = new Map<string, number>();
  #previousAt: number | undefined;

  sample(roots: ReadonlyMap<string, number>): Map<string, TreeUsage> {
    const result = new Map<string, TreeUsage>();
    if (!HAS_PROC || roots.size === 0) {
      this.#previousAt = undefined;
      this.#previousTicks.clear();
      return result;
    }
    const now = performance.now();
    const table = readTable();
    const children = new Map<number, number[]>();
    for (const [pid, usage] of table) {
      const siblings = children.get(usage.ppid);
      if (siblings === undefined) children.set(usage.ppid, [pid]);
      else siblings.push(pid);
    }
    const ticks = new Map<string, number>();
    const seconds = this.#previousAt === undefined ? undefined : (now - this.#previousAt) / 1000;
    for (const [name, root] of roots) {
      let rssPages = 0;
      let used = 0;
      const pending = table.has(root) ? [root] : [];
      while (pending.length > 0) {
        const pid = pending.pop()!;
        const usage = table.get(pid)!;
        const key = `${pid}:${usage.startTime}`;
        rssPages += usage.rssPages;
        // A process not seen last time started since (every process is read each time): all its time is new.
        used += usage.ticks - (this.#previousTicks.get(key) ?? 0);
        ticks.set(key, usage.ticks);
        for (const child of children.get(pid) ?? []) pending.push(child);
      }
      result.set(name, {
        cpuPercent: seconds === undefined || seconds <= 0 ? undefined : Math.max(0, (used / TICKS_PER_SECOND / seconds) * 100),
        memoryBytes: rssPages * pageBytesOf(),
      });
    }
    this.#previousTicks = ticks;
    this.#previousAt = now;
    return result;
  }
}
