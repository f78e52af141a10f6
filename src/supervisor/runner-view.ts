/** Pure: what the world sees of a runner state (the public ServiceState), and the run it holds. */
import { unreachable } from '../util/unreachable.js';
import type { RunWindow } from '../watch/restart-loop.js';
import type { Run, RunnerState } from './runner-state.js';
import type { ServiceState } from './service-state.js';

/** What the world sees of a runner state. */
export function publicState(state: RunnerState): ServiceState {
  switch (state.type) {
    case 'pending':
      return { type: 'pending', waitingOn: state.waitingOn };
    case 'preparing':
      return { type: 'starting', pid: undefined, startedAt: state.attempt.startedAt };
    case 'starting':
      return { type: 'starting', pid: state.run.process.pid, startedAt: state.run.spawnedAt };
    case 'ready':
      return { type: 'ready', pid: state.run.process.pid, startedAt: state.run.spawnedAt, readyAt: state.readyAt };
    case 'stopping':
      return { type: 'stopping', pid: state.run?.process.pid, intent: state.intent };
    case 'exiting':
      return state.outcome;
    case 'stopped':
      return { type: 'stopped', intent: state.intent };
    case 'exited':
      return { type: 'exited', at: state.at, code: state.code };
    case 'failed':
      return { type: 'failed', reason: state.reason, message: state.message, at: state.at, hint: state.hint };
    case 'backoff':
      return { type: 'backoff', attempt: state.attempt, delayMs: state.delayMs, until: state.until, message: state.message };
    default:
      return unreachable(state);
  }
}

/** The run whose processes exist (or are being swept), if any. */
export function runOf(state: RunnerState): Run | undefined {
  switch (state.type) {
    case 'starting':
    case 'ready':
    case 'exiting':
      return state.run;
    case 'stopping':
      return state.run;
    case 'pending':
    case 'preparing':
    case 'stopped':
    case 'exited':
    case 'failed':
    case 'backoff':
      return undefined;
    default:
      return unreachable(state);
  }
}

/** The current run's start and ready times, for restart-loop detection. */
export function runWindowOf(state: RunnerState): RunWindow | undefined {
  if (state.type === 'starting') return { startedAt: state.run.spawnedAt, readyAt: undefined };
  if (state.type === 'ready') return { startedAt: state.run.spawnedAt, readyAt: state.readyAt };
  return undefined;
}
