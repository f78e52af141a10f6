/**
 * Runs one service: start (prepare, spawn, readiness), stop, crash restarts with back-off. Its
 * state is one RunnerState value changed only through `nextState`; every change is reported as an
 * event. The supervisor decides when to start and stop it.
 */
import type { ResolvedService } from '../config/resolved.js';
import type { OutputStream } from '../process/spawn.js';
import { createDeferred } from '../util/deferred.js';
import { settle } from '../util/settle.js';
import { cleanLines } from '../util/terminal-text.js';
import type { RunWindow } from '../watch/restart-loop.js';
import type { ServiceSnapshot, StartFailure } from './events.js';
import type { ServiceLifecycle } from './lifecycle.js';
import { OutputTap } from './output-tap.js';
import { decideRestart, giveUpMessage } from './restart-policy.js';
import type { RunnerContext } from './runner-context.js';
import { publicState, runOf, runWindowOf } from './runner-view.js';
import { nextState, type Attempt, type Failure, type Run, type RunnerEvent, type RunnerState } from './runner-state.js';
import { settledOf, type Settled, type ServiceState, type StopIntent } from './service-state.js';
import { becomeReady, prepareLaunch, recordRun, spawnRun, sweepRun, type LaunchPlan } from './start-attempt.js';
import { snapshotOf } from './snapshot.js';

const TAIL_LINES = 20;
/** Output still in the pipes when a process exits is waited for this long before a failure is reported. */
const OUTPUT_SETTLE_MS = 300;

export interface StartOptions {
  /** A failed start backs off and tries again (restarts after a change or a crash), or stays failed. */
  readonly onFailure: 'stay' | 'backoff';
}

export class ServiceRunner {
  readonly service: ResolvedService;
  readonly #context: RunnerContext;
  readonly #lifecycle: ServiceLifecycle | undefined;
  #state: RunnerState = { type: 'pending', waitingOn: [] };
  readonly #tap = new OutputTap();
  readonly #waiters = new Set<(settled: Settled) => void>();
  /** One sweep per run, whoever asks for it (a stop, a failed start, the leader's own exit). */
  readonly #sweeps = new WeakMap<Run, Promise<void>>();
  /** The last failure, with its log tail: still reported while the service backs off to try again. */
  #lastFailure: StartFailure | undefined;
  #restarts = 0;
  /** Crash restarts without a stable minute in between (the back-off exponent). */
  #consecutiveCrashes = 0;

  constructor(service: ResolvedService, context: RunnerContext, lifecycle?: ServiceLifecycle) {
    this.service = service;
    this.#context = context;
    this.#lifecycle = lifecycle;
  }

  get state(): ServiceState {
    return publicState(this.#state);
  }

  /** True while the service has processes, will have again, or is still cleaning up after one. */
  get busy(): boolean {
    const { type } = this.#state;
    return type !== 'pending' && type !== 'stopped' && type !== 'exited' && type !== 'failed';
  }

  #apply(event: RunnerEvent): boolean {
    const transition = nextState(this.#state, event);
    if (!transition.ok) {
      void this.#context.emit({ type: 'invalid-transition', service: this.service.name, problem: transition.error });
      return false;
    }
    const before = publicState(this.#state);
    this.#state = transition.value;
    const after = publicState(this.#state);
    if (JSON.stringify(before) !== JSON.stringify(after)) {
      void this.#context.emit({ type: 'state', service: this.service.name, state: after, previous: before.type });
    }
    if (after.type === 'failed') {
      this.#lastFailure = {
        service: this.service.name,
        reason: after.reason,
        message: after.message,
        logTail: this.#tap.tail(TAIL_LINES),
        hint: after.hint,
      };
    }
    const settled = settledOf(after, this.service.type);
    if (settled !== undefined) {
      for (const resolve of this.#waiters) resolve(settled);
      this.#waiters.clear();
    }
    this.#context.changed();
    return true;
  }

  /** Resolves once the service is ready, failed or stopped (not the stop inside a restart). */
  whenSettled(): Promise<Settled> {
    const now = settledOf(this.state, this.service.type);
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => this.#waiters.add(resolve));
  }

  /** A pending service shows what it waits for. */
  markWaiting(waitingOn: readonly string[]): void {
    if (this.#state.type === 'pending' || this.#state.type === 'stopped') this.#apply({ type: 'wait', waitingOn });
  }

  /** Starts the service unless it runs already; resolves when it is ready, failed or stopped. */
  async start(options: StartOptions = { onFailure: 'stay' }): Promise<Settled> {
    for (;;) {
      const state = this.#state;
      if (state.type === 'preparing' || state.type === 'starting' || state.type === 'ready') return this.whenSettled();
      if (state.type === 'stopping') await state.done;
      else if (state.type === 'exiting') await this.#sweep(state.run);
      else break;
    }
    if (this.#state.type === 'backoff') this.#context.clock.clearTimeout(this.#state.timer);
    const finished = createDeferred<void>();
    const attempt: Attempt = { abort: new AbortController(), startedAt: this.#context.clock.now(), done: finished.promise };
    if (!this.#apply({ type: 'prepare', attempt })) return this.whenSettled();
    const settled = this.whenSettled();
    void this.#runAttempt(attempt, options).finally(() => finished.resolve());
    return settled;
  }

  async #runAttempt(attempt: Attempt, options: StartOptions): Promise<void> {
    this.#tap.startRun();
    const planned = await prepareLaunch(
      this.service,
      this.#context,
      this.#lifecycle,
      (lines) => void this.#onLines('stdout', [...lines], false),
    );
    if (attempt.abort.signal.aborted) return; // stopped while preparing: stop() moves the state on
    if (!planned.ok) return this.#failStart(planned.error, options, undefined);
    const spawned = await spawnRun(planned.value, this.service, this.#context, (stream, lines, plain) =>
      this.#onLines(stream, lines, plain),
    );
    if (!spawned.ok) return this.#failStart(spawned.error, options, undefined);
    const run = spawned.value;
    if (attempt.abort.signal.aborted) return this.#sweep(run); // stopped while spawning: this process is not wanted
    recordRun(run, this.service.name, this.#context);
    this.#apply({ type: 'spawned', run });
    void run.process.exited.then((exit) => this.#onExit(run, exit.code, exit.signal));
    if (this.service.type === 'task') return; // done when it exits (#onExit)
    await this.#becomeReady(run, planned.value, options);
  }

  async #becomeReady(run: Run, plan: LaunchPlan, options: StartOptions): Promise<void> {
    const stillStarting = (): boolean => this.#state.type === 'starting' && this.#state.run === run;
    const outcome = await becomeReady({
      run,
      plan,
      service: this.service,
      context: this.#context,
      lifecycle: this.#lifecycle,
      tap: this.#tap,
      log: (lines) => void this.#onLines('stdout', [...lines], false),
      isCurrent: stillStarting,
      onStuck: (message, hint) => void this.#context.emit({ type: 'warning', service: this.service.name, message, hint }),
    });
    if (!stillStarting()) return; // exited (#onExit) or stopped (stop()) meanwhile
    if (outcome.ok) this.#apply({ type: 'probe-ok', at: this.#context.clock.now() });
    else await this.#failStart(outcome.error, options, run);
  }

  /** A start that did not work: a failure, its processes swept, and a back-off when asked for. */
  async #failStart(problem: Omit<Failure, 'at'>, options: StartOptions, run: Run | undefined): Promise<void> {
    this.#apply({ type: 'start-failed', ...problem, at: this.#context.clock.now() });
    if (run !== undefined) {
      await this.#sweep(run);
      if (this.#state.type === 'exiting' && this.#state.run === run) this.#apply({ type: 'swept' });
    }
    if (options.onFailure === 'backoff' && this.#state.type === 'failed') this.#afterCrash(1, 0);
  }

  async #onExit(run: Run, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    run.abort.abort();
    if (runOf(this.#state) !== run) return;
    const before = this.#state;
    const at = this.#context.clock.now();
    this.#apply({ type: 'exit', code, signal, at, task: this.service.type === 'task', shell: this.service.command.type === 'shell' });
    const state = this.#state;
    if (state.type !== 'exiting' || state.run !== run || before.type === 'exiting') return; // a stop or a failed start sweeps
    // The leader exited on its own: whatever it left behind in its group or under its marker goes too.
    await settle(run.process.outputDone, OUTPUT_SETTLE_MS); // its last lines belong in the failure report
    await this.#sweep(run);
    if (this.#state.type !== 'exiting' || this.#state.run !== run) return;
    this.#apply({ type: 'swept' });
    const ended = this.state;
    if (before.type === 'ready' && this.service.type === 'service' && !(ended.type === 'failed' && ended.reason === 'command-not-found')) {
      this.#afterCrash(code, at - run.spawnedAt);
    }
  }

  /** Applies the restart policy after a ready service exited, or after a restart failed to start. */
  #afterCrash(exitCode: number | null, ranForMs: number): void {
    if (this.#context.shutdownSignal.aborted) return;
    const { restart: policy, maxRestarts } = this.service;
    const decision = decideRestart({ policy, maxRestarts, exitCode, ranForMs, consecutiveRestarts: this.#consecutiveCrashes });
    const { clock } = this.#context;
    switch (decision.type) {
      case 'stay-down':
        return;
      case 'give-up': {
        const last = this.#state.type === 'failed' ? this.#state.message : 'exited';
        this.#apply({ type: 'give-up', message: giveUpMessage(decision.restarts, last, maxRestarts), at: clock.now() });
        return;
      }
      case 'restart': {
        this.#consecutiveCrashes = decision.attempt;
        // Only a timer until then: a crash-looping service costs the supervisor no CPU.
        const timer = clock.setTimeout(() => void this.#restartAfterCrash(decision.attempt), decision.delayMs);
        this.#apply({
          type: 'backoff',
          attempt: decision.attempt,
          delayMs: decision.delayMs,
          until: clock.now() + decision.delayMs,
          timer,
        });
        return;
      }
    }
  }

  async #restartAfterCrash(attempt: number): Promise<void> {
    if (this.#state.type !== 'backoff' || this.#context.shutdownSignal.aborted) return;
    this.#restarts++;
    const startedAt = this.#context.clock.now();
    const cause = { type: 'crash', attempt } as const;
    void this.#context.emit({ type: 'restarting', service: this.service.name, cause });
    if ((await this.start({ onFailure: 'backoff' })) === 'ready') {
      void this.#context.emit({ type: 'restarted', service: this.service.name, cause, readyInMs: this.#context.clock.now() - startedAt });
    }
  }

  /** Stops the service's processes: stop signal to all, SIGKILL after stopTimeout. */
  async stop(intent: StopIntent): Promise<void> {
    const state = this.#state;
    if (state.type === 'stopping') {
      this.#apply({ type: 'stop', intent, done: state.done }); // a stronger intent wins (shutdown over stop over restart)
      return state.done;
    }
    if (state.type === 'backoff') this.#context.clock.clearTimeout(state.timer);
    const finished = createDeferred<void>();
    if (!this.#apply({ type: 'stop', intent, done: finished.promise })) return;
    const stopping = this.#state;
    if (stopping.type !== 'stopping') return; // nothing was running
    try {
      if (state.type === 'preparing') {
        state.attempt.abort.abort();
        await state.attempt.done.catch(() => undefined); // a process spawned at that moment is swept by the attempt
      }
      if (state.type === 'starting') state.attempt.abort.abort(); // its readiness wait ends with the run's abort below
      if (stopping.run !== undefined) {
        stopping.run.abort.abort();
        await this.#sweep(stopping.run);
      }
    } finally {
      this.#apply({ type: 'swept' });
      finished.resolve();
    }
  }

  /** Stops a run's whole process tree (once, whoever asks), and everything that belongs to it. */
  #sweep(run: Run): Promise<void> {
    let sweeping = this.#sweeps.get(run);
    if (sweeping === undefined) {
      sweeping = sweepRun(run, this.service, this.#context, this.#lifecycle);
      this.#sweeps.set(run, sweeping);
    }
    return sweeping;
  }

  /** A restart from outside (a change, `devstack restart`): a fresh start for the back-off too. */
  noteRestart(): void {
    this.#restarts++;
    this.#consecutiveCrashes = 0;
  }

  #onLines(stream: OutputStream, lines: string[], plain: boolean): Promise<void> | undefined {
    // Cursor moves and screen clears never reach the merged view or the files; colours may stay.
    const clean = plain ? lines : cleanLines(lines, true);
    this.#tap.push(clean);
    return this.#context.emit({
      type: 'output',
      service: this.service.name,
      stream: stream === 'stdout' ? 'out' : 'err',
      lines: clean,
      plain,
    });
  }

  /** The current run's start and ready times, for restart-loop detection. */
  runWindow(): RunWindow | undefined {
    return runWindowOf(this.#state);
  }

  /** The failure to report for a start that did not work (with that run's last lines). */
  failure(): StartFailure | undefined {
    const { type } = this.state;
    return type === 'failed' || type === 'backoff' ? this.#lastFailure : undefined;
  }

  snapshot(): ServiceSnapshot {
    return snapshotOf({
      service: this.service,
      state: this.state,
      ports: this.#context.ports.get(this.service.name),
      restarts: this.#restarts,
      mode: this.#lifecycle?.description,
      now: this.#context.clock.now(),
    });
  }
}
