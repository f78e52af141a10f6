/**
 * The service runner's own state: the public ServiceState plus the handles each state owns (the
 * attempt being started, the running process, the back-off timer). Every change goes through
 * `nextState`, a pure function; an event that makes no sense in a state is returned as invalid, and
 * the runner reports it instead of ignoring it.
 *
 * `exiting` has no public counterpart: the leader exited (or a failed start is being killed) and
 * its leftovers are being swept; the outcome (failed or exited) is already decided and shown.
 */
import type { ProcessTreeRef } from '../process/kill.js';
import type { SpawnedProcess } from '../process/spawn.js';
import { err, ok, type Result } from '../util/result.js';
import { unreachable } from '../util/unreachable.js';
import { describeExit, type FailureReason, type StopIntent } from './service-state.js';

/** One spawned process of the service. */
export interface Run {
  readonly process: SpawnedProcess;
  readonly ref: ProcessTreeRef;
  readonly spawnedAt: number;
  /** Aborted when the run ends: a readiness wait in progress gives up. */
  readonly abort: AbortController;
}

/** One start, from preparing to ready or failure. Aborted when the service is stopped meanwhile. */
export interface Attempt {
  readonly abort: AbortController;
  readonly startedAt: number;
  /** Settles when the attempt's own work is over (a stop while preparing waits for it). */
  readonly done: Promise<void>;
}

export interface Failure {
  readonly reason: FailureReason;
  readonly message: string;
  readonly at: number;
  readonly hint?: string | undefined;
}

export type ExitOutcome = ({ readonly type: 'failed' } & Failure) | { readonly type: 'exited'; readonly at: number; readonly code: number };

export type RunnerState =
  | { readonly type: 'pending'; readonly waitingOn: readonly string[] }
  | { readonly type: 'preparing'; readonly attempt: Attempt }
  | { readonly type: 'starting'; readonly attempt: Attempt; readonly run: Run }
  | { readonly type: 'ready'; readonly run: Run; readonly readyAt: number }
  /** `done` settles when every process is gone; a second stop waits for the same one. */
  | { readonly type: 'stopping'; readonly run: Run | undefined; readonly intent: StopIntent; readonly done: Promise<void> }
  | { readonly type: 'exiting'; readonly run: Run; readonly outcome: ExitOutcome }
  | { readonly type: 'stopped'; readonly intent: Exclude<StopIntent, 'restart'> }
  | { readonly type: 'exited'; readonly at: number; readonly code: number }
  | ({ readonly type: 'failed' } & Failure)
  | {
      readonly type: 'backoff';
      readonly attempt: number;
      readonly delayMs: number;
      readonly until: number;
      readonly message: string;
      readonly timer: unknown;
    };

export type RunnerEvent =
  | { readonly type: 'wait'; readonly waitingOn: readonly string[] }
  | { readonly type: 'prepare'; readonly attempt: Attempt }
  | { readonly type: 'spawned'; readonly run: Run }
  | { readonly type: 'probe-ok'; readonly at: number }
  | ({ readonly type: 'start-failed' } & Failure)
  /** The leader exited. `task` and `shell` say how to read its code. */
  | {
      readonly type: 'exit';
      readonly code: number | null;
      readonly signal: string | null;
      readonly at: number;
      readonly task: boolean;
      readonly shell: boolean;
    }
  | { readonly type: 'stop'; readonly intent: StopIntent; readonly done: Promise<void> }
  /** Every process of the run is gone. */
  | { readonly type: 'swept' }
  | { readonly type: 'backoff'; readonly attempt: number; readonly delayMs: number; readonly until: number; readonly timer: unknown }
  | { readonly type: 'give-up'; readonly message: string; readonly at: number };

/** The next state, or what makes the event invalid in this state. */
export type Transition = Result<RunnerState, string>;

const same = (state: RunnerState): Transition => ok(state);
const to = (state: RunnerState): Transition => ok(state);
const invalid = (state: RunnerState, event: RunnerEvent): Transition => err(`event "${event.type}" in state "${state.type}"`);

/** A stop that is already underway keeps its strongest reason: shutdown over stop over restart. */
const STOP_RANK: Record<StopIntent, number> = { restart: 0, stop: 1, shutdown: 2 };

export function nextState(state: RunnerState, event: RunnerEvent): Transition {
  switch (event.type) {
    case 'wait':
    case 'prepare':
      return fromIdle(state, event);
    case 'spawned':
      return state.type === 'preparing' ? to({ type: 'starting', attempt: state.attempt, run: event.run }) : invalid(state, event);
    case 'probe-ok':
      return state.type === 'starting' ? to({ type: 'ready', run: state.run, readyAt: event.at }) : invalid(state, event);
    case 'start-failed':
      return onStartFailed(state, event);
    case 'exit':
      return onExit(state, event);
    case 'stop':
      return onStop(state, event.intent, event.done);
    case 'swept':
      return onSwept(state, event);
    case 'backoff':
      return state.type === 'failed' || state.type === 'exited'
        ? to({
            type: 'backoff',
            attempt: event.attempt,
            delayMs: event.delayMs,
            until: event.until,
            timer: event.timer,
            message: state.type === 'failed' ? state.message : 'exited with code 0',
          })
        : invalid(state, event);
    case 'give-up':
      return state.type === 'failed' || state.type === 'exited'
        ? to({ type: 'failed', reason: 'crash-loop', message: event.message, at: event.at })
        : invalid(state, event);
    default:
      return unreachable(event);
  }
}

/** `wait` and `prepare` begin a start; only a service with no process may begin one. */
function fromIdle(state: RunnerState, event: Extract<RunnerEvent, { type: 'wait' | 'prepare' }>): Transition {
  switch (state.type) {
    case 'pending':
    case 'stopped':
    case 'exited':
    case 'failed':
    case 'backoff':
      return to(event.type === 'wait' ? { type: 'pending', waitingOn: event.waitingOn } : { type: 'preparing', attempt: event.attempt });
    case 'preparing':
    case 'starting':
    case 'ready':
    case 'stopping':
    case 'exiting':
      return invalid(state, event);
    default:
      return unreachable(state);
  }
}

function onStartFailed(state: RunnerState, event: Extract<RunnerEvent, { type: 'start-failed' }>): Transition {
  const failure: Failure = { reason: event.reason, message: event.message, at: event.at, hint: event.hint };
  switch (state.type) {
    case 'preparing':
      return to({ type: 'failed', ...failure });
    case 'starting':
      return to({ type: 'exiting', run: state.run, outcome: { type: 'failed', ...failure } });
    case 'stopping':
    case 'exiting':
      return same(state); // stopped or exited meanwhile: that is the end of the attempt
    case 'pending':
    case 'ready':
    case 'stopped':
    case 'exited':
    case 'failed':
    case 'backoff':
      return invalid(state, event);
    default:
      return unreachable(state);
  }
}

/** How an exit reads: 126/127 from a shell mean the command was not found or not executable. */
function classifyExit(event: Extract<RunnerEvent, { type: 'exit' }>, during: 'startup' | 'run'): ExitOutcome {
  const { code, signal, at } = event;
  if (event.shell && signal === null && (code === 127 || code === 126)) {
    const what = code === 127 ? 'command not found' : 'command not executable';
    return { type: 'failed', reason: 'command-not-found', message: `${what} (the shell exited with code ${code})`, at };
  }
  if (event.task) {
    return code === 0
      ? { type: 'exited', at, code: 0 }
      : { type: 'failed', reason: 'task-failed', message: describeExit(code, signal), at };
  }
  if (during === 'startup')
    return { type: 'failed', reason: 'exited-during-startup', message: `${describeExit(code, signal)} before it was ready`, at };
  return code === 0 && signal === null
    ? { type: 'exited', at, code: 0 }
    : { type: 'failed', reason: 'crashed', message: describeExit(code, signal), at };
}

function onExit(state: RunnerState, event: Extract<RunnerEvent, { type: 'exit' }>): Transition {
  switch (state.type) {
    case 'starting':
      return to({ type: 'exiting', run: state.run, outcome: classifyExit(event, 'startup') });
    case 'ready':
      return to({ type: 'exiting', run: state.run, outcome: classifyExit(event, 'run') });
    case 'stopping':
    case 'exiting':
      return same(state); // the expected end of a stop, or of a failed start being killed
    case 'pending':
    case 'preparing':
    case 'stopped':
    case 'exited':
    case 'failed':
    case 'backoff':
      return invalid(state, event);
    default:
      return unreachable(state);
  }
}

function onStop(state: RunnerState, intent: StopIntent, done: Promise<void>): Transition {
  const idle: RunnerState =
    intent === 'restart' ? { type: 'pending', waitingOn: [] } : { type: 'stopped', intent: intent === 'shutdown' ? 'shutdown' : 'stop' };
  switch (state.type) {
    case 'pending':
    case 'backoff':
    case 'stopped':
      return to(idle);
    case 'exited':
    case 'failed':
      // Shutting down keeps how a service ended (it decides the run's exit code); a user's stop or
      // restart moves on from it.
      return intent === 'shutdown' ? same(state) : to(idle);
    case 'preparing':
      return to({ type: 'stopping', run: undefined, intent, done });
    case 'starting':
    case 'ready':
    case 'exiting':
      return to({ type: 'stopping', run: state.run, intent, done });
    case 'stopping':
      return STOP_RANK[intent] > STOP_RANK[state.intent] ? to({ ...state, intent }) : same(state);
    default:
      return unreachable(state);
  }
}

function onSwept(state: RunnerState, event: RunnerEvent): Transition {
  switch (state.type) {
    case 'exiting':
      return to(state.outcome);
    case 'stopping':
      return to(state.intent === 'restart' ? { type: 'pending', waitingOn: [] } : { type: 'stopped', intent: state.intent });
    case 'pending':
    case 'preparing':
    case 'starting':
    case 'ready':
    case 'stopped':
    case 'exited':
    case 'failed':
    case 'backoff':
      return invalid(state, event);
    default:
      return unreachable(state);
  }
}
