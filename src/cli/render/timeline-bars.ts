/**
 * `devstack timeline` as text: one bar per service on a shared time axis — `·` while it waited for
 * its dependencies, `█` from spawn to ready — the critical path marked with `*`, and the restarts
 * since, one line each.
 */
import type { ChalkInstance } from 'chalk';
import { criticalPath, type RestartSpan, type StartupTimeline } from '../../supervisor/timeline.js';
import { formatMs } from '../../util/duration.js';

const BAR_WIDTH = 40;

export function formatTimeline(
  timeline: StartupTimeline,
  restarts: readonly RestartSpan[],
  colors: ChalkInstance,
  running: boolean,
): string {
  const critical = new Set(criticalPath(timeline));
  const end = Math.max(1, timeline.totalMs ?? 0, ...timeline.services.map((entry) => entry.endMs ?? entry.startMs ?? 0));
  const column = (ms: number): number => Math.min(BAR_WIDTH, Math.round((ms / end) * BAR_WIDTH));
  const width = Math.max(...timeline.services.map((entry) => entry.service.length), 7);
  const when = `${running ? 'startup of the running stack' : 'last run (not running now)'}, ${new Date(timeline.startedAt).toISOString()}`;
  const total = timeline.totalMs === undefined ? 'not finished' : formatMs(timeline.totalMs);
  const lines = [`${colors.bold(`startup ${total}`)}  ${colors.dim(when)}`, ''];
  for (const entry of timeline.services) {
    const from = entry.startMs === undefined ? undefined : column(entry.startMs);
    const to = entry.endMs === undefined ? (from === undefined ? undefined : BAR_WIDTH) : Math.max(column(entry.endMs), (from ?? 0) + 1);
    const waited = from === undefined ? 0 : entry.waitedOn.length > 0 ? from : 0;
    const bar =
      from === undefined || to === undefined
        ? ' '.repeat(BAR_WIDTH)
        : `${' '.repeat(from - waited)}${'·'.repeat(waited)}${'█'.repeat(Math.max(1, to - from))}`.padEnd(BAR_WIDTH).slice(0, BAR_WIDTH);
    const painted = entry.outcome === 'failed' ? colors.red(bar) : critical.has(entry.service) ? colors.yellow(bar) : colors.green(bar);
    const span =
      entry.startMs === undefined
        ? entry.outcome
        : `${formatMs(entry.startMs)} → ${entry.endMs === undefined ? '…' : formatMs(entry.endMs)}${entry.outcome === 'ready' ? '' : ` ${entry.outcome}`}`;
    const after = entry.waitedOn.length > 0 ? colors.dim(`  after ${entry.waitedOn.join(', ')}`) : '';
    const mark = critical.has(entry.service) ? '*' : ' ';
    lines.push(`${mark} ${entry.service.padEnd(width)} |${painted}| ${span}${after}`);
  }
  lines.push('', colors.dim(`* critical path: ${[...critical].reverse().join(' → ') || '-'}`));
  if (restarts.length > 0) {
    lines.push('', colors.bold('restarts'));
    for (const restart of restarts) {
      const took = restart.readyAt === undefined ? 'not ready' : `ready in ${formatMs(restart.readyAt - restart.startedAt)}`;
      const why = restart.detail === undefined ? restart.cause : `${restart.cause}: ${restart.detail}`;
      lines.push(`  ${new Date(restart.startedAt).toISOString()}  ${restart.service.padEnd(width)}  ${took}  ${colors.dim(`(${why})`)}`);
    }
  }
  return lines.join('\n');
}
