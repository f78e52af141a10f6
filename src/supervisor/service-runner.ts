/**
 * Runs one service: spawn, readiness, output to its log file, stop. Owns the service's state and
 * reports every change; the supervisor decides when to start and stop it.
 */
import type { ResolvedService } from '../config/resolved.js';
import { expandProbe, resolveServiceEnv, type ServiceEnvInput } from '../env/service-env.js';
import { waitHealthy } from '../health/wait-healthy.js';
import { createLogFileWriter, type LogFileWriter } from '../logs/log-file.js';
import { stopProcessTree, type ProcessTreeRef } from '../process/kill.js';
import { removeServicePidFile, writeServicePidFile } from '../process/pid-file.js';
import type { ProcessSnapshot } from '../process/proc-table.js';
import { markerEntries, markerEnv } from '../process/run-marker.js';
import { spawnProcess, type SpawnedProcess } from '../process/spawn.js';
import { join } from 'node:path';
import type { RestartOutcome, ServiceSnapshot, StartFailure, SupervisorEvent } from './events.js';
import { describeExit, isActive, transition, type ServiceEvent, type ServiceState } from './service-state.js';

const TAIL_LINES = 20;
const RECENT_LINES_KEPT = 100;
/** Output still in the pipes when a process exits is waited for this long before a failure is reported. */
const OUTPUT_SETTLE_MS = 300;

export interface RunnerContext {
  readonly logsDir: string;
  readonly runId: string;
  /** devstack's own environment, the lowest layer of every service's. */
  readonly processEnv: Readonly<Record<string, string>>;
  readonly root: string;
  readonly mode: string;
  readonly services: readonly ResolvedService[];
  readonly ports: ReadonlyMap<string, number>;
  readonly emit: (event: SupervisorEvent) => void;
  readonly processes: ProcessSnapshot;
}

interface CurrentRun {
  readonly process: SpawnedProcess;
  readonly ref: ProcessTreeRef;
  readonly abort: AbortController;
  /** Resolves once the exit was handled (state updated, leftovers swept). */
  exitHandled: Promise<void>;
  /** The leader has exited (the service state alone does not say: a timed-out service still runs). */
  exited: boolean;
  /** devstack is stopping this run's processes; their exit is expected. */
  killing: Promise<void> | undefined;
}

export type RunOutcome = { readonly type: 'ready' } | { readonly type: 'failed'; readonly failure: StartFailure } | { readonly type: 'aborted' };

export class ServiceRunner {
  readonly service: ResolvedService;
  readonly #context: RunnerContext;
  #state: ServiceState = { type: 'pending' };
  #current: CurrentRun | undefined;
  #spawning: Promise<unknown> | undefined;
  #startAbort: AbortController | undefined;
  #logFile: LogFileWriter | undefined;
  #recentLines: string[] = [];
  #runLinesStart = 0;
  readonly #lineListeners = new Set<(line: string) => void>();
  #restarts = 0;

  constructor(service: ResolvedService, context: RunnerContext) {
    this.service = service;
    this.#context = context;
  }

  get state(): ServiceState {
    return this.#state;
  }

  snapshot(): ServiceSnapshot {
    const state = this.#state;
    return {
      name: this.service.name,
      state: state.type,
      pid: state.type === 'starting' || state.type === 'ready' ? state.pid : undefined,
      port: this.#context.ports.get(this.service.name),
      startedAt: state.type === 'starting' || state.type === 'ready' ? state.startedAt : undefined,
      readyAt: state.type === 'ready' ? state.readyAt : undefined,
      restarts: this.#restarts,
      message: state.type === 'failed' ? state.message : undefined,
    };
  }

  #apply(event: ServiceEvent): void {
    const previous = this.#state;
    const next = transition(previous, event);
    if (next === previous) return;
    this.#state = next;
    this.#context.emit({ type: 'state', service: this.service.name, state: next, previous });
  }

  #log(): LogFileWriter {
    this.#logFile ??= createLogFileWriter(join(this.#context.logsDir, `${this.service.name}.log`));
    return this.#logFile;
  }

  #onLines(source: 'out' | 'err', lines: string[]): Promise<void> | undefined {
    const pending = this.#log().write(source, lines);
    this.#recentLines.push(...lines);
    if (this.#recentLines.length > RECENT_LINES_KEPT * 2) {
      const drop = this.#recentLines.length - RECENT_LINES_KEPT;
      this.#recentLines.splice(0, drop);
      this.#runLinesStart = Math.max(0, this.#runLinesStart - drop);
    }
    for (const listener of this.#lineListeners) for (const line of lines) listener(line);
    this.#context.emit({ type: 'output', service: this.service.name, source, lines });
    return pending;
  }

  /** The current run's last lines (not a previous run's), for failure reports. */
  logTail(count: number = TAIL_LINES): string[] {
    return this.#recentLines.slice(this.#runLinesStart).slice(-count);
  }

  #failure(message: string, reason: StartFailure['reason']): StartFailure {
    return { service: this.service.name, reason, message, logTail: this.logTail() };
  }

  /** Spawns the service and waits until it is ready, failed, or the start was aborted. */
  async start(startupSignal: AbortSignal): Promise<RunOutcome> {
    if (isActive(this.#state)) return { type: 'ready' };
    this.#state = { type: 'pending' };
    const startAbort = new AbortController();
    this.#startAbort = startAbort;
    const onStartupAbort = (): void => startAbort.abort();
    startupSignal.addEventListener('abort', onStartupAbort, { once: true });
    try {
      return await this.#startRun(startAbort.signal);
    } finally {
      startupSignal.removeEventListener('abort', onStartupAbort);
    }
  }

  async #startRun(signal: AbortSignal): Promise<RunOutcome> {
    if (signal.aborted) return { type: 'aborted' };
    const { service } = this;
    const marker = { runId: this.#context.runId, service: service.name };
    const { processEnv, root, mode, services, ports } = this.#context;
    const envInput: ServiceEnvInput = { processEnv, root, mode, service, services, ports, injected: markerEnv(marker) };
    const resolvedEnv = resolveServiceEnv(envInput);
    this.#runLinesStart = this.#recentLines.length;
    if (!resolvedEnv.ok) {
      // Checked before `up` starts anything; this catches a .env file broken before a restart.
      const message = `${resolvedEnv.file}:${resolvedEnv.line}: ${resolvedEnv.problem}`;
      this.#apply({ type: 'fail', reason: 'spawn-failed', message, at: Date.now() });
      return { type: 'failed', failure: this.#failure(message, 'spawn-failed') };
    }
    const env = resolvedEnv.value.env;
    const spawning = spawnProcess({ command: service.command, cwd: service.cwd, env, onLines: (source, lines) => this.#onLines(source === 'stdout' ? 'out' : 'err', lines) });
    this.#spawning = spawning;
    const result = await spawning;
    this.#spawning = undefined;
    if (!result.ok) {
      this.#log().write('sys', [`devstack: failed to start: ${result.failure.message}`]);
      this.#apply({ type: 'fail', reason: 'spawn-failed', message: result.failure.message, at: Date.now() });
      return { type: 'failed', failure: this.#failure(result.failure.message, 'spawn-failed') };
    }

    const spawned = result.process;
    const spawnedAt = Date.now();
    const ref: ProcessTreeRef = { pid: spawned.pid, pgid: spawned.pgid, startTime: spawned.startTime, markerEntries: markerEntries(marker) };
    writeServicePidFile(this.#context.logsDir, {
      service: service.name,
      pid: spawned.pid,
      pgid: spawned.pgid,
      startTime: spawned.startTime,
      runId: marker.runId,
      startedAt: new Date(spawnedAt).toISOString(),
      port: ports.get(service.name),
    });
    this.#log().write('sys', [`devstack: started pid ${spawned.pid}`]);
    const abort = new AbortController();
    signal.addEventListener('abort', () => abort.abort(), { once: true });
    const run: CurrentRun = { process: spawned, ref, abort, exitHandled: Promise.resolve(), exited: false, killing: undefined };
    run.exitHandled = spawned.exited.then((exit) => this.#onExit(run, exit.code, exit.signal));
    this.#current = run;
    this.#apply({ type: 'spawned', pid: spawned.pid, at: spawnedAt });
    if (signal.aborted) return { type: 'aborted' };

    if (service.health === undefined) {
      this.#apply({ type: 'ready', at: Date.now() });
      return { type: 'ready' };
    }
    const outcome = await waitHealthy({
      probe: expandProbe(service.health, envInput, env),
      context: { cwd: service.cwd, env },
      signal: abort.signal,
      spawnedAt,
      subscribeLines: (listener) => {
        // Replay what this run printed before the probe subscribed.
        for (const line of this.#recentLines.slice(this.#runLinesStart)) listener(line);
        this.#lineListeners.add(listener);
        return () => this.#lineListeners.delete(listener);
      },
    });
    switch (outcome.type) {
      case 'ready':
        this.#apply({ type: 'ready', at: Date.now() });
        return { type: 'ready' };
      case 'timeout': {
        const message = `not ready after ${formatMs(outcome.elapsedMs)}: ${outcome.lastFailure}`;
        this.#log().write('sys', [`devstack: ${message}`]);
        this.#apply({ type: 'fail', reason: 'health-timeout', message, at: Date.now() });
        await this.#kill(run); // a service that never became ready is not left running
        return { type: 'failed', failure: this.#failure(message, 'health-timeout') };
      }
      case 'aborted': {
        if (this.#state.type !== 'failed') return { type: 'aborted' };
        // The process exited while we were waiting: let its last output arrive before reporting.
        await settle(spawned.outputDone, OUTPUT_SETTLE_MS);
        return { type: 'failed', failure: this.#failure(this.#state.message, this.#state.reason) };
      }
    }
  }

  async #onExit(run: CurrentRun, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    run.exited = true;
    run.abort.abort();
    this.#log().write('sys', [`devstack: pid ${run.ref.pid} ${describeExit(code, signal)}`]);
    this.#apply({ type: 'exit', code, signal, at: Date.now() });
    if (run.killing !== undefined || this.#current !== run) return;
    // The leader exited on its own: whatever it left behind in its group or under its marker goes too.
    await stopProcessTree(run.ref, { signal: this.service.stopSignal, timeoutMs: this.service.stopTimeoutMs, snapshot: this.#context.processes });
    removeServicePidFile(this.#context.logsDir, this.service.name);
  }

  /** Stops a run's whole process tree (once), whatever the service state says. */
  #kill(run: CurrentRun): Promise<void> {
    run.killing ??= (async () => {
      const { stopSignal, stopTimeoutMs } = this.service;
      this.#log().write('sys', [`devstack: stopping (${stopSignal}, SIGKILL after ${formatMs(stopTimeoutMs)})`]);
      const outcome = await stopProcessTree(run.ref, { signal: stopSignal, timeoutMs: stopTimeoutMs, snapshot: this.#context.processes });
      if (outcome.escalated) this.#context.emit({ type: 'stop-escalated', service: this.service.name, signal: stopSignal, timeoutMs: stopTimeoutMs });
      if (outcome.survivors.length > 0) this.#context.emit({ type: 'stop-incomplete', service: this.service.name, survivors: outcome.survivors });
      await settle(run.exitHandled, 1000);
      await settle(run.process.outputDone, 1000);
      removeServicePidFile(this.#context.logsDir, this.service.name);
    })();
    return run.killing;
  }

  /** Stops the service's processes: stop signal to all, SIGKILL after stopTimeout. */
  async stop(): Promise<void> {
    this.#startAbort?.abort();
    await this.#spawning;
    if (this.#state.type === 'pending') this.#apply({ type: 'stop' });
    const run = this.#current;
    if (run === undefined) return;
    if (run.exited && run.killing === undefined) {
      await run.exitHandled; // exited by itself: its leftovers are being swept
      return;
    }
    this.#apply({ type: 'stop' });
    await this.#kill(run);
    this.#apply({ type: 'stopped' });
  }

  async restart(startupSignal: AbortSignal): Promise<RestartOutcome> {
    await this.stop();
    this.#restarts++;
    const started = Date.now();
    const outcome = await this.start(startupSignal);
    if (outcome.type === 'ready') return { type: 'ready', readyInMs: Date.now() - started };
    if (outcome.type === 'failed') return outcome;
    return { type: 'failed', failure: this.#failure('restart was interrupted', 'spawn-failed') };
  }

  async close(): Promise<void> {
    await this.#logFile?.close().catch(() => undefined);
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function settle(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
