/**
 * When a file change restarts a service. The restart begins at the first change — stopping the old
 * process takes time anyway — and the new one is spawned only once the files have been quiet for
 * `quietMs`, so an editor's save or a formatter writing five files in 30 ms is one restart, not a
 * restart per write, and not a restart that waited for a quiet period first. Changes that arrive
 * after the spawn (the new process may have read half of them) cause exactly one more restart.
 *
 *   idle ──change──▶ gathering ──quiet for quietMs (the spawn gate opens)──▶ restarting ──done──▶ idle
 *                    │ change: absorbed                                      │ change: again = true
 *                                                                            └─done, again──▶ gathering
 */
import type { Clock } from '../util/clock.js';
import { unreachable } from '../util/unreachable.js';

export interface ChangeRestarts {
  change(path: string): void;
  cancel(): void;
}

type GateState =
  | { readonly type: 'idle' }
  | { readonly type: 'gathering'; readonly lastChangeAt: number }
  | { readonly type: 'restarting'; readonly again: string | undefined };

export interface ChangeRestartOptions {
  readonly quietMs: number;
  readonly clock: Clock;
  /**
   * Lets pending I/O run before the gate opens: a timer can fire before file events that arrived
   * meanwhile are read (libuv runs timers before polling), and they must count. Default: setImmediate.
   */
  readonly yieldToEvents?: () => Promise<void>;
  /**
   * Begin a restart for `path`; `beforeSpawn` resolves once the new process may start. Resolves when
   * the restart is over, whatever its outcome (or at once when no restart happens).
   */
  readonly restart: (path: string, at: number, beforeSpawn: () => Promise<void>) => Promise<unknown>;
}

export function createChangeRestarts(options: ChangeRestartOptions): ChangeRestarts {
  const { clock, quietMs } = options;
  let state: GateState = { type: 'idle' };
  let cancelled = false;
  let timer: unknown;

  const yieldToEvents = options.yieldToEvents ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  const untilQuiet = (): Promise<void> =>
    new Promise((resolve) => {
      const quietFor = (): number => (state.type === 'gathering' ? state.lastChangeAt + quietMs - clock.now() : 0);
      const check = (): void => {
        timer = undefined;
        if (cancelled || state.type !== 'gathering') return resolve();
        const wait = quietFor();
        if (wait > 0) {
          timer = clock.setTimeout(check, wait);
          return;
        }
        void yieldToEvents().then(() => {
          if (cancelled || state.type !== 'gathering') return resolve();
          if (quietFor() > 0) return check(); // a change came in meanwhile
          state = { type: 'restarting', again: undefined };
          resolve();
        });
      };
      check();
    });

  const begin = (path: string): void => {
    const at = clock.now();
    state = { type: 'gathering', lastChangeAt: at };
    void options
      .restart(path, at, untilQuiet)
      .catch(() => undefined)
      .then(() => {
        const again = state.type === 'restarting' ? state.again : undefined;
        state = { type: 'idle' };
        if (again !== undefined && !cancelled) begin(again);
      });
  };

  return {
    change(path) {
      if (cancelled) return;
      switch (state.type) {
        case 'idle':
          return begin(path);
        case 'gathering':
          state = { type: 'gathering', lastChangeAt: clock.now() };
          return;
        case 'restarting':
          state = { type: 'restarting', again: path };
          return;
        default:
          return unreachable(state);
      }
    },
    cancel() {
      cancelled = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
