/**
 * The events of the stack's current run, from its supervisor, or of its last run, from the
 * logs folder's devstack.log when nothing runs: what `devstack timeline` and the MCP server's
 * timeline tool read.
 */
import { join } from 'node:path';
import type { ControlClient, ControlError } from '../control/client.js';
import { readLastRunEvents } from '../logs/event-log.js';
import type { StampedEvent } from '../supervisor/events.js';
import { err, ok, type Result } from '../util/result.js';

export interface RunEvents {
  /** Whether the events are of a running stack (else: of its last run). */
  readonly running: boolean;
  readonly events: readonly StampedEvent[];
}

export async function runEvents(client: ControlClient, logsDir: () => Promise<string>): Promise<Result<RunEvents, ControlError>> {
  const opened = await client.events({ since: 0, follow: false });
  if (opened.ok) {
    const events: StampedEvent[] = [];
    for await (const event of opened.value) events.push(event);
    return ok({ running: true, events });
  }
  if (opened.error.type !== 'not-running') return err(opened.error);
  return ok({ running: false, events: readLastRunEvents(join(await logsDir(), 'devstack.log')) });
}
