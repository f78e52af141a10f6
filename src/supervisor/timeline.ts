/**
 * Pure: the startup timeline of one supervisor run, from its events — when each service began to
 * start, when it was ready (or failed), and what it had waited for. What the MCP server's
 * `timeline` tool returns and the dashboard's waterfall draws.
 */
import { unreachable } from '../util/unreachable.js';
import type { StampedEvent } from './events.js';

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
