/**
 * Reads a service's log across its rotated files (`api.log.3` … `api.log.1`, `api.log`) as one
 * stream: the last N lines without reading everything (logs grow to hundreds of MB), everything in
 * chunks of constant size (linear, constant memory), and following as it grows — across a rotation
 * too: the writer finishes a file before renaming it, so once a new file appears at the path, the
 * old one is read to its end and the follower moves on.
 */
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, statSync, watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sleep } from '../util/sleep.js';
import { LineSplitter } from '../util/line-splitter.js';

const CHUNK = 256 * 1024;

/** The files of one log, oldest first (rotated ones by descending number, then the current one). */
export function logFilesOf(path: string): string[] {
  const name = basename(path);
  let entries: string[];
  try {
    entries = readdirSync(dirname(path));
  } catch {
    return [];
  }
  const rotated = entries
    .map((entry) => (entry.startsWith(`${name}.`) ? Number(entry.slice(name.length + 1)) : NaN))
    .filter((index) => Number.isInteger(index) && index > 0)
    .sort((a, b) => b - a)
    .map((index) => join(dirname(path), `${name}.${index}`));
  return existsSync(path) ? [...rotated, path] : rotated;
}

/** Where the log ends now: where a follower starts after printing the history. */
export interface LogPosition {
  readonly ino: number;
  readonly size: number;
}

export function logPosition(path: string): LogPosition | undefined {
  try {
    const stat = statSync(path);
    return { ino: stat.ino, size: stat.size };
  } catch {
    return undefined;
  }
}

/** The last `count` complete lines of one file, newest last. */
function lastLinesOfFile(path: string, count: number): string[] {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    let position = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let newlines = 0;
    while (position > 0 && newlines <= count) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, position);
      for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) newlines++;
      chunks.push(chunk);
    }
    const lines = Buffer.concat(chunks.reverse()).toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (position > 0) lines.shift(); // the first line may have been cut in the middle
    return lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}

/** The last `count` lines of a log, reaching into rotated files when the current one has fewer. */
export function readLastLines(path: string, count: number): string[] {
  const files = logFilesOf(path).reverse(); // newest first
  let lines: string[] = [];
  for (const file of files) {
    if (lines.length >= count) break;
    lines = [...lastLinesOfFile(file, count - lines.length), ...lines];
  }
  return lines;
}

/**
 * Every byte of a log, oldest file first, in chunks that end at a line boundary. The consumer may
 * return a promise (a slow terminal): reading waits for it. Memory stays at one chunk.
 */
export async function readAllChunks(
  path: string,
  onChunk: (chunk: Buffer) => Promise<void> | undefined,
  until?: LogPosition,
): Promise<LogPosition | undefined> {
  const files = openLogFiles(path);
  // Where reading stopped, for a follower to go on from: `until`, or — when its file was rotated
  // away meanwhile (a fast writer, a long history) — the end of the newest file read.
  let end: LogPosition | undefined = until;
  try {
    for (const file of files) {
      // The file where the history ends is read up to there (a follower continues exactly there);
      // newer ones are the follower's.
      const last = until !== undefined && file.ino === until.ino;
      const stop = last ? until.size : fstatSync(file.fd).size;
      let carry = Buffer.alloc(0);
      let position = 0;
      while (position < stop) {
        const buffer = Buffer.allocUnsafe(Math.min(CHUNK, stop - position));
        const read = readSync(file.fd, buffer, 0, buffer.length, position);
        if (read === 0) break;
        position += read;
        const data = carry.length === 0 ? buffer.subarray(0, read) : Buffer.concat([carry, buffer.subarray(0, read)]);
        const lastNewline = data.lastIndexOf(10);
        if (lastNewline === -1) {
          carry = data;
          continue;
        }
        carry = Buffer.from(data.subarray(lastNewline + 1));
        await onChunk(data.subarray(0, lastNewline + 1));
      }
      if (carry.length > 0) await onChunk(Buffer.concat([carry, Buffer.from('\n')]));
      end = { ino: file.ino, size: position };
      if (last) break;
    }
  } finally {
    for (const file of files) closeSync(file.fd);
  }
  return end;
}

/**
 * Every file of a log, oldest first, opened: once open, a rotation can rename or delete them
 * without changing what is read. Opened until two listings agree (a rotation between listing and
 * opening shifts the names), so no file is read twice or skipped.
 */
function openLogFiles(path: string): { fd: number; ino: number }[] {
  for (let attempt = 0; ; attempt++) {
    const names = logFilesOf(path);
    const opened: { fd: number; ino: number }[] = [];
    for (const name of names) {
      try {
        const fd = openSync(name, 'r');
        opened.push({ fd, ino: fstatSync(fd).ino });
      } catch {
        // rotated away between listing and opening: the next listing tells
      }
    }
    const now = logFilesOf(path).map((name) => logPosition(name)?.ino);
    const same = now.length === opened.length && now.every((ino, index) => ino === opened[index]!.ino);
    if (same || attempt >= 20) return opened;
    for (const file of opened) closeSync(file.fd);
  }
}

/** Lines of a log, oldest first, in batches (for merging several services' logs in time order). */
export async function* readLineBatches(
  path: string,
  until?: LogPosition,
  onEnd?: (end: LogPosition | undefined) => void,
): AsyncIterable<string[]> {
  const batches: string[][] = [];
  let wake: (() => void) | undefined;
  let resume: (() => void) | undefined;
  let done = false;
  const reading = readAllChunks(
    path,
    (chunk) => {
      const lines = chunk.toString('utf8').split('\n');
      lines.pop();
      batches.push(lines);
      wake?.();
      // Keep at most a few batches in memory: the merge consumes them one by one.
      return batches.length > 2 ? new Promise<void>((resolve) => (resume = resolve)) : undefined;
    },
    until,
  )
    .then((end) => onEnd?.(end))
    .finally(() => {
      done = true;
      wake?.();
    });
  for (;;) {
    const batch = batches.shift();
    if (batch !== undefined) {
      resume?.();
      resume = undefined;
      yield batch;
      continue;
    }
    if (done) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  await reading;
}

/**
 * Calls `onLines` with every complete line appended to the log after `from` (its end when the
 * history was printed), until `signal` aborts. Rotation-aware: the file it has open is read to
 * its end before it moves to the new one at the path. fs.watch on the folder wakes it early, for
 * changes to this log's files only (one follower per service of a stack: a write to one log must
 * not wake them all); a slow poll covers filesystems where watch is silent. An idle follower costs
 * a read and a stat per poll (measured in bench/dashboard-cost.js: a dashboard tab follows every
 * service's log).
 */
/** With fs.watch working, the poll only backs it up (a missed event costs this much latency at most). */
const IDLE_POLL_MS = 2000;

export async function followLog(
  path: string,
  from: LogPosition | undefined,
  onLines: (lines: string[]) => void | Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  let fd: number | undefined;
  let ino: number | undefined;
  let offset = 0;
  const splitter = new LineSplitter();
  let wake: (() => void) | undefined;
  // Set by every change, also one that comes while a look is under way (no one waits then): the
  // look after it runs at once instead of after the backup poll.
  let changed = false;
  let watcher: ReturnType<typeof watch> | undefined;
  const name = basename(path);
  try {
    watcher = watch(dirname(path), (_event, file) => {
      if (file !== null && !file.startsWith(name)) return;
      changed = true;
      wake?.();
    });
  } catch {
    watcher = undefined; // the folder is gone: polling notices when it is back
  }
  const openCurrent = (): void => {
    try {
      fd = openSync(path, 'r');
      ino = fstatSync(fd).ino;
    } catch {
      fd = undefined;
      ino = undefined;
    }
  };
  const readToEnd = async (): Promise<boolean> => {
    if (fd === undefined) return false;
    let any = false;
    for (;;) {
      // Nothing new (the idle case): no chunk allocated (a megabyte per look, per follower, adds up to GC work).
      if (fstatSync(fd).size <= offset) return any;
      const buffer = Buffer.allocUnsafe(CHUNK);
      const read = readSync(fd, buffer, 0, CHUNK, offset);
      if (read === 0) return any;
      offset += read;
      any = true;
      const lines = splitter.push(buffer.subarray(0, read));
      if (lines.length > 0) await onLines(lines);
    }
  };
  // After the open file was read to its end: the file that came after it, when the log has rotated
  // since. Found by inode among the files now present, so two rotations between two looks (a
  // fast writer, a tiny maxSize, a busy machine) still read the file in between instead of
  // jumping to the newest one. A file already deleted (rotated beyond `keep`) continues at the
  // oldest one left: nothing newer than it is skipped.
  const moveOn = async (): Promise<'moved' | 'relist' | 'newest'> => {
    const files = logFilesOf(path).map((file) => ({ file, ino: logPosition(file)?.ino }));
    const index = files.findIndex((entry) => entry.ino === ino);
    if (index !== -1 && index === files.length - 1) return 'newest';
    const next = files[index + 1];
    if (next === undefined) return 'newest';
    let nextFd: number;
    try {
      nextFd = openSync(next.file, 'r');
    } catch {
      return 'relist'; // renamed between listing and opening
    }
    if (fstatSync(nextFd).ino !== next.ino) {
      closeSync(nextFd);
      return 'relist';
    }
    await readToEnd(); // the writer finishes a file before renaming it: the rest of ours comes first
    if (fd !== undefined) closeSync(fd);
    fd = nextFd;
    ino = next.ino;
    offset = 0;
    return 'moved';
  };
  try {
    // Where the history stopped: the same file (go on from its size), or a file rotated since then.
    if (from !== undefined) {
      for (let attempt = 0; attempt < 5 && fd === undefined; attempt++) {
        const earlier = logFilesOf(path).find((file) => logPosition(file)?.ino === from.ino);
        if (earlier === undefined) break;
        try {
          const opened = openSync(earlier, 'r');
          // Renamed again between the look and the open: then the file found is another one.
          if (fstatSync(opened).ino === from.ino) {
            fd = opened;
            ino = from.ino;
            offset = from.size;
          } else closeSync(opened);
        } catch {
          // gone meanwhile: look again
        }
      }
    }
    if (fd === undefined) {
      openCurrent();
      if (from === undefined || ino !== from.ino) offset = 0;
    }
    while (!signal.aborted) {
      changed = false;
      const grew = await readToEnd();
      if (grew) continue;
      if (fd === undefined) {
        openCurrent(); // the log did not exist yet
        if (fd !== undefined) continue;
      } else {
        const now = logPosition(path);
        if (now === undefined || now.ino !== ino) {
          // Rotated (the path is another file now): what came after ours.
          if ((await moveOn()) !== 'newest') continue;
        } else if (now.size < offset) offset = 0; // truncated: start over
      }
      if (changed) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        void sleep(watcher === undefined ? 250 : IDLE_POLL_MS, signal).then(resolve);
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
    if (fd !== undefined) closeSync(fd);
  }
}
