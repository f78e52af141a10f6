/**
 * The only place devstack writes to the terminal. Writes after the terminal went away (SIGHUP, a
 * closed pipe) are dropped instead of crashing the supervisor mid-shutdown.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface Terminal {
  readonly colors: ChalkInstance;
  out(text: string): void;
  err(text: string): void;
}

export function createTerminal(options: { color: boolean }): Terminal {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined); // EPIPE/EIO: the reader is gone
  const level = options.color && process.stdout.isTTY && !('NO_COLOR' in process.env) ? Math.max(1, new Chalk().level) : 0;
  const colors = new Chalk({ level: level as 0 | 1 | 2 | 3 });
  const write = (stream: NodeJS.WriteStream, text: string): void => {
    if (stream.writable) stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  return { colors, out: (text) => write(process.stdout, text), err: (text) => write(process.stderr, text) };
}
