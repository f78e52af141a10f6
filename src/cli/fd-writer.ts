/**
 * Writes to stdout or stderr without ever blocking devstack, and without losing what was written
 * before it exits. On Linux, Node writes to a terminal synchronously: a paused terminal (Ctrl-S, a
 * stalled ssh) would freeze the whole supervisor, and a pipe nobody reads would grow its memory.
 * Here each write goes to the thread pool (fs.write, one at a time per descriptor), a blocked one
 * blocks only that thread, and what piles up meanwhile is either kept (`write`: commands' output,
 * with back-pressure for big outputs) or, for the live view of a running stack, dropped and counted
 * (`writeLossy`: the log files keep every line). `flush()` waits for everything queued: `process.exit`
 * right after a big write to a pipe would otherwise cut the newest lines.
 */
import { write as writeFd } from 'node:fs';

/** Above this much queued, `write` asks the caller to wait. */
const HIGH_WATER = 1024 * 1024;
/** Above this much queued, `writeLossy` drops. */
const LOSSY_LIMIT = 256 * 1024;
/** One write call takes at most this much. */
const BATCH = 256 * 1024;

export class FdWriter {
  readonly #fd: number;
  #queue: Buffer[] = [];
  #queued = 0;
  #writing = false;
  #closed = false;
  #skipped = 0;
  #drained: (() => void)[] = [];
  #roomWaiters: (() => void)[] = [];

  constructor(fd: number) {
    this.#fd = fd;
  }

  /** True once the reader went away (EPIPE): everything after is dropped. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queues `chunk`; a promise means "queue is full, wait before writing more". */
  write(chunk: string | Buffer): Promise<void> | undefined {
    if (this.#closed) return undefined;
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (buffer.length === 0) return undefined;
    this.#queue.push(buffer);
    this.#queued += buffer.length;
    this.#pump();
    return this.#queued > HIGH_WATER ? new Promise((resolve) => this.#roomWaiters.push(resolve)) : undefined;
  }

  /** Queues `chunk` unless the reader is behind; false when it was dropped (and counted). */
  writeLossy(chunk: string): boolean {
    if (this.#closed) return false;
    if (this.#queued > LOSSY_LIMIT) {
      this.#skipped++;
      return false;
    }
    void this.write(chunk);
    return true;
  }

  /** How many lossy writes were dropped since the last call, once the reader has caught up (else 0). */
  takeSkipped(): number {
    if (this.#skipped === 0 || this.#queued > LOSSY_LIMIT / 4) return 0;
    const skipped = this.#skipped;
    this.#skipped = 0;
    return skipped;
  }

  /** Resolves once everything queued is written (or the reader is gone), or after `timeoutMs`. */
  flush(timeoutMs: number = Infinity): Promise<void> {
    if (this.#queued === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(resolve, timeoutMs) : undefined;
      this.#drained.push(() => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      });
    });
  }

  #pump(): void {
    if (this.#writing || this.#closed || this.#queue.length === 0) return;
    let batch: Buffer;
    if (this.#queue[0]!.length >= BATCH || this.#queue.length === 1) {
      batch = this.#queue.shift()!;
    } else {
      const parts: Buffer[] = [];
      let size = 0;
      while (this.#queue.length > 0 && size + this.#queue[0]!.length <= BATCH) {
        const part = this.#queue.shift()!;
        parts.push(part);
        size += part.length;
      }
      batch = Buffer.concat(parts, size);
    }
    this.#writing = true;
    this.#writeBatch(batch, batch.length);
  }

  #writeBatch(batch: Buffer, total: number): void {
    writeFd(this.#fd, batch, 0, batch.length, null, (error, written) => {
      if (error !== null) {
        if (error.code === 'EAGAIN') {
          // A non-blocking pipe is full: try again shortly (the reader is slow, not gone).
          setTimeout(() => this.#writeBatch(batch, total), 5);
          return;
        }
        // EPIPE, EIO, EBADF: the reader is gone. Nothing more can be shown.
        this.#closed = true;
        this.#queue = [];
        this.#queued = 0;
        this.#writing = false;
        this.#settle();
        return;
      }
      if (written < batch.length) return this.#writeBatch(batch.subarray(written), total);
      this.#queued -= total;
      this.#writing = false;
      this.#settle();
      this.#pump();
    });
  }

  #settle(): void {
    if (this.#queued <= HIGH_WATER) {
      const waiters = this.#roomWaiters;
      this.#roomWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (this.#queued === 0 || this.#closed) {
      const drained = this.#drained;
      this.#drained = [];
      for (const resolve of drained) resolve();
    }
  }
}
