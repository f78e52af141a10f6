/**
 * The life of one service in one supervisor run, as data: what `ps`, the control API and the
 * events show. The runner's own state (supervisor/runner-state.ts) carries the process handles
 * and maps onto this.
 *
 *                prepare+spawn           probe ok
 *   pending ──────────────────▶ starting ───────────▶ ready
 *      ▲                          │  │  │               │
 *      │ restart                  │  │  │ task exits 0  │ exit 0 ──────▶ exited
 *      │                          │  │  └────────▶ exited (a task's success)
 *   stopped ◀──── stopping ◀──────┤  ▼ exit / probe     │ exit ≠ 0 ─────▶ failed ──policy──▶ backoff
 *                    ▲            │  failed              │                                    │ timer
 *                    └──── stop ──┴──────────────────────┘                                    ▼
 *                                                                                          starting
 *
 * Any state may be stopped; an exit while stopping is the expected end, not a failure. A restart
 * goes stopping → starting without passing through `stopped`.
 */
import { unreachable } from '../util/unreachable.js';

export type FailureReason =
  | 'spawn-failed'
  | 'command-not-found'
  | 'exited-during-startup'
  | 'health-timeout'
  | 'crashed'
  | 'crash-loop'
  | 'task-failed'
  | 'dependency-failed'
  | 'init-failed';

/** Why a service is being stopped: a user's stop, part of a restart, or the whole stack going down. */
export type StopIntent = 'stop' | 'restart' | 'shutdown';

export type ServiceState =
  /** Not started yet; `waitingOn` names the dependencies it waits for (empty: not requested). */
  | { readonly type: 'pending'; readonly waitingOn: readonly string[] }
  /** Being prepared or spawned (no pid yet), or spawned and not ready. */
  | { readonly type: 'starting'; readonly pid: number | undefined; readonly startedAt: number }
  | { readonly type: 'ready'; readonly pid: number; readonly startedAt: number; readonly readyAt: number }
  | { readonly type: 'stopping'; readonly pid: number | undefined; readonly intent: StopIntent }
  | { readonly type: 'stopped'; readonly intent: Exclude<StopIntent, 'restart'> }
  /** A task that succeeded, or a service that exited with code 0 and is not restarted. */
  | { readonly type: 'exited'; readonly at: number; readonly code: number }
  | {
      readonly type: 'failed';
      readonly reason: FailureReason;
      readonly message: string;
      readonly at: number;
      readonly hint?: string | undefined;
    }
  /** Crashed; a restart is scheduled for `until` (epoch ms). */
  | { readonly type: 'backoff'; readonly attempt: number; readonly delayMs: number; readonly until: number; readonly message: string };

export type StateId = ServiceState['type'];

export const STATE_IDS: readonly StateId[] = ['pending', 'starting', 'ready', 'stopping', 'stopped', 'exited', 'failed', 'backoff'];

export function describeExit(code: number | null, signal: string | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
}

/** True while the service has processes, or will have again (a crash restart is scheduled). */
export function isActive(state: ServiceState): boolean {
  switch (state.type) {
    case 'starting':
    case 'ready':
    case 'stopping':
    case 'backoff':
      return true;
    case 'pending':
    case 'stopped':
    case 'exited':
    case 'failed':
      return false;
    default:
      return unreachable(state);
  }
}

/** How a start ended, for whoever waits on it (the service's dependents among them). */
export type Settled = 'ready' | 'failed' | 'stopped';

export function settledOf(state: ServiceState, kind: 'service' | 'task'): Settled | undefined {
  switch (state.type) {
    case 'ready':
      return 'ready';
    case 'exited':
      return kind === 'task' ? 'ready' : 'failed';
    case 'failed':
      return 'failed';
    case 'stopped':
      return 'stopped';
    case 'pending':
    case 'starting':
    case 'stopping':
    case 'backoff':
      return undefined;
    default:
      return unreachable(state);
  }
}
