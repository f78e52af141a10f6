/**
 * Detects a service that rewrites files in its own watched folder (codegen at startup, a log file
 * inside src/): every restart then triggers the next one. The sign is a change that lands while
 * the service is starting, or within 250 ms of it becoming ready, when a person rarely saves; three such
 * restarts in a row are a loop. A change at any other time resets the count.
 */
export const SELF_CHANGE_GRACE_MS = 250;
export const LOOP_THRESHOLD = 3;

export interface RunWindow {
  /** When the current process was spawned. */
  readonly startedAt: number;
  /** When it became ready; undefined while it is still starting. */
  readonly readyAt: number | undefined;
}

export interface RestartLoopDetector {
  /** Records a change that will restart the service; true when that makes a loop. */
  isLoop(changedAt: number, run: RunWindow | undefined): boolean;
  reset(): void;
}

export function createRestartLoopDetector(threshold: number = LOOP_THRESHOLD): RestartLoopDetector {
  let inARow = 0;
  return {
    isLoop(changedAt, run) {
      const selfInflicted =
        run !== undefined && changedAt >= run.startedAt && (run.readyAt === undefined || changedAt <= run.readyAt + SELF_CHANGE_GRACE_MS);
      inARow = selfInflicted ? inARow + 1 : 0;
      return inARow >= threshold;
    },
    reset() {
      inARow = 0;
    },
  };
}
