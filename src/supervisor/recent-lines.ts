/**
 * A service's last output lines, kept in memory for failure reports and for log probes that
 * subscribe after the first lines arrived. Bounded: older lines live only in the log file.
 */
const KEPT = 100;

export class RecentLines {
  #lines: string[] = [];
  /** Where the current run's lines begin, so a failure shows this run's tail, not the last one's. */
  #runStart = 0;

  push(lines: readonly string[]): void {
    // Only the last KEPT of a big chunk can matter; the rest are counted as dropped.
    const kept = lines.length > KEPT ? lines.slice(-KEPT) : lines;
    if (kept !== lines) {
      // Everything kept is from the current run.
      this.#runStart = 0;
      this.#lines = [];
    }
    for (const line of kept) this.#lines.push(line);
    if (this.#lines.length > KEPT * 2) {
      const drop = this.#lines.length - KEPT;
      this.#lines.splice(0, drop);
      this.#runStart = Math.max(0, this.#runStart - drop);
    }
  }

  startRun(): void {
    this.#runStart = this.#lines.length;
  }

  /** Lines of the current run, oldest first; the last `count` of them when given. */
  ofRun(count: number = Infinity): string[] {
    const lines = this.#lines.slice(this.#runStart);
    return Number.isFinite(count) ? lines.slice(-count) : lines;
  }
}
