/**
 * The startup waterfall: one bar per service on a shared time axis — hatched while it waited for
 * its dependencies, solid from spawn to ready — the critical path marked; then the restarts, each
 * as a bar of its own length on one scale.
 */
import { criticalPath, type RestartSpan, type StartupTimeline } from '../../supervisor/timeline.js';

function ms(value: number): string {
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(2)} s`;
}

function element(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function bar(
  label: string,
  title: string,
  from: number,
  waitFrom: number | undefined,
  to: number,
  total: number,
  span: string,
): HTMLElement {
  const row = element('div', 'wf-row');
  row.title = title;
  const track = element('div', 'wf-track');
  const percent = (value: number): string => `${(Math.min(total, Math.max(0, value)) / total) * 100}%`;
  if (waitFrom !== undefined && from > waitFrom) {
    const wait = element('div', 'wf-wait');
    wait.style.left = percent(waitFrom);
    wait.style.width = percent(from - waitFrom);
    track.append(wait);
  }
  const run = element('div', 'wf-run');
  run.style.left = percent(from);
  run.style.width = percent(to - from);
  track.append(run);
  row.append(element('span', 'wf-label', label), track, element('span', 'wf-span', span));
  return row;
}

export function renderWaterfall(parent: HTMLElement, timeline: StartupTimeline | undefined): void {
  parent.replaceChildren();
  if (timeline === undefined) {
    parent.append(element('p', 'summary', 'No startup recorded for this run.'));
    return;
  }
  const critical = new Set(criticalPath(timeline));
  const end = Math.max(1, timeline.totalMs ?? 0, ...timeline.services.map((entry) => entry.endMs ?? entry.startMs ?? 0));
  const heading = element(
    'h2',
    '',
    `Startup ${timeline.totalMs === undefined ? '(not finished)' : ms(timeline.totalMs)} · critical path: ${[...critical].reverse().join(' → ') || '-'}`,
  );
  parent.append(heading);
  for (const entry of timeline.services) {
    const start = entry.startMs;
    const stop = entry.endMs ?? end;
    const span =
      start === undefined
        ? entry.outcome
        : `${ms(start)} → ${entry.endMs === undefined ? '…' : ms(entry.endMs)}${entry.outcome === 'ready' ? '' : ` (${entry.outcome})`}`;
    const waited = entry.waitedOn.length > 0 ? `waited for ${entry.waitedOn.join(', ')}` : 'waited for nothing';
    const after = entry.waitedOn.length > 0 ? ` · after ${entry.waitedOn.join(', ')}` : '';
    const row = bar(
      entry.service,
      `${entry.service}: ${waited}${entry.message === undefined ? '' : `; ${entry.message}`}`,
      start ?? 0,
      entry.waitedOn.length > 0 ? 0 : undefined,
      start === undefined ? 0 : stop,
      end,
      `${span}${after}`,
    );
    row.dataset['service'] = entry.service;
    if (critical.has(entry.service)) row.classList.add('critical');
    if (entry.outcome === 'failed') row.classList.add('failed');
    parent.append(row);
  }
}

export function renderRestarts(parent: HTMLElement, restarts: readonly RestartSpan[], now: number): void {
  parent.replaceChildren();
  if (restarts.length === 0) {
    parent.append(element('p', 'summary', 'No restarts yet.'));
    return;
  }
  const longest = Math.max(1, ...restarts.map((restart) => (restart.readyAt ?? now) - restart.startedAt));
  for (const restart of [...restarts].reverse()) {
    const took = (restart.readyAt ?? now) - restart.startedAt;
    const why = restart.detail === undefined ? restart.cause : `${restart.cause}: ${restart.detail}`;
    const label = `${new Date(restart.startedAt).toLocaleTimeString()} ${restart.service}`;
    parent.append(
      bar(label, why, 0, undefined, took, longest, restart.readyAt === undefined ? 'under way…' : `ready in ${ms(took)} (${why})`),
    );
  }
}
