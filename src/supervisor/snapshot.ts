/** Pure: what `ps` and the control socket show of one service, from its state. */
import type { RunWindow } from '../watch/restart-loop.js';
import { formatMs } from '../util/duration.js';
import type { ServiceSnapshot } from './events.js';
import type { ServiceState } from './service-state.js';

export interface SnapshotInput {
  readonly name: string;
  readonly state: ServiceState;
  readonly port: number | undefined;
  readonly restarts: number;
  /** How a database runs; undefined for services. */
  readonly mode: string | undefined;
  readonly now?: number;
}

export function snapshotOf({ name, state, port, restarts, mode, now = Date.now() }: SnapshotInput): ServiceSnapshot {
  const running = state.type === 'starting' || state.type === 'ready' ? state : undefined;
  return {
    name,
    state: state.type,
    pid: running?.pid,
    port,
    startedAt: running?.startedAt,
    readyAt: state.type === 'ready' ? state.readyAt : undefined,
    restarts,
    message:
      state.type === 'failed'
        ? state.message
        : state.type === 'backoff'
          ? `${state.message}; restart ${state.attempt} in ${formatMs(Math.max(0, state.until - now))}`
          : undefined,
    mode,
  };
}

/** The current process's start and ready times, for restart-loop detection. */
export function runWindowOf(state: ServiceState): RunWindow | undefined {
  if (state.type === 'starting') return { startedAt: state.startedAt, readyAt: undefined };
  if (state.type === 'ready') return { startedAt: state.startedAt, readyAt: state.readyAt };
  return undefined;
}
