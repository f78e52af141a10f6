/**
 * The life of one service in one supervisor run.
 *
 *               spawned              probe ok
 *   pending ───────────▶ starting ───────────▶ ready
 *      │                   │  │  │               │
 *      │ stop              │  │  │ task exits 0  │ exit 0 ─────▶ exited
 *      ▼                   │  │  └────────▶ exited (a task's success)
 *   stopped ◀── stopped ── │  ▼ exit / probe     │ exit ≠0 ────▶ failed ──backoff──▶ backoff
 *      ▲                   │  failed             │                                  │ timer: start again
 *      │                   ▼                     ▼                                  ▼
 *      └────────────── stopping ◀──── stop ──────┘                               pending
 *
 * Any state may be stopped; an exit while stopping is the expected end, not a failure.
 */
import { unreachable } from '../util/unreachable.js';

export type FailureReason =
  | 'spawn-failed'
  | 'exited-during-startup'
  | 'health-timeout'
  | 'crashed'
  | 'crash-loop'
  | 'task-failed'
  | 'dependency-failed'
  | 'init-failed';

export type ServiceState =
  | { readonly type: 'pending' }
  | { readonly type: 'starting'; readonly pid: number; readonly startedAt: number }
  | { readonly type: 'ready'; readonly pid: number; readonly startedAt: number; readonly readyAt: number }
  | { readonly type: 'stopping'; readonly pid: number | undefined; readonly startedAt: number | undefined }
  | { readonly type: 'stopped' }
  | { readonly type: 'exited'; readonly at: number }
  | { readonly type: 'failed'; readonly reason: FailureReason; readonly message: string; readonly at: number }
  /** Crashed; a restart is scheduled for `until` (epoch ms). */
  | { readonly type: 'backoff'; readonly attempt: number; readonly delayMs: number; readonly until: number; readonly message: string };

export type ServiceEvent =
  | { readonly type: 'spawned'; readonly pid: number; readonly at: number }
  | { readonly type: 'ready'; readonly at: number }
  | { readonly type: 'exit'; readonly code: number | null; readonly signal: string | null; readonly at: number }
  | { readonly type: 'fail'; readonly reason: FailureReason; readonly message: string; readonly at: number }
  | { readonly type: 'completed'; readonly at: number }
  | { readonly type: 'backoff'; readonly attempt: number; readonly delayMs: number; readonly until: number }
  | { readonly type: 'stop' }
  | { readonly type: 'stopped' };

export type StateId = ServiceState['type'];

export function describeExit(code: number | null, signal: string | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
}

/** Pure transition. Events that make no sense in a state leave it unchanged. */
export function transition(state: ServiceState, event: ServiceEvent): ServiceState {
  switch (event.type) {
    case 'spawned':
      return state.type === 'pending' ? { type: 'starting', pid: event.pid, startedAt: event.at } : state;
    case 'ready':
      return state.type === 'starting' ? { type: 'ready', pid: state.pid, startedAt: state.startedAt, readyAt: event.at } : state;
    case 'exit':
      return onExit(state, event);
    case 'fail':
      return state.type === 'pending' || state.type === 'starting' || state.type === 'ready' || state.type === 'failed'
        ? { type: 'failed', reason: event.reason, message: event.message, at: event.at }
        : state;
    case 'completed':
      return state.type === 'starting' ? { type: 'exited', at: event.at } : state;
    case 'backoff':
      return state.type === 'failed' || state.type === 'exited'
        ? {
            type: 'backoff',
            attempt: event.attempt,
            delayMs: event.delayMs,
            until: event.until,
            message: state.type === 'failed' ? state.message : 'exited with code 0',
          }
        : state;
    case 'stop':
      return onStop(state);
    case 'stopped':
      return state.type === 'stopping' || state.type === 'pending' || state.type === 'backoff' ? { type: 'stopped' } : state;
    default:
      return unreachable(event);
  }
}

function onExit(state: ServiceState, event: Extract<ServiceEvent, { type: 'exit' }>): ServiceState {
  const how = describeExit(event.code, event.signal);
  switch (state.type) {
    case 'starting':
      return { type: 'failed', reason: 'exited-during-startup', message: `${how} before it was ready`, at: event.at };
    case 'ready':
      return event.code === 0 ? { type: 'exited', at: event.at } : { type: 'failed', reason: 'crashed', message: how, at: event.at };
    case 'pending':
    case 'stopping':
    case 'stopped':
    case 'exited':
    case 'failed':
    case 'backoff':
      return state;
    default:
      return unreachable(state);
  }
}

function onStop(state: ServiceState): ServiceState {
  switch (state.type) {
    case 'starting':
    case 'ready':
      return { type: 'stopping', pid: state.pid, startedAt: state.startedAt };
    case 'pending':
    case 'backoff':
      return { type: 'stopped' };
    case 'stopping':
    case 'stopped':
    case 'exited':
    case 'failed':
      return state;
    default:
      return unreachable(state);
  }
}

/** True while a process of the service runs (or is being stopped). */
export function hasProcess(state: ServiceState): boolean {
  return state.type === 'starting' || state.type === 'ready' || state.type === 'stopping';
}

/** True while the service has processes, or will have again (a crash restart is scheduled). */
export function isActive(state: ServiceState): boolean {
  return state.type === 'starting' || state.type === 'ready' || state.type === 'stopping' || state.type === 'backoff';
}
