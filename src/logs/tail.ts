/**
 * Reads the last N lines of a log file without reading the whole file (service logs grow to
 * hundreds of MB), and follows a file as it grows.
 */
import { closeSync, openSync, readSync, statSync, watch } from 'node:fs';
import { open } from 'node:fs/promises';
import { sleep } from '../util/sleep.js';
import { LineSplitter } from '../util/line-splitter.js';

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // no file yet: an empty log
  }
}

/** The last `count` complete lines of `path` (all lines when count is Infinity). */
export function readLastLines(path: string, count: number): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = statSync(path).size;
    const chunkSize = 64 * 1024;
    let position = size;
    let buffered = Buffer.alloc(0);
    let newlines = 0;
    while (position > 0 && newlines <= count) {
      const length = Math.min(chunkSize, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, position);
      for (const byte of chunk) if (byte === 10) newlines++;
      buffered = Buffer.concat([chunk, buffered]);
    }
    const lines = buffered.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (position > 0) lines.shift(); // the first line may have been cut in the middle
    return Number.isFinite(count) ? lines.slice(-count) : lines;
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `onLines` with every complete line appended to `path` after byte `fromOffset`, until
 * `signal` aborts. fs.watch wakes it early; a slow poll covers filesystems where watch is silent.
 */
export async function followFile(path: string, fromOffset: number, onLines: (lines: string[]) => void, signal: AbortSignal): Promise<void> {
  let offset = fromOffset;
  const splitter = new LineSplitter();
  let wake: (() => void) | undefined;
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(path, () => wake?.());
  } catch {
    watcher = undefined; // the file does not exist yet: polling picks it up
  }
  try {
    while (!signal.aborted) {
      const size = fileSize(path);
      if (size < offset) offset = 0; // truncated or replaced: start over
      if (size > offset) {
        const handle = await open(path, 'r');
        try {
          const buffer = Buffer.alloc(Math.min(size - offset, 4 * 1024 * 1024));
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
          offset += bytesRead;
          const lines = splitter.push(buffer.subarray(0, bytesRead));
          if (lines.length > 0) onLines(lines);
        } finally {
          await handle.close();
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        void sleep(250, signal).then(resolve);
      });
    }
  } finally {
    watcher?.close();
  }
}
