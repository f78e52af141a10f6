/**
 * What the supervisor reports: its only output. The terminal view, the log files, devstack.log,
 * the control API's event stream and every `--json` output subscribe to these. Events are plain
 * data (they cross the control socket and are stored as JSON lines); a new kind goes here first,
 * and every switch over them ends in `unreachable`, so no subscriber can silently miss it.
 */
import type { FailureReason, ServiceState, StateId } from './service-state.js';

/** Why a service was restarted. */
export type RestartCause =
  | { readonly type: 'change'; readonly file: string; readonly via?: string | undefined }
  | { readonly type: 'manual' }
  | { readonly type: 'crash'; readonly attempt: number }
  | { readonly type: 'dependency'; readonly service: string };

export type StartupOutcome =
  | { readonly type: 'ready'; readonly services: readonly string[] }
  | { readonly type: 'failed'; readonly failure: StartFailure }
  | { readonly type: 'aborted'; readonly reason: string };

export type SupervisorEvent =
  | { readonly type: 'run-started'; readonly runId: string; readonly services: readonly string[]; readonly pid: number }
  | { readonly type: 'state'; readonly service: string; readonly state: ServiceState; readonly previous: StateId }
  /** `plain`: the lines hold only printable text and tabs (no colours either), so consumers need not clean them. */
  | {
      readonly type: 'output';
      readonly service: string;
      readonly stream: 'out' | 'err';
      readonly lines: readonly string[];
      readonly plain?: boolean;
    }
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
  | { readonly type: 'database-skipped'; readonly service: string; readonly tried: readonly string[]; readonly hint: string }
  /** Something the user should know that is not a failure (yet): a probe that keeps answering 401, an unset variable. */
  | { readonly type: 'warning'; readonly service: string | undefined; readonly message: string; readonly hint?: string | undefined }
  /** Every requested service is ready, or startup failed or was interrupted. */
  | { readonly type: 'startup-finished'; readonly outcome: StartupOutcome; readonly elapsedMs: number }
  /** A bug surfaced: the runner got an event its state does not allow. */
  | { readonly type: 'invalid-transition'; readonly service: string; readonly problem: string }
  | { readonly type: 'run-finished'; readonly exitCode: number };

export type EventType = SupervisorEvent['type'];

/** An event as stored and streamed: numbered in order (for `events --since`) and timed (epoch ms). */
export type StampedEvent = SupervisorEvent & { readonly seq: number; readonly time: number };

export interface StartFailure {
  readonly service: string;
  readonly reason: FailureReason;
  readonly message: string;
  /** The service's last output lines, oldest first. */
  readonly logTail: readonly string[];
  /** What to do about it, when devstack knows (a database's storage or runtime). */
  readonly hint?: string | undefined;
}

export type RestartOutcome =
  | { readonly type: 'ready'; readonly readyInMs: number }
  | { readonly type: 'failed'; readonly failure: StartFailure }
  /** Not done, and why: a dependency is not running, the service has not started yet… */
  | { readonly type: 'refused'; readonly reason: string; readonly hint?: string | undefined }
  /** Interrupted by a stop or by the stack shutting down. */
  | { readonly type: 'aborted'; readonly reason: string };

export interface ServiceSnapshot {
  readonly name: string;
  readonly kind: 'service' | 'task' | 'database';
  readonly state: StateId;
  readonly pid: number | undefined;
  readonly port: number | undefined;
  /** Every named port (`{ amqp: 5672, management: 15672 }`); the main one is also `port`. */
  readonly ports: Readonly<Record<string, number>>;
  /** Where to reach it (`http://127.0.0.1:8001`, `postgres://…` with the password masked). */
  readonly url: string | undefined;
  /** Epoch ms when the current process was spawned. */
  readonly startedAt: number | undefined;
  readonly readyAt: number | undefined;
  readonly restarts: number;
  /** Why a failed service failed, or when a crashed one restarts. */
  readonly message: string | undefined;
  /** Dependencies a pending service waits for. */
  readonly waitingOn: readonly string[];
  /** How a database runs (`native 15`, `container redis:7 (docker)`); undefined for services. */
  readonly mode?: string | undefined;
  /** CPU (% of one core) and resident memory of the service's processes, when sampled. */
  readonly cpuPercent?: number | undefined;
  readonly memoryBytes?: number | undefined;
  /** What a watched service's changes come from: folders relative to the config, shared packages named. */
  readonly watching?: readonly string[] | undefined;
}

/** May return a promise to apply back-pressure (a log file falling behind pauses the producer). */
export type SupervisorListener = (event: StampedEvent) => void | Promise<void>;
