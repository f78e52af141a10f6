/** What the supervisor reports. The CLI renderer, devstack.log and the control server subscribe. */
import type { FailureReason, ServiceState, StateId } from './service-state.js';

/** Why a service was restarted. */
export type RestartCause =
  | { readonly type: 'change'; readonly file: string }
  | { readonly type: 'manual' }
  | { readonly type: 'crash'; readonly attempt: number }
  | { readonly type: 'dependency'; readonly service: string };

export type SupervisorEvent =
  | { readonly type: 'state'; readonly service: string; readonly state: ServiceState; readonly previous: ServiceState }
  | { readonly type: 'output'; readonly service: string; readonly source: 'out' | 'err'; readonly lines: readonly string[] }
  | { readonly type: 'stop-escalated'; readonly service: string; readonly signal: NodeJS.Signals; readonly timeoutMs: number }
  | { readonly type: 'stop-incomplete'; readonly service: string; readonly survivors: readonly number[] }
  /** A restart begins: its stop/start state changes are part of it (the console shows one line). */
  | { readonly type: 'restarting'; readonly service: string; readonly cause: RestartCause }
  | { readonly type: 'restarted'; readonly service: string; readonly cause: RestartCause; readonly readyInMs: number }
  | { readonly type: 'restart-loop'; readonly service: string; readonly file: string }
  | { readonly type: 'pid-file-failed'; readonly service: string; readonly message: string }
  /** How a database will run on this machine (`native 15`, `container redis:7 (docker)`), and where its data lives. */
  | { readonly type: 'database-mode'; readonly service: string; readonly mode: string; readonly data: string }
  /** An `optional` database that cannot run on this machine: the stack starts without it. */
  | { readonly type: 'database-skipped'; readonly service: string; readonly tried: readonly string[]; readonly hint: string };

export interface StartFailure {
  readonly service: string;
  readonly reason: FailureReason;
  readonly message: string;
  /** The service's last output lines, oldest first. */
  readonly logTail: readonly string[];
  /** What to do about it, when devstack knows (a database's storage or runtime). */
  readonly hint?: string;
}

export type StartOutcome =
  | { readonly type: 'ready'; readonly services: readonly string[] }
  | { readonly type: 'failed'; readonly failure: StartFailure }
  | { readonly type: 'aborted' };

export type RestartOutcome =
  { readonly type: 'ready'; readonly readyInMs: number } | { readonly type: 'failed'; readonly failure: StartFailure };

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
  /** How a database runs (`native 15`, `container redis:7 (docker)`); undefined for services. */
  readonly mode?: string | undefined;
}

export type SupervisorListener = (event: SupervisorEvent) => void;
