/**
 * `devstack events [-f] [--since N] [--json]`: what the supervisor reported — state changes,
 * restarts with their cause, failures, warnings — live from a running stack (resumable with
 * `--since`, the `seq` of the last event seen), or the last run's from logs/devstack.log.
 */
import { join } from 'node:path';
import { readRunRecord } from '../../app/run-record.js';
import { readLastRunEvents } from '../../logs/event-log.js';
import { describeEvent } from '../../supervisor/describe-event.js';
import type { StampedEvent } from '../../supervisor/events.js';
import { controlClientOf, controlError, loadContextConfig, stackPathsOf, type CommandContext } from '../context.js';
import { colorByTone } from '../render/supervisor-events.js';

export interface EventsOptions {
  readonly follow: boolean;
  readonly since: number;
  readonly json: boolean;
}

export async function eventsCommand(context: CommandContext, options: EventsOptions): Promise<number> {
  const config = await loadContextConfig(context);
  const { terminal } = context;
  const print = (event: StampedEvent): void => {
    if (options.json) return terminal.out(JSON.stringify(event));
    const line = describeEvent(event);
    if (line === undefined) return;
    terminal.out(
      `${terminal.colors.dim(`${new Date(event.time).toISOString()} #${event.seq}`)} ${colorByTone(terminal.colors, line.tone, line.text)}`,
    );
  };
  const client = controlClientOf(context, config);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const stream = await client.events({ since: options.since, follow: options.follow, signal: stop.signal });
  if (stream.ok) {
    for await (const event of stream.value) {
      print(event);
      if (terminal.stdout.closed) break;
    }
    return 0;
  }
  if (stream.error.type !== 'not-running') throw controlError(stream.error, config);
  // No supervisor: the last run's events, as recorded.
  const logsDir = readRunRecord(stackPathsOf(context, config).record)?.logsDir ?? config.logsDir;
  for (const event of readLastRunEvents(join(logsDir, 'devstack.log'))) if (event.seq > options.since) print(event);
  return 0;
}
