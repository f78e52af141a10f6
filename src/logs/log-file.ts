/**
 * Appends a service's output to logs/<service>.log, rotating by size: when a batch would take the
 * file past `maxBytes`, the file is finished (every queued write flushed), renamed to `.1` (older
 * ones shift to `.2` … and the oldest beyond `keep` is deleted), and a new file is started. A batch
 * is never split across files, so no line is torn, lost or written twice at a rotation; and since
 * the old file is complete before it is renamed, a reader that sees a new file at the path knows
 * the old one will not grow any more. When the disk falls behind, `write` hands back a promise so
 * the caller pauses the child's pipes rather than buffering in memory.
 */
import { createWriteStream, existsSync, renameSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { formatLogLines, type LogSource } from './log-line.js';

export interface Rotation {
  readonly maxBytes: number;
  /** Rotated files kept besides the current one. */
  readonly keep: number;
}

export interface LogFileWriter {
  readonly path: string;
  /** Undefined when the write was absorbed; a promise to wait on when the file is saturated or rotating. */
  write(source: LogSource, lines: readonly string[], time: string): Promise<void> | undefined;
  close(): Promise<void>;
}

/** `api.log` → `api.log.1`: the rotated file `index` steps back. */
export function rotatedPath(path: string, index: number): string {
  return index === 0 ? path : `${path}.${index}`;
}

/** The current file becomes `.1`, `.1` becomes `.2` …, the one beyond `keep` is deleted (with keep 0, the current one). */
export function shiftRotated(path: string, keep: number): void {
  rmSync(rotatedPath(path, keep), { force: true });
  for (let index = keep - 1; index >= 0; index--) {
    const from = rotatedPath(path, index);
    if (existsSync(from)) renameSync(from, rotatedPath(path, index + 1));
  }
  if (keep === 0) rmSync(path, { force: true });
}

function open(path: string): WriteStream {
  return createWriteStream(path, { flags: 'a', mode: 0o600, highWaterMark: 1024 * 1024 });
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // not created yet
  }
}

export function createLogFileWriter(path: string, rotation: Rotation | undefined): LogFileWriter {
  let stream = open(path);
  let size = sizeOf(path);
  let failure: Error | undefined;
  let rotating: Promise<void> | undefined;
  let queued: string[] = [];
  const watch = (target: WriteStream): void =>
    void target.on('error', (error) => {
      failure = error; // reported by close(); a full disk must not crash the supervisor
    });
  watch(stream);

  const append = (text: string): Promise<void> | undefined => {
    size += Buffer.byteLength(text);
    return stream.write(text)
      ? undefined
      : once(stream, 'drain').then(
          () => undefined,
          () => undefined,
        );
  };

  const rotate = async (): Promise<void> => {
    const finished = stream;
    finished.end();
    await once(finished, 'close').catch(() => undefined);
    shiftRotated(path, rotation!.keep);
    stream = open(path);
    watch(stream);
    size = 0;
    const pending = queued;
    queued = [];
    let last: Promise<void> | undefined;
    for (const text of pending) last = append(text) ?? last;
    await last;
  };

  return {
    path,
    write(source, lines, time) {
      if (failure !== undefined || lines.length === 0) return undefined;
      const text = formatLogLines(time, source, lines);
      if (rotating !== undefined) {
        queued.push(text);
        return rotating;
      }
      if (rotation !== undefined && size > 0 && size + Buffer.byteLength(text) > rotation.maxBytes) {
        queued.push(text);
        rotating = rotate()
          .catch((error: Error) => {
            failure = error;
          })
          .finally(() => {
            rotating = undefined;
          });
        return rotating;
      }
      return append(text);
    },
    async close() {
      await rotating;
      if (!stream.writableEnded) {
        stream.end();
        await once(stream, 'close').catch(() => undefined);
      }
      if (failure !== undefined) throw failure;
    },
  };
}
