/**
 * `devstack timeline [--json]`: the last `up`'s startup as a waterfall — when each service was
 * spawned and ready, what it waited for, the critical path — and the restarts since; from the
 * running stack, or the last run's devstack.log.
 */
import { readRunRecord } from '../../app/run-record.js';
import { runEvents } from '../../app/run-events.js';
import { criticalPath, restartSpans, startupTimeline } from '../../supervisor/timeline.js';
import { controlClientOf, controlError, loadContextConfig, stackPathsOf, type CommandContext } from '../context.js';
import { formatTimeline } from '../render/timeline-bars.js';

export async function timelineCommand(context: CommandContext, options: { json: boolean }): Promise<number> {
  const config = await loadContextConfig(context);
  const read = await runEvents(
    controlClientOf(context, config),
    async () => readRunRecord(stackPathsOf(context, config).record)?.logsDir ?? config.logsDir,
  );
  if (!read.ok) throw controlError(read.error, config);
  const { running, events } = read.value;
  const timeline = startupTimeline(events);
  const restarts = restartSpans(events);
  if (options.json) {
    context.terminal.out(
      JSON.stringify(
        { running, ...(timeline === undefined ? {} : { ...timeline, criticalPath: criticalPath(timeline).reverse() }), restarts },
        null,
        2,
      ),
    );
    return 0;
  }
  if (timeline === undefined) {
    context.terminal.out(
      running ? 'devstack: the running stack has no startup events left' : 'devstack: no recorded run: "devstack up" first',
    );
    return 0;
  }
  context.terminal.out(formatTimeline(timeline, restarts, context.terminal.colors, running));
  return 0;
}
