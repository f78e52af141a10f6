/**
 * Stops everything a service started: its process group, descendants that left the group, and
 * processes carrying its run marker (setsid workers, double-forked daemons). Sends the stop
 * signal to all of them at once so they share one grace period, then SIGKILLs what is left when
 * `timeoutMs` runs out.
 */
import treeKill from 'tree-kill';
import { sleep } from '../util/sleep.js';
import { createProcessSnapshot, descendantsOf, HAS_PROC, readProcInfo, type ProcessSnapshot, type ProcInfo } from './proc-table.js';

export interface ProcessTreeRef {
  /** The leader; undefined to sweep by marker alone. */
  readonly pid: number | undefined;
  /** The service's process group; equal to `pid` since every service is spawned as a group leader. */
  readonly pgid: number | undefined;
  /** From /proc at spawn: guards against signalling a reused pid. Undefined if it was never read. */
  readonly startTime: number | undefined;
  /** Environment entries (`NAME=value`) that every process of this tree carries. */
  readonly markerEntries: readonly string[];
  /**
   * No process carrying the markers started before this (clock ticks since boot, as `startTime`):
   * they name a run that did not exist earlier. Only later processes' environments are read, not
   * the whole machine's (most of a sweep's cost on a busy machine).
   */
  readonly markedSince?: number | undefined;
}

export interface StopOptions {
  readonly signal: NodeJS.Signals;
  readonly timeoutMs: number;
  /** How long to wait for SIGKILLed processes to disappear before giving up. */
  readonly killWaitMs?: number;
  /** Shared by parallel stops, so they do not each scan /proc. */
  readonly snapshot?: ProcessSnapshot;
}

export interface StopOutcome {
  /** True when the grace period ran out and SIGKILL was sent. */
  readonly escalated: boolean;
  /** How many processes were signalled in all. */
  readonly signalled: number;
  /** Pids still alive after SIGKILL (e.g. stuck in uninterruptible sleep); empty normally. */
  readonly survivors: readonly number[];
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone, which is what we want. EPERM: not ours to stop.
  }
}

/** What belongs to `ref` in a snapshot of the process table. */
function membersOf(ref: ProcessTreeRef, table: readonly ProcInfo[], marked: ReadonlyMap<number, number>): ProcInfo[] {
  const leader = ref.pid === undefined ? undefined : table.find((info) => info.pid === ref.pid);
  const leaderIsOurs = leader !== undefined && (ref.startTime === undefined || leader.startTime === ref.startTime);
  const isMarked = (info: ProcInfo): boolean => marked.get(info.pid) === info.startTime;
  // The group id is only trusted while its leader is verified or the group holds a marked process:
  // a pid (and so a pgid) can be reused by an unrelated program once every member has exited.
  const groupIsOurs = ref.pgid !== undefined && (leaderIsOurs || table.some((info) => info.pgid === ref.pgid && isMarked(info)));
  const descendants = leaderIsOurs ? new Set(descendantsOf(leader.pid, table)) : new Set<ProcInfo>();
  return table.filter(
    (info) =>
      info.pid !== process.pid &&
      ((info.pid === ref.pid && leaderIsOurs) || (groupIsOurs && info.pgid === ref.pgid) || descendants.has(info) || isMarked(info)),
  );
}

function markedProcesses(ref: ProcessTreeRef, snapshot: ProcessSnapshot): Map<number, number> {
  if (ref.markerEntries.length === 0) return new Map();
  const since = ref.markedSince;
  const candidates = since === undefined ? snapshot.list() : snapshot.list().filter((info) => info.startTime >= since);
  return new Map(snapshot.withEnv(ref.markerEntries, candidates).map((info) => [info.pid, info.startTime]));
}

function signalAll(ref: ProcessTreeRef, members: readonly ProcInfo[], sig: NodeJS.Signals): void {
  if (ref.pgid !== undefined && members.some((info) => info.pgid === ref.pgid)) signal(-ref.pgid, sig);
  for (const info of members) if (info.pgid !== ref.pgid) signal(info.pid, sig);
}

/** Polls until `isDone`, starting fast and backing off; false when `deadline` passes first. */
async function pollUntil(isDone: () => boolean, deadline: number): Promise<boolean> {
  let delayMs = 2;
  for (;;) {
    if (isDone()) return true;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return false;
    await sleep(Math.min(delayMs, remaining));
    delayMs = Math.min(delayMs * 1.5, 50);
  }
}

/** True while any process is in group `pgid` (one syscall, no /proc scan). */
function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function stopProcessTree(ref: ProcessTreeRef, options: StopOptions): Promise<StopOutcome> {
  if (!HAS_PROC) return stopWithoutProc(ref, options);
  // The common case first, before any /proc scan: a leader we know, still itself, whose group gets
  // the signal at once. Ten services stopping together then all get it in the same millisecond;
  // the scans for helpers that left the group (below) overlap with the group's own exit.
  const leader = ref.pid === undefined ? undefined : readProcInfo(ref.pid);
  const early =
    ref.pgid !== undefined &&
    leader !== undefined &&
    leader.pgid === ref.pgid &&
    (ref.startTime === undefined || leader.startTime === ref.startTime);
  if (early) {
    signal(-ref.pgid!, options.signal);
    if (options.signal !== 'SIGCONT') signal(-ref.pgid!, 'SIGCONT');
    // Let the other stops of this moment send theirs before this one scans /proc.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const snapshot = options.snapshot ?? createProcessSnapshot();
  const marked = markedProcesses(ref, snapshot);
  const initial = membersOf(ref, snapshot.list(), marked);
  if (initial.length === 0 && !early) return { escalated: false, signalled: 0, survivors: [] };

  // Membership is sticky: a setsid child stops being a "descendant" the moment its parent dies
  // (it is re-parented), but it is still ours to wait for and to SIGKILL.
  const tracked = new Map(initial.map((info) => [info.pid, info.startTime]));
  const remaining = (): ProcInfo[] => {
    const table = snapshot.list();
    const members = membersOf(ref, table, marked);
    for (const info of members) tracked.set(info.pid, info.startTime);
    const memberPids = new Set(members.map((info) => info.pid));
    return [...members, ...table.filter((info) => !memberPids.has(info.pid) && tracked.get(info.pid) === info.startTime)];
  };
  const deadline = Date.now() + options.timeoutMs;
  // The service's own group first: it may still need its helpers (an epmd, a child it manages
  // itself) while it shuts down; what left the group gets the signal once the group is gone, or
  // at the latest when the grace period ends.
  const inGroup = (info: ProcInfo): boolean => ref.pgid !== undefined && info.pgid === ref.pgid;
  if (early) {
    // The syscall answers "gone" without a /proc scan; while it says "there", the (shared) table
    // decides, every 20 ms rather than every poll (a scan reads every process's stat): a zombie that
    // its new parent has not reaped yet (never, under a PID 1 that does not reap) still counts for
    // kill(), not for us.
    let tableReadAt = Date.now();
    await pollUntil(() => {
      if (!groupExists(ref.pgid!)) return true;
      if (Date.now() - tableReadAt < 20) return false;
      tableReadAt = Date.now();
      return !remaining().some(inGroup);
    }, deadline);
  } else if (initial.some(inGroup)) {
    signalAll(ref, initial.filter(inGroup), options.signal);
    // A stopped process (SIGSTOP, Ctrl-Z, a debugger) only acts on its stop signal once it runs
    // again; SIGCONT lets it shut down gracefully instead of waiting for SIGKILL.
    if (options.signal !== 'SIGCONT') signalAll(ref, initial.filter(inGroup), 'SIGCONT');
    await pollUntil(() => !remaining().some(inGroup), deadline);
  }
  const outside = remaining().filter((info) => !inGroup(info));
  signalAll(ref, outside, options.signal);
  if (options.signal !== 'SIGCONT') signalAll(ref, outside, 'SIGCONT');
  const graceful = await pollUntil(() => remaining().length === 0, deadline);
  let escalated = false;
  if (!graceful) {
    escalated = true;
    signalAll(ref, remaining(), 'SIGKILL');
  }

  // A dying service may have forked a marked helper after the first scan: sweep once more.
  const killDeadline = Date.now() + (options.killWaitMs ?? 2000);
  let survivors: ProcInfo[] = [];
  for (;;) {
    const late = markedProcesses(ref, snapshot);
    late.forEach((startTime, pid) => marked.set(pid, startTime));
    survivors = remaining();
    if (survivors.length === 0 || Date.now() >= killDeadline) break;
    signalAll(ref, survivors, 'SIGKILL');
    await pollUntil(() => remaining().length === 0, Math.min(killDeadline, Date.now() + 200));
  }
  return { escalated, signalled: tracked.size, survivors: survivors.map((info) => info.pid) };
}

/** Without /proc (macOS, BSD): the group, plus tree-kill for descendants that left it. */
async function stopWithoutProc(ref: ProcessTreeRef, options: StopOptions): Promise<StopOutcome> {
  const { pid, pgid } = ref;
  if (pid === undefined || pgid === undefined) return { escalated: false, signalled: 0, survivors: [] };
  const groupAlive = (): boolean => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const treeSignal = (sig: NodeJS.Signals): Promise<void> => new Promise((resolve) => treeKill(pid, sig, () => resolve()));
  signal(-pgid, options.signal);
  signal(-pgid, 'SIGCONT'); // a stopped group acts on its stop signal only once it runs again
  await treeSignal(options.signal);
  const graceful = await pollUntil(() => !groupAlive(), Date.now() + options.timeoutMs);
  if (!graceful) {
    signal(-pgid, 'SIGKILL');
    await treeSignal('SIGKILL');
    await pollUntil(() => !groupAlive(), Date.now() + (options.killWaitMs ?? 2000));
  }
  return { escalated: !graceful, signalled: 1, survivors: groupAlive() ? [pgid] : [] };
}
