/**
 * The only place devstack writes to the terminal: stdout and stderr through FdWriters (never
 * blocking, flushed before exit). `out`/`err` keep every line; `live` is the running stack's view,
 * which drops lines while the terminal is not reading (the log files have them all).
 */
import { isatty } from 'node:tty';
import { Chalk, type ChalkInstance } from 'chalk';
import { FdWriter } from '../fd-writer.js';

export interface Terminal {
  readonly colors: ChalkInstance;
  /** Whether colours (and so services' own colour sequences) go to stdout. */
  readonly colorEnabled: boolean;
  readonly stdout: FdWriter;
  readonly stderr: FdWriter;
  out(text: string): void;
  err(text: string): void;
  /** As `out`, but the caller waits when the reader falls behind (big outputs: `devstack logs`). */
  outAsync(text: string): Promise<void> | undefined;
  /** The live view: dropped (and counted) while the terminal does not keep up. */
  live(text: string): void;
  /** Waits until everything written has reached the terminal (or `timeoutMs` passed). */
  flush(timeoutMs?: number): Promise<void>;
}

const withNewline = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);

export function createTerminal(options: { color: boolean; env?: NodeJS.ProcessEnv }): Terminal {
  const env = options.env ?? {};
  const colorEnabled = options.color && isatty(1) && !('NO_COLOR' in env);
  const level = colorEnabled ? Math.max(1, new Chalk().level) : 0;
  const colors = new Chalk({ level: level as 0 | 1 | 2 | 3 });
  const stdout = new FdWriter(1);
  const stderr = new FdWriter(2);
  return {
    colors,
    colorEnabled,
    stdout,
    stderr,
    out: (text) => void stdout.write(withNewline(text)),
    err: (text) => void stderr.write(withNewline(text)),
    outAsync: (text) => stdout.write(withNewline(text)),
    live: (text) => void stdout.writeLossy(withNewline(text)),
    flush: async (timeoutMs) => {
      await Promise.all([stdout.flush(timeoutMs), stderr.flush(timeoutMs)]);
    },
  };
}
