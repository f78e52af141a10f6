/**
 * Runs one service: spawn, readiness, output to its log file, stop. Owns the service's state and
 * reports every change; the supervisor decides when to start and stop it.
 */
import type { ResolvedService } from '../config/resolved.js';
import { expandProbe, resolveServiceEnv, type ServiceEnvInput } from '../env/service-env.js';
import { waitHealthy } from '../health/wait-healthy.js';
import { stopProcessTree, type ProcessTreeRef } from '../process/kill.js';
import { removeServicePidFile, writeServicePidFile } from '../process/pid-file.js';
import type { ProcessSnapshot } from '../process/proc-table.js';
import { markerEntries, markerEnv } from '../process/run-marker.js';
import { spawnProcess, type SpawnedProcess } from '../process/spawn.js';
import type { RestartOutcome, ServiceSnapshot, StartFailure, SupervisorEvent } from './events.js';
import type { RunWindow } from '../watch/restart-loop.js';
import { formatMs } from '../util/duration.js';
import { runWindowOf, snapshotOf } from './snapshot.js';
import { settle } from '../util/settle.js';
import { ServiceOutput } from './service-output.js';
import type { Launch, ServiceLifecycle } from '../databases/lifecycle.js';
import { decideRestart } from './restart-policy.js';
import { describeExit, hasProcess, isActive, transition, type ServiceEvent, type ServiceState } from './service-state.js';

const TAIL_LINES = 20;
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
  /** Aborted when the stack shuts down: no crash restart starts after that. */
  readonly shutdownSignal: AbortSignal;
  /** Called when the runner stops being busy without a state change (see isBusy). */
  readonly settled: () => void;
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

export type RunOutcome =
  { readonly type: 'ready' } | { readonly type: 'failed'; readonly failure: StartFailure } | { readonly type: 'aborted' };

export class ServiceRunner {
  readonly service: ResolvedService;
  readonly #context: RunnerContext;
  readonly #lifecycle: ServiceLifecycle | undefined;
  #state: ServiceState = { type: 'pending' };
  #current: CurrentRun | undefined;
  #spawning: Promise<unknown> | undefined;
  #startAbort: AbortController | undefined;
  readonly #output: ServiceOutput;
  #restarts = 0;
  /** Crash restarts without a stable minute in between (the back-off exponent). */
  #consecutiveCrashes = 0;
  #backoffTimer: ReturnType<typeof setTimeout> | undefined;
  /** Between a process's exit and the restart decision: the run is not idle yet. */
  #handlingExit = false;

  constructor(service: ResolvedService, context: RunnerContext, lifecycle?: ServiceLifecycle) {
    this.service = service;
    this.#context = context;
    this.#lifecycle = lifecycle;
    this.#output = new ServiceOutput(context.logsDir, service.name);
  }

  get state(): ServiceState {
    return this.#state;
  }

  /** True while the service runs, will run again, or is still deciding whether to. */
  isBusy(): boolean {
    return this.#handlingExit || isActive(this.#state);
  }

  /** Counts a restart made from outside (a dependent restarted along with its dependency). */
  countRestart(): void {
    this.#restarts++;
  }

  snapshot(): ServiceSnapshot {
    const { name } = this.service;
    return snapshotOf({
      name,
      state: this.#state,
      port: this.#context.ports.get(name),
      restarts: this.#restarts,
      mode: this.#lifecycle?.description,
    });
  }

  /** The current process's start and ready times, for restart-loop detection. */
  runWindow(): RunWindow | undefined {
    return runWindowOf(this.#state);
  }

  #apply(event: ServiceEvent): void {
    const previous = this.#state;
    const next = transition(previous, event);
    if (next === previous) return;
    this.#state = next;
    this.#context.emit({ type: 'state', service: this.service.name, state: next, previous });
  }

  #onLines(source: 'out' | 'err', lines: string[]): Promise<void> | undefined {
    const pending = this.#output.lines(source, lines);
    this.#context.emit({ type: 'output', service: this.service.name, source, lines });
    return pending;
  }

  /** The current run's last lines (not a previous run's), for failure reports. */
  logTail(count: number = TAIL_LINES): string[] {
    return this.#output.tail(count);
  }

  #failure(message: string, reason: StartFailure['reason'], hint?: string): StartFailure {
    const failure = { service: this.service.name, reason, message, logTail: this.logTail() };
    return hint === undefined ? failure : { ...failure, hint };
  }

  /** Spawns the service and waits until it is ready, failed, or the start was aborted. */
  async start(startupSignal: AbortSignal): Promise<RunOutcome> {
    if (hasProcess(this.#state)) return { type: 'ready' };
    this.#cancelBackoff();
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
    this.#output.startRun();
    // Checked before `up` starts anything; this catches a .env file broken before a restart.
    if (!resolvedEnv.ok) return this.#failToStart(`${resolvedEnv.file}:${resolvedEnv.line}: ${resolvedEnv.problem}`);
    let env = resolvedEnv.value.env;
    let launch: Launch = { command: service.command, runAs: undefined, env: {} };
    const port = ports.get(service.name);
    if (this.#lifecycle !== undefined && port !== undefined) {
      const prepared = await this.#lifecycle.beforeSpawn({ port, env, log: (lines) => this.#onLines('out', [...lines]) });
      if (!prepared.ok) return this.#failToStart(prepared.message, prepared.hint);
      launch = prepared.value;
      env = { ...env, ...launch.env };
      if (signal.aborted) return { type: 'aborted' };
    }
    const spawning = spawnProcess({
      command: launch.command,
      cwd: launch.cwd ?? service.cwd,
      env,
      uid: launch.runAs?.uid,
      gid: launch.runAs?.gid,
      onLines: (source, lines) => this.#onLines(source === 'stdout' ? 'out' : 'err', lines),
    });
    this.#spawning = spawning;
    const result = await spawning;
    this.#spawning = undefined;
    if (!result.ok) return this.#failToStart(result.failure.message);

    const spawned = result.process;
    const spawnedAt = Date.now();
    const ref: ProcessTreeRef = {
      pid: spawned.pid,
      pgid: spawned.pgid,
      startTime: spawned.startTime,
      markerEntries: markerEntries(marker),
    };
    this.#writePidFile(spawned, spawnedAt);
    this.#output.note(`started pid ${spawned.pid}`);
    const abort = new AbortController();
    signal.addEventListener('abort', () => abort.abort(), { once: true });
    const run: CurrentRun = { process: spawned, ref, abort, exitHandled: Promise.resolve(), exited: false, killing: undefined };
    run.exitHandled = spawned.exited.then((exit) => this.#onExit(run, exit.code, exit.signal));
    this.#current = run;
    this.#apply({ type: 'spawned', pid: spawned.pid, at: spawnedAt });
    if (signal.aborted) return { type: 'aborted' };
    if (service.type === 'task') return this.#waitForTask(run);

    if (service.health === undefined) {
      this.#apply({ type: 'ready', at: Date.now() });
      return { type: 'ready' };
    }
    const outcome = await waitHealthy({
      probe: expandProbe(service.health, envInput, env),
      context: { cwd: service.cwd, env },
      signal: abort.signal,
      spawnedAt,
      subscribeLines: (listener) => this.#output.subscribe(listener), // replays this run's lines first
    });
    switch (outcome.type) {
      case 'ready': {
        const provisioned = await this.#afterReady(run, env);
        if (provisioned !== undefined) return provisioned;
        this.#apply({ type: 'ready', at: Date.now() });
        return { type: 'ready' };
      }
      case 'timeout': {
        const message = `not ready after ${formatMs(outcome.elapsedMs)}: ${outcome.lastFailure}`;
        this.#output.note(`${message}`);
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

  #failToStart(message: string, hint?: string): RunOutcome {
    this.#output.note(`failed to start: ${message}`);
    this.#apply({ type: 'fail', reason: 'spawn-failed', message, at: Date.now() });
    return { type: 'failed', failure: this.#failure(message, 'spawn-failed', hint) };
  }

  #writePidFile(spawned: SpawnedProcess, spawnedAt: number): void {
    const { name } = this.service;
    const { logsDir, runId, ports } = this.#context;
    const { pid, pgid, startTime } = spawned;
    try {
      writeServicePidFile(logsDir, {
        service: name,
        pid,
        pgid,
        startTime,
        runId,
        startedAt: new Date(spawnedAt).toISOString(),
        port: ports.get(name),
      });
    } catch (error) {
      // The process runs and is tracked in memory; only recovery after a supervisor crash loses
      // this service's file (the run-marker sweep of `down` still finds it).
      this.#context.emit({ type: 'pid-file-failed', service: name, message: (error as Error).message });
    }
  }

  /** A database's databases and init scripts: dependents start only once these are done. */
  async #afterReady(run: CurrentRun, env: Readonly<Record<string, string>>): Promise<RunOutcome | undefined> {
    const port = this.#context.ports.get(this.service.name);
    if (this.#lifecycle === undefined || port === undefined) return undefined;
    const outcome = await this.#lifecycle.afterReady({ port, env, log: (lines) => this.#onLines('out', [...lines]) });
    if (outcome.ok) return undefined;
    if (run.exited) return { type: 'aborted' };
    this.#output.note(`${outcome.message}`);
    this.#apply({ type: 'fail', reason: 'init-failed', message: outcome.message, at: Date.now() });
    await this.#kill(run);
    return { type: 'failed', failure: this.#failure(outcome.message, 'init-failed', outcome.hint) };
  }

  /** A task is done when its process exits: 0 lets dependents start, anything else fails `up`. */
  async #waitForTask(run: CurrentRun): Promise<RunOutcome> {
    await run.exitHandled;
    const state = this.#state;
    if (state.type === 'exited') return { type: 'ready' };
    if (state.type !== 'failed') return { type: 'aborted' };
    await settle(run.process.outputDone, OUTPUT_SETTLE_MS);
    return { type: 'failed', failure: this.#failure(state.message, state.reason) };
  }

  async #onExit(run: CurrentRun, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    run.exited = true;
    run.abort.abort();
    this.#handlingExit = true;
    try {
      await this.#handleExit(run, code, signal);
    } finally {
      this.#handlingExit = false;
      this.#context.settled();
    }
  }

  async #handleExit(run: CurrentRun, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const before = this.#state;
    const at = Date.now();
    this.#output.note(`pid ${run.ref.pid} ${describeExit(code, signal)}`);
    if (this.service.type === 'task' && before.type === 'starting') {
      this.#apply(
        code === 0 ? { type: 'completed', at } : { type: 'fail', reason: 'task-failed', message: describeExit(code, signal), at },
      );
    } else {
      this.#apply({ type: 'exit', code, signal, at });
    }
    if (run.killing !== undefined || this.#current !== run) return;
    // The leader exited on its own: whatever it left behind in its group or under its marker goes too.
    await stopProcessTree(run.ref, {
      signal: this.service.stopSignal,
      timeoutMs: this.service.stopTimeoutMs,
      snapshot: this.#context.processes,
    });
    await this.#lifecycle?.afterStop();
    removeServicePidFile(this.#context.logsDir, this.service.name);
    if (before.type === 'ready' && this.service.type === 'service') this.#afterCrash(code, at - before.startedAt);
  }

  /** Applies the restart policy after a ready service exited, or after a restart failed to start. */
  #afterCrash(exitCode: number | null, ranForMs: number): void {
    if (this.#context.shutdownSignal.aborted) return;
    const { restart: policy, maxRestarts } = this.service;
    const decision = decideRestart({ policy, maxRestarts, exitCode, ranForMs, consecutiveRestarts: this.#consecutiveCrashes });
    switch (decision.type) {
      case 'stay-down':
        return;
      case 'give-up': {
        const last = this.#state.type === 'failed' ? this.#state.message : 'exited';
        const message = `crash loop: ${decision.restarts} restarts in a row did not last a minute (last: ${last}); not restarting (maxRestarts ${maxRestarts})`;
        this.#output.note(`${message}`);
        this.#apply({ type: 'fail', reason: 'crash-loop', message, at: Date.now() });
        return;
      }
      case 'restart':
        this.#consecutiveCrashes = decision.attempt;
        this.#apply({ type: 'backoff', attempt: decision.attempt, delayMs: decision.delayMs, until: Date.now() + decision.delayMs });
        // Only a timer until then: a crash-looping service costs the supervisor no CPU.
        this.#backoffTimer = setTimeout(() => void this.#restartAfterCrash(decision.attempt), decision.delayMs);
    }
  }

  async #restartAfterCrash(attempt: number): Promise<void> {
    this.#backoffTimer = undefined;
    if (this.#state.type !== 'backoff') return;
    this.#restarts++;
    const startedAt = Date.now();
    this.#context.emit({ type: 'restarting', service: this.service.name, cause: { type: 'crash', attempt } });
    const outcome = await this.start(this.#context.shutdownSignal);
    if (outcome.type === 'ready') {
      this.#context.emit({
        type: 'restarted',
        service: this.service.name,
        cause: { type: 'crash', attempt },
        readyInMs: Date.now() - startedAt,
      });
    } else if (outcome.type === 'failed') {
      this.#afterCrash(1, Date.now() - startedAt);
    }
  }

  #cancelBackoff(): void {
    if (this.#backoffTimer !== undefined) clearTimeout(this.#backoffTimer);
    this.#backoffTimer = undefined;
  }

  /** Stops a run's whole process tree (once), whatever the service state says. */
  #kill(run: CurrentRun): Promise<void> {
    run.killing ??= (async () => {
      const { stopSignal, stopTimeoutMs } = this.service;
      this.#output.note(`stopping (${stopSignal}, SIGKILL after ${formatMs(stopTimeoutMs)})`);
      const outcome = await stopProcessTree(run.ref, { signal: stopSignal, timeoutMs: stopTimeoutMs, snapshot: this.#context.processes });
      if (outcome.escalated)
        this.#context.emit({ type: 'stop-escalated', service: this.service.name, signal: stopSignal, timeoutMs: stopTimeoutMs });
      if (outcome.survivors.length > 0)
        this.#context.emit({ type: 'stop-incomplete', service: this.service.name, survivors: outcome.survivors });
      await settle(run.exitHandled, 1000);
      await settle(run.process.outputDone, 1000);
      await this.#lifecycle?.afterStop();
      removeServicePidFile(this.#context.logsDir, this.service.name);
    })();
    return run.killing;
  }

  /** Stops the service's processes: stop signal to all, SIGKILL after stopTimeout. */
  async stop(): Promise<void> {
    this.#cancelBackoff();
    this.#startAbort?.abort();
    await this.#spawning;
    if (this.#state.type === 'pending' || this.#state.type === 'backoff') this.#apply({ type: 'stop' });
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

  /** Stop, start, wait for ready (a file change or `devstack restart`): a fresh start for the back-off too. */
  async restart(): Promise<RestartOutcome> {
    await this.stop();
    this.#restarts++;
    this.#consecutiveCrashes = 0;
    const started = Date.now();
    const outcome = await this.start(this.#context.shutdownSignal);
    if (outcome.type === 'ready') return { type: 'ready', readyInMs: Date.now() - started };
    if (outcome.type === 'failed') {
      this.#afterCrash(1, Date.now() - started); // e.g. a syntax error just saved: back off, wait for the next change
      return outcome;
    }
    return { type: 'failed', failure: this.#failure('the restart was interrupted because the stack is stopping', 'spawn-failed') };
  }

  async close(): Promise<void> {
    await this.#output.close();
  }
}
