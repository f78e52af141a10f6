/**
 * A service's recent output in memory: the last lines for failure reports, and the live lines for
 * a log-line readiness probe that subscribes after the first lines arrived. Files are written by
 * a subscriber of the output events (logs/log-files.ts), not here.
 */
import { RecentLines } from './recent-lines.js';

export class OutputTap {
  readonly #recent = new RecentLines();
  readonly #listeners = new Set<(line: string) => void>();

  push(lines: readonly string[]): void {
    this.#recent.push(lines);
    for (const listener of this.#listeners) for (const line of lines) listener(line);
  }

  /** A new run begins: its tail is reported on failure, not the previous run's. */
  startRun(): void {
    this.#recent.startRun();
  }

  /** The current run's last lines. */
  tail(count?: number): string[] {
    return this.#recent.ofRun(count);
  }

  /**
   * Calls `listener` with every line of the current run, those already printed first. The
   * unsubscribe function exists before the first call, so a listener may unsubscribe at once.
   */
  subscribe(listener: (line: string) => void): () => void {
    let active = true;
    const unsubscribe = (): void => {
      active = false;
      this.#listeners.delete(listener);
    };
    const guarded = (line: string): void => {
      if (active) listener(line);
    };
    this.#listeners.add(guarded);
    for (const line of this.#recent.ofRun()) {
      if (!active) break;
      listener(line);
    }
    return () => {
      unsubscribe();
      this.#listeners.delete(guarded);
    };
  }
}
