/** What the supervisor reports. The CLI renderer, devstack.log and the control server subscribe. */
import type { FailureReason, ServiceState, StateId } from './service-state.js';

export type SupervisorEvent =
  | { readonly type: 'state'; readonly service: string; readonly state: ServiceState; readonly previous: ServiceState }
  | { readonly type: 'output'; readonly service: string; readonly source: 'out' | 'err'; readonly lines: readonly string[] }
  | { readonly type: 'stop-escalated'; readonly service: string; readonly signal: NodeJS.Signals; readonly timeoutMs: number }
  | { readonly type: 'stop-incomplete'; readonly service: string; readonly survivors: readonly number[] };

export interface StartFailure {
  readonly service: string;
  readonly reason: FailureReason;
  readonly message: string;
  /** The service's last output lines, oldest first. */
  readonly logTail: readonly string[];
}

export type StartOutcome =
  | { readonly type: 'ready'; readonly services: readonly string[] }
  | { readonly type: 'failed'; readonly failure: StartFailure }
  | { readonly type: 'aborted' };

export type RestartOutcome =
  | { readonly type: 'ready'; readonly readyInMs: number }
  | { readonly type: 'failed'; readonly failure: StartFailure };

export interface ServiceSnapshot {
  readonly name: string;
  readonly state: StateId;
  readonly pid: number | undefined;
  readonly port: number | undefined;
  /** Epoch ms when the current process was spawned. */
  readonly startedAt: number | undefined;
  readonly readyAt: number | undefined;
  readonly restarts: number;
  /** Why a failed service failed. */
  readonly message: string | undefined;
}

export type SupervisorListener = (event: SupervisorEvent) => void;
