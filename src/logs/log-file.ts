/**
 * Appends a service's output to logs/<service>.log. Lines are batched per chunk (one timestamp,
 * one write call), and when the disk falls behind, `write` hands back a promise so the caller
 * pauses the child's pipes rather than buffering in memory.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { formatLogLines, type LogSource } from './log-line.js';

export interface LogFileWriter {
  readonly path: string;
  /** Undefined when the write was absorbed; a promise to wait on when the stream is saturated. */
  write(source: LogSource, lines: readonly string[], time?: string): Promise<void> | undefined;
  close(): Promise<void>;
}

export function createLogFileWriter(path: string): LogFileWriter {
  const stream: WriteStream = createWriteStream(path, { flags: 'a', highWaterMark: 1024 * 1024 });
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure = error; // reported by close(); a full disk must not crash the supervisor
  });
  return {
    path,
    write(source, lines, time = new Date().toISOString()) {
      if (failure !== undefined || lines.length === 0) return undefined;
      const accepted = stream.write(formatLogLines(time, source, lines));
      return accepted
        ? undefined
        : once(stream, 'drain').then(
            () => undefined,
            () => undefined,
          );
    },
    async close() {
      if (!stream.writableEnded) {
        stream.end();
        await once(stream, 'close').catch(() => undefined);
      }
      if (failure !== undefined) throw failure;
    },
  };
}
