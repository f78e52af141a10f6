/**
 * Pure: the startup timeline of one supervisor run, from its events — when each service began to
 * start, when it was ready (or failed), and what it had waited for. What the MCP server's
 * `timeline` tool returns and the dashboard's waterfall draws.
 */
import { unreachable } from '../util/unreachable.js';
import type { RestartCause, StampedEvent } from './events.js';

export type TimelineOutcome = 'ready' | 'exited' | 'failed' | 'starting' | 'not started';

export interface TimelineEntry {
  readonly service: string;
  /** The dependencies it waited for before it could start. */
  readonly waitedOn: readonly string[];
  /** Milliseconds after the run began: when it was spawned, and when it was ready or failed. */
  readonly startMs: number | undefined;
  readonly endMs: number | undefined;
  readonly outcome: TimelineOutcome;
  /** Why it failed, when it did. */
  readonly message?: string | undefined;
}

export interface StartupTimeline {
  /** Epoch ms the run began. */
  readonly startedAt: number;
  /** How long startup took, once it finished. */
  readonly totalMs: number | undefined;
  readonly services: readonly TimelineEntry[];
}

interface Mutable {
  waitedOn: string[];
  startMs: number | undefined;
  endMs: number | undefined;
  outcome: TimelineOutcome;
  message: string | undefined;
}

/** The timeline of the latest run among `events`; undefined when they hold no run start. */
export function startupTimeline(events: readonly StampedEvent[]): StartupTimeline | undefined {
  let runStart = -1;
  for (let index = events.length - 1; index >= 0; index--) {
    if (events[index]!.type === 'run-started') {
      runStart = index;
      break;
    }
  }
  if (runStart === -1) return undefined;
  const started = events[runStart]!;
  if (started.type !== 'run-started') return undefined;
  const entries = new Map<string, Mutable>(
    started.services.map((name) => [
      name,
      { waitedOn: [], startMs: undefined, endMs: undefined, outcome: 'not started', message: undefined },
    ]),
  );
  let totalMs: number | undefined;
  for (const event of events.slice(runStart + 1)) {
    if (event.type === 'startup-finished') {
      totalMs = event.elapsedMs;
      break; // what happens afterwards (restarts, stops) is not startup
    }
    if (event.type !== 'state') continue;
    const entry = entries.get(event.service);
    if (entry === undefined || entry.endMs !== undefined) continue;
    const at = event.time - started.time;
    switch (event.state.type) {
      case 'pending':
        for (const name of event.state.waitingOn) if (!entry.waitedOn.includes(name)) entry.waitedOn.push(name);
        break;
      case 'starting':
        entry.startMs ??= at;
        entry.outcome = 'starting';
        break;
      case 'ready':
      case 'exited':
        entry.endMs = at;
        entry.outcome = event.state.type;
        break;
      case 'failed':
        entry.endMs = at;
        entry.outcome = 'failed';
        entry.message = event.state.message;
        break;
      case 'backoff':
      case 'stopping':
      case 'stopped':
        break;
      default:
        unreachable(event.state);
    }
  }
  const services = [...entries].map(([service, entry]) => ({ service, ...entry }));
  services.sort((a, b) => (a.startMs ?? Infinity) - (b.startMs ?? Infinity));
  return { startedAt: started.time, totalMs, services };
}

export interface RestartSpan {
  readonly service: string;
  /** Why: `change`, `manual`, `crash`, `dependency`. */
  readonly cause: RestartCause['type'];
  /** What changed, or which dependency restarted, when known. */
  readonly detail: string | undefined;
  /** Epoch ms the restart began, and when the service was ready again (undefined while under way or when it failed). */
  readonly startedAt: number;
  readonly readyAt: number | undefined;
}

/** The latest `limit` restarts among `events`, oldest first: one bar each in the dashboard's waterfall. */
export function restartSpans(events: readonly StampedEvent[], limit = 50): RestartSpan[] {
  const open = new Map<string, RestartSpan>();
  const spans: RestartSpan[] = [];
  for (const event of events) {
    if (event.type === 'restarting') {
      const detail = event.cause.type === 'change' ? event.cause.file : event.cause.type === 'dependency' ? event.cause.service : undefined;
      const span = { service: event.service, cause: event.cause.type, detail, startedAt: event.time, readyAt: undefined };
      open.set(event.service, span);
      spans.push(span);
    } else if (event.type === 'restarted') {
      const span = open.get(event.service);
      if (span === undefined) continue;
      open.delete(event.service);
      spans[spans.lastIndexOf(span)] = { ...span, readyAt: event.time };
    }
  }
  return limit > 0 ? spans.slice(-limit) : []; // slice(-0) would be all of them
}

/**
 * The services on the startup's critical path, last first: the one that was ready last, the
 * dependency it waited for that was ready last, and so on back to one that waited for nothing.
 */
export function criticalPath(timeline: StartupTimeline): string[] {
  const byName = new Map(timeline.services.map((entry) => [entry.service, entry]));
  const latest = (entries: readonly TimelineEntry[]): TimelineEntry | undefined =>
    entries.reduce<TimelineEntry | undefined>(
      (best, entry) => (entry.endMs !== undefined && (best?.endMs === undefined || entry.endMs > best.endMs) ? entry : best),
      undefined,
    );
  const path: string[] = [];
  let current = latest(timeline.services);
  while (current !== undefined && !path.includes(current.service)) {
    path.push(current.service);
    current = latest(current.waitedOn.flatMap((name) => byName.get(name) ?? []));
  }
  return path;
}
