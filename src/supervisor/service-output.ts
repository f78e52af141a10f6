/**
 * Where one service's output goes: its log file (opened on first use), the last lines kept for
 * failure reports, and whoever listens for lines (a log-line health check); devstack's own notes
 * go to the same file as `sys` lines.
 */
import { join } from 'node:path';
import { createLogFileWriter, type LogFileWriter } from '../logs/log-file.js';
import { RecentLines } from './recent-lines.js';

export class ServiceOutput {
  readonly #path: string;
  #file: LogFileWriter | undefined;
  readonly #recent = new RecentLines();
  readonly #listeners = new Set<(line: string) => void>();

  constructor(logsDir: string, service: string) {
    this.#path = join(logsDir, `${service}.log`);
  }

  #log(): LogFileWriter {
    this.#file ??= createLogFileWriter(this.#path);
    return this.#file;
  }

  /** The service's own lines. A promise means the file is saturated: pause the producer until it settles. */
  lines(source: 'out' | 'err', lines: string[]): Promise<void> | undefined {
    const pending = this.#log().write(source, lines);
    this.#recent.push(lines);
    for (const listener of this.#listeners) for (const line of lines) listener(line);
    return pending;
  }

  /** devstack's own note in the service's log. */
  note(text: string): void {
    this.#log().write('sys', [`devstack: ${text}`]);
  }

  /** A new run begins: its tail is reported on failure, not the previous run's. */
  startRun(): void {
    this.#recent.startRun();
  }

  /** The current run's last lines. */
  tail(count?: number): string[] {
    return this.#recent.ofRun(count);
  }

  /** Calls `listener` with every line of the current run, those already printed first. */
  subscribe(listener: (line: string) => void): () => void {
    for (const line of this.#recent.ofRun()) listener(line);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.#file?.close().catch(() => undefined);
  }
}
