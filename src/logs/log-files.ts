/**
 * The log files as a subscriber of the supervisor's events: each service's output goes to
 * logs/<service>.log as the text a terminal would show, colours included (SGR sequences, as
 * `docker logs` keeps them: the dashboard and `devstack logs` on a terminal show them; every
 * reader without colours strips them) and every other terminal sequence removed; and what
 * devstack says about the service (started, ready, crashed…) goes in as `sys` lines, so the file
 * alone tells the service's story. Back-pressure: a file that falls behind pauses the service.
 */
import { join } from 'node:path';
import { describeEvent } from '../supervisor/describe-event.js';
import type { StampedEvent } from '../supervisor/events.js';
import { cleanLines } from '../util/terminal-text.js';
import { createLogFileWriter, type LogFileWriter, type Rotation } from './log-file.js';

export interface LogFiles {
  readonly listener: (event: StampedEvent) => Promise<void> | undefined;
  close(): Promise<void>;
}

/** The proxy's access log, read like a service's log (`devstack logs proxy`). */
export const PROXY_LOG = 'proxy';

export function serviceLogPath(logsDir: string, service: string): string {
  return join(logsDir, `${service}.log`);
}

export function createLogFiles(logsDir: string, rotation: Rotation | undefined): LogFiles {
  const writers = new Map<string, LogFileWriter>();
  const writer = (service: string): LogFileWriter => {
    let found = writers.get(service);
    if (found === undefined) {
      found = createLogFileWriter(serviceLogPath(logsDir, service), rotation);
      writers.set(service, found);
    }
    return found;
  };
  return {
    listener(event) {
      if (event.type === 'output')
        return writer(event.service).write(
          event.stream,
          event.plain === true ? event.lines : cleanLines(event.lines, true),
          new Date(event.time).toISOString(),
        );
      if (!('service' in event) || event.service === undefined) return undefined;
      const line = describeEvent(event);
      if (line === undefined) return undefined;
      return writer(event.service).write('sys', [line.text], new Date(event.time).toISOString());
    },
    async close() {
      await Promise.all([...writers.values()].map((file) => file.close().catch(() => undefined)));
    },
  };
}
