/**
 * devstack's own log, logs/devstack.log: every supervisor event (not service output) as one JSON
 * line, exactly as the control API streams it (`{"seq":1,"time":…,"type":"state",…}`). It is what
 * `devstack events` and `devstack timeline` read when no supervisor is running. Written directly
 * rather than through winston: winston and its formats cost the long-lived supervisor 7–10 MB of
 * memory (README "Building blocks") to append a few lines a minute.
 */
import { createWriteStream, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { once } from 'node:events';
import type { StampedEvent } from '../supervisor/events.js';

export interface EventLog {
  readonly listener: (event: StampedEvent) => void;
  close(): Promise<void>;
}

/** A new run starts a new file once the old one is this big (the previous stays as devstack.log.1). */
const ROTATE_AT_START_BYTES = 5 * 1024 * 1024;

export function createEventLog(path: string): EventLog {
  if (existsSync(path) && statSync(path).size > ROTATE_AT_START_BYTES) renameSync(path, `${path}.1`);
  const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  stream.on('error', () => undefined); // losing devstack's own log must not stop the stack
  return {
    listener(event) {
      if (event.type === 'output' || stream.writableEnded) return;
      stream.write(`${JSON.stringify(event)}\n`);
    },
    async close() {
      if (stream.writableEnded) return;
      stream.end();
      await once(stream, 'close').catch(() => undefined);
    },
  };
}

/** The events of the last run recorded in `path` (from its last run-started on), oldest first. */
export function readLastRunEvents(path: string): StampedEvent[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return []; // no run recorded yet
  }
  const events: StampedEvent[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const event = JSON.parse(line) as StampedEvent;
      if (typeof event.type !== 'string' || typeof event.seq !== 'number') continue;
      if (event.type === 'run-started') events.length = 0;
      events.push(event);
    } catch {
      // a line from an older devstack, or cut by a crash mid-write: skipped
    }
  }
  return events;
}
