/**
 * When file changes restart services. A restart begins at the first change — stopping the old
 * processes takes time anyway — and the new ones are spawned only once the files have been quiet
 * for the quiet time, so an editor's save or a formatter writing five files in 30 ms is one
 * restart, not one per write, and not one that waited for a quiet period first. Changes that
 * arrive after the spawn (the new process may have read half of them) cause exactly one more.
 *
 * Services changed together — one file in a shared package that several services watch, reported
 * for each of them at once — are one batch: restarted as one set (in dependency order, by the
 * caller), not one restart each at the same moment.
 *
 *   idle ──change──▶ opening ──next turn──▶ gathering ──quiet (the spawn gate opens)──▶ restarting ──done──▶ idle
 *                    │ change: joins       │ change: absorbed                        │ change: again
 *                                                                                  └─done, again──▶ opening
 */
import { statSync } from 'node:fs';
import type { Clock } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';

export interface ChangeRestarts {
  change(service: string, path: string): void;
  cancel(): void;
}

type BatchPhase = 'opening' | 'gathering' | 'restarting';

interface Batch {
  phase: BatchPhase;
  /** Each service of the batch and the first changed file that brought it in. */
  readonly targets: Map<string, string>;
  lastChangeAt: number;
  /** When the change that opened the batch was written (its file's mtime; when it was reported, if unknown). */
  readonly writtenAt: number;
  /** Changes after the spawn: these services restart once more, afterwards. */
  readonly again: Map<string, string>;
  /** When the gate opened (the new processes spawned). */
  spawnedAt?: number;
}

export interface ChangeRestartOptions {
  /** How long the files must be quiet before a service's new process spawns. */
  readonly quietMs: (service: string) => number;
  readonly clock: Clock;
  /**
   * Lets pending I/O run before the gate opens: a timer can fire before file events that arrived
   * meanwhile are read (libuv runs timers before polling), and they must count. Default: setImmediate.
   */
  readonly yieldToEvents?: () => Promise<void>;
  /**
   * Begin a restart of `targets` (service → the changed file); `at` is when the first change was
   * written (what the restart-loop check compares with the service's run: a report can come late
   * on a busy machine, the write's time does not); `beforeSpawn` resolves once the new processes
   * may start. Resolves when the restart is over, whatever its outcome.
   */
  readonly restart: (targets: ReadonlyMap<string, string>, at: number, beforeSpawn: () => Promise<void>) => Promise<unknown>;
  /**
   * When a file was last written (epoch ms, as the clock); undefined when unknown (deleted).
   * Default: its mtime. A change reported after the spawn for a file written before it — a
   * watcher's late or second event for the same write, on a busy machine — was read by the new
   * process and restarts nothing.
   */
  readonly writtenAt?: (path: string) => number | undefined;
}

export function createChangeRestarts(options: ChangeRestartOptions): ChangeRestarts {
  const { clock } = options;
  const writtenAt =
    options.writtenAt ??
    ((path: string): number | undefined => {
      try {
        return statSync(path).mtimeMs;
      } catch {
        return undefined;
      }
    });
  const batchOf = new Map<string, Batch>();
  let opening: Batch | undefined;
  let cancelled = false;
  const timers = new Set<unknown>();

  const yieldToEvents = options.yieldToEvents ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  const untilQuiet = (batch: Batch): Promise<void> =>
    new Promise((resolve) => {
      const quietMs = Math.max(0, ...[...batch.targets.keys()].map(options.quietMs));
      const quietFor = (): number => (batch.phase === 'gathering' ? batch.lastChangeAt + quietMs - clock.now() : 0);
      const check = (): void => {
        if (cancelled || batch.phase !== 'gathering') return resolve();
        const wait = quietFor();
        if (wait > 0) {
          const timer = clock.setTimeout(() => {
            timers.delete(timer);
            check();
          }, wait);
          timers.add(timer);
          return;
        }
        void yieldToEvents().then(() => {
          if (cancelled || batch.phase !== 'gathering') return resolve();
          if (quietFor() > 0) return check(); // a change came in meanwhile
          batch.phase = 'restarting';
          batch.spawnedAt = clock.now();
          resolve();
        });
      };
      check();
    });

  const open = (entries: Iterable<[string, string]>): void => {
    const targets = new Map(entries);
    const now = clock.now();
    const first = targets.values().next().value;
    const written = first === undefined ? undefined : writtenAt(first);
    const batch: Batch = { phase: 'opening', targets, lastChangeAt: now, writtenAt: written ?? now, again: new Map() };
    for (const service of batch.targets.keys()) batchOf.set(service, batch);
    opening = batch;
    // Every service a change reaches in this turn joins the batch (the watcher reports one file
    // for each service that watches it, one after the other).
    setImmediate(() => {
      if (opening === batch) opening = undefined;
      if (cancelled) return;
      batch.phase = 'gathering';
      void options
        .restart(batch.targets, batch.writtenAt, () => untilQuiet(batch))
        .catch(() => undefined)
        .then(() => {
          for (const service of batch.targets.keys()) if (batchOf.get(service) === batch) batchOf.delete(service);
          if (batch.again.size > 0 && !cancelled) open(batch.again);
        });
    });
  };

  return {
    change(service, path) {
      if (cancelled) return;
      const batch = batchOf.get(service);
      if (batch === undefined) {
        if (opening !== undefined) {
          opening.targets.set(service, path);
          batchOf.set(service, opening);
          return;
        }
        return open([[service, path]]);
      }
      switch (batch.phase) {
        case 'opening':
        case 'gathering':
          batch.lastChangeAt = clock.now();
          return;
        case 'restarting': {
          const written = writtenAt(path);
          if (written !== undefined && batch.spawnedAt !== undefined && written < batch.spawnedAt) return;
          batch.again.set(service, path);
          return;
        }
        default:
          return unreachable(batch.phase);
      }
    },
    cancel() {
      cancelled = true;
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
    },
  };
}
