/**
 * devstack's own structured log, logs/devstack.log: one JSON object per line
 * (`{…fields,"level","message","pid","timestamp"}`, what winston's json format wrote). Only the
 * supervisor writes it; it records lifecycle events, never service output. Written directly rather
 * than through winston: winston and its formats cost the long-lived supervisor 7–10 MB of memory
 * (README "Building blocks"), and a handful of appends a minute need none of its transports.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface SupervisorLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  close(): Promise<void>;
}

export function createSupervisorLog(path: string): SupervisorLog {
  const stream = createWriteStream(path, { flags: 'a' });
  stream.on('error', () => undefined); // losing devstack's own log must not stop the stack
  const write = (level: string, message: string, fields: Record<string, unknown> = {}): void => {
    if (stream.writableEnded) return;
    stream.write(`${JSON.stringify({ ...fields, level, message, pid: process.pid, timestamp: new Date().toISOString() })}\n`);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    async close() {
      if (stream.writableEnded) return;
      stream.end();
      await once(stream, 'close').catch(() => undefined);
    },
  };
}
