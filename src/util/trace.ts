/**
 * A phase trace for the bench: with DEVSTACK_TRACE=<file>, each call appends one JSON line
 * `{"phase", "at": epoch ms, "pid"}` (synchronously, so a process about to exit loses nothing).
 * Without the variable it costs one property read.
 */
import { appendFileSync } from 'node:fs';

const file = process.env['DEVSTACK_TRACE'];

export const tracing: boolean = file !== undefined && file !== '';

export function trace(phase: string): void {
  if (file === undefined || file === '') return;
  const at = Math.round((performance.timeOrigin + performance.now()) * 10) / 10;
  try {
    appendFileSync(file, `${JSON.stringify({ phase, at, pid: process.pid })}\n`);
  } catch {
    // a trace must never break a run
  }
}

let startTraced = false;

/** When this process started (before any module loaded); once per process (the launcher may have). */
export function traceProcessStart(): void {
  if (file === undefined || file === '' || startTraced) return;
  startTraced = true;
  try {
    appendFileSync(
      file,
      `${JSON.stringify({ phase: 'process-start', at: Math.round(performance.timeOrigin * 10) / 10, pid: process.pid })}\n`,
    );
  } catch {
    // as above
  }
}
