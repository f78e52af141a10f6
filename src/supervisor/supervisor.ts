/**
 * Starts services in dependency order, each the moment its own dependencies are ready (no
 * levels: independent branches never wait for each other), and stops them in reverse: a service
 * stops once everything that depends on it has stopped. Restarts — a file change, `devstack
 * restart`, a crash — go through one path per service, so they never overlap. Its only output is
 * the event bus.
 */
import { setMaxListeners } from 'node:events';
import type { ResolvedConfig } from '../config/resolved.js';
import type { PortPlan } from '../config/templates.js';
import { inReverseDependencyOrder, withDependencies, withDependents } from '../graph/graph.js';
import { createProcessSnapshot } from '../process/proc-table.js';
import { systemClock, type Clock } from '../util/clock.js';
import { createDeferred } from '../util/deferred.js';
import { EventBus } from './event-bus.js';
import type { RestartCause, RestartOutcome, ServiceSnapshot, StartupOutcome, SupervisorEvent } from './events.js';
import { createFileWatching, type FileWatching } from './file-watching.js';
import type { ServiceLifecycle } from './lifecycle.js';
import { restartRefusal, restartSet } from './restart-set.js';
import type { RunnerContext } from './runner-context.js';
import { ServiceRunner } from './service-runner.js';
import { isActive, type Settled } from './service-state.js';
import { startInOrder } from './start-in-order.js';

export interface SupervisorOptions {
  readonly config: ResolvedConfig;
  readonly runId: string;
  /** The stack's identity, carried by every process (DEVSTACK_PROJECT). */
  readonly project: string;
  /** devstack's own environment: the lowest layer of every service's environment. */
  readonly processEnv: Readonly<Record<string, string>>;
  /** Selects .env.<mode> files. */
  readonly mode: string;
  /** Every selected service's port for the run (config/select + env/ports plan them). */
  readonly ports: PortPlan;
  /** What runs around some services' processes (databases), by service name. */
  readonly lifecycles?: ReadonlyMap<string, ServiceLifecycle>;
  readonly clock?: Clock;
  /** Masks secrets in every event but service output. */
  readonly redact?: (event: SupervisorEvent) => SupervisorEvent;
}

export class Supervisor {
  readonly config: ResolvedConfig;
  readonly runId: string;
  readonly events: EventBus;
  readonly #clock: Clock;
  readonly #runners = new Map<string, ServiceRunner>();
  /** Aborted by stopAll: nothing starts or restarts after that. */
  readonly #shutdown = new AbortController();
  #selected: readonly string[] = [];
  #stopAll: Promise<void> | undefined;
  readonly #idle = createDeferred<void>();
  #startupDone = false;
  readonly #startupFinished = createDeferred<void>();
  /** Restarts in progress by service: a service briefly stopped for a restart does not make the run idle. */
  readonly #restarting = new Map<string, Promise<RestartOutcome>>();
  /** A change that arrived during a restart: at most one more restart follows. */
  #watching: Promise<FileWatching | undefined> | undefined;
  /** What each service watches, once the watcher is set up. */
  #watchingNow: ReadonlyMap<string, readonly string[]> | undefined;

  constructor(options: SupervisorOptions) {
    setMaxListeners(0, this.#shutdown.signal);
    this.config = options.config;
    this.runId = options.runId;
    this.#clock = options.clock ?? systemClock;
    this.events = new EventBus(this.#clock, options.redact);
    const context: RunnerContext = {
      logsDir: options.config.logsDir,
      runId: options.runId,
      project: options.project,
      processEnv: options.processEnv,
      root: options.config.root,
      mode: options.mode,
      services: options.config.services,
      ports: options.ports,
      clock: this.#clock,
      shutdownSignal: this.#shutdown.signal,
      emit: (event) => this.events.emit(event),
      processes: createProcessSnapshot(),
      changed: () => this.#checkIdle(),
    };
    for (const service of options.config.services) {
      this.#runners.set(service.name, new ServiceRunner(service, context, options.lifecycles?.get(service.name)));
    }
  }

  #runner(name: string): ServiceRunner {
    const runner = this.#runners.get(name);
    if (runner === undefined) throw new Error(`unknown service ${name}`); // names are validated by callers
    return runner;
  }

  /** Services in this run, in config order. */
  get selected(): readonly string[] {
    return this.#selected;
  }

  get isShuttingDown(): boolean {
    return this.#shutdown.signal.aborted;
  }

  /** Starts these services, which must include their dependencies (config/select.ts). */
  async start(selected: readonly string[]): Promise<StartupOutcome> {
    const startedAt = this.#clock.now();
    this.#selected = selected;
    void this.events.emit({ type: 'run-started', runId: this.runId, services: selected, pid: process.pid });
    // Watching starts with the services, so a change saved as soon as `up` returns is seen.
    const watching = createFileWatching({
      services: this.config.services.filter((service) => selected.includes(service.name) && service.watch !== undefined),
      runServices: this.config.services.filter((service) => selected.includes(service.name)),
      root: this.config.root,
      logsDir: this.config.logsDir,
      clock: this.#clock,
      runWindow: (name) => this.#runner(name).runWindow(),
      onRestart: async (changed, beforeSpawn) => {
        let targets = changed;
        if (!this.#startupDone) {
          // A service not spawned yet reads the changed files when it starts; one already running
          // may have read them before the change: it restarts once the stack's startup is over.
          targets = new Map([...changed].filter(([name]) => this.#runner(name).runWindow() !== undefined));
          if (targets.size === 0) return;
          await this.#startupFinished.promise;
        }
        if (!this.#shutdown.signal.aborted) await this.#restartChanged(targets, beforeSpawn);
      },
      onLoop: (name, file) => void this.events.emit({ type: 'restart-loop', service: name, file }),
    });
    this.#watching = watching;
    void watching.then((ready) => (this.#watchingNow = ready?.watching));
    const outcome = await this.startServices(selected, { failFast: true });
    await watching;
    this.#startupDone = true;
    this.#startupFinished.resolve();
    void this.events.emit({ type: 'startup-finished', outcome, elapsedMs: this.#clock.now() - startedAt });
    if (outcome.type !== 'ready') await this.stopAll();
    this.#checkIdle();
    return outcome;
  }

  /**
   * Starts `names` (and what they need of each other) in dependency order; a dependency outside
   * `names` must already be ready. Resolves once all are ready, or with the first failure.
   */
  startServices(names: readonly string[], options: { readonly failFast: boolean }): Promise<StartupOutcome> {
    return startInOrder({
      names,
      services: this.config.services,
      runner: (name) => this.#runner(name),
      shutdown: this.#shutdown.signal,
      failFast: options.failFast,
    });
  }

  /** `devstack start <svc>`: the service and whatever it needs that is not running. */
  startService(name: string): Promise<StartupOutcome> {
    return this.startWithDependencies([name]);
  }

  /** The services and whatever they need that is not running (the dashboard's "start all": every selected one). */
  async startWithDependencies(names: readonly string[]): Promise<StartupOutcome> {
    if (this.#shutdown.signal.aborted) return { type: 'aborted', reason: 'the stack is stopping' };
    const needed = withDependencies(this.config.services, names).filter((candidate) => {
      const settled = this.#settledNow(candidate);
      return settled !== 'ready';
    });
    return this.startServices(needed, { failFast: false });
  }

  #settledNow(name: string): Settled | undefined {
    const runner = this.#runner(name);
    const { state } = runner;
    if (state.type === 'ready' || (state.type === 'exited' && runner.service.type === 'task')) return 'ready';
    return undefined;
  }

  /** Stops the named services and whatever depends on them (they stay stopped until started); all when empty. */
  async stop(names: readonly string[]): Promise<readonly string[]> {
    if (names.length === 0) {
      await this.stopAll();
      return this.#selected;
    }
    const targets = withDependents(this.config.services, names).filter((name) => this.#selected.includes(name));
    await this.#stopInOrder(targets, 'stop');
    return targets;
  }

  /** Stops everything, once: later calls share the first call's promise. */
  stopAll(): Promise<void> {
    this.#shutdown.abort();
    this.#stopAll ??= (async () => {
      // The watcher goes first: a file written during shutdown must not restart anything.
      await (await this.#watching)?.close();
      await this.#stopInOrder(
        this.config.services.map((service) => service.name),
        'shutdown',
      );
    })();
    return this.#stopAll;
  }

  #stopInOrder(names: readonly string[], intent: 'stop' | 'shutdown' | 'restart'): Promise<void> {
    return inReverseDependencyOrder(this.config.services, names, (name) => this.#runner(name).stop(intent));
  }

  /** `devstack restart <name>`: refused while its dependencies are not running. */
  restart(name: string): Promise<RestartOutcome> {
    void this.#watching?.then((watching) => watching?.resume(name)); // a restart-loop pause ends with a manual restart
    return this.#restartOnce(name, { type: 'manual' });
  }

  /** One restart at a time per service: a second request waits for the first, then restarts again. */
  #restartOnce(name: string, cause: RestartCause): Promise<RestartOutcome> {
    const inFlight = this.#restarting.get(name);
    if (inFlight !== undefined) return inFlight.then(() => this.#restartOnce(name, cause));
    const refused = this.#refusal(name);
    if (refused !== undefined) return Promise.resolve(refused);
    return this.#restartTargets(new Map([[name, cause]])).then((outcomes) => outcomes.get(name)!);
  }

  /**
   * Services whose watched files changed together, restarted as one set: stopped in reverse
   * dependency order, started again in dependency order, each once. Those that cannot restart now
   * (not running, a dependency down) are left alone; restarts in flight finish first.
   */
  async #restartChanged(changed: ReadonlyMap<string, RestartCause>, beforeSpawn: () => Promise<void>): Promise<void> {
    await Promise.all([...changed.keys()].map((name) => this.#restarting.get(name)?.catch(() => undefined)));
    const targets = new Map([...changed].filter(([name]) => !this.#restarting.has(name) && this.#refusal(name) === undefined));
    if (targets.size > 0 && !this.#shutdown.signal.aborted) await this.#restartTargets(targets, beforeSpawn);
  }

  #refusal(name: string): RestartOutcome | undefined {
    return restartRefusal({
      name,
      selected: this.#selected,
      shuttingDown: this.#shutdown.signal.aborted,
      runner: (target) => this.#runner(target),
      isRestarting: (target) => this.#restarting.has(target),
    });
  }

  #restartTargets(requested: ReadonlyMap<string, RestartCause>, beforeSpawn?: () => Promise<void>): Promise<Map<string, RestartOutcome>> {
    const targets = new Map(requested);
    for (const name of requested.keys()) {
      if (!this.#runner(name).service.restartDependents) continue;
      for (const dependent of withDependents(this.config.services, [name])) {
        if (!targets.has(dependent) && this.#selected.includes(dependent) && isActive(this.#runner(dependent).state)) {
          targets.set(dependent, { type: 'dependency', service: name });
        }
      }
    }
    const promise = restartSet({
      targets,
      services: this.config.services,
      runner: (target) => this.#runner(target),
      emit: (event) => void this.events.emit(event),
      clock: this.#clock,
      shutdown: this.#shutdown.signal,
      beforeStart: beforeSpawn,
    }).finally(() => {
      for (const target of targets.keys()) this.#restarting.delete(target);
      this.#checkIdle();
    });
    for (const target of targets.keys())
      this.#restarting.set(
        target,
        promise.then((outcomes) => outcomes.get(target)!),
      );
    return promise;
  }

  /** Whether a restart of the service is under way (stopping it, waiting for the files, starting it). */
  isRestarting(name: string): boolean {
    return this.#restarting.has(name);
  }

  /** One service's snapshot; undefined when it is not part of this run. */
  snapshotOf(name: string): ServiceSnapshot | undefined {
    return this.#selected.includes(name) ? this.#runner(name).snapshot() : undefined;
  }

  snapshot(): ServiceSnapshot[] {
    const watching = this.#watchingNow;
    return this.#selected.map((name) => {
      const snapshot = this.#runner(name).snapshot();
      const paths = watching?.get(name);
      return paths === undefined ? snapshot : { ...snapshot, watching: paths };
    });
  }

  /**
   * Resolves when, after startup, nothing runs or will run again: every service exited, failed,
   * or was stopped by the stack shutting down. A service stopped on request (`devstack stop`)
   * keeps the supervisor up, ready to start it again.
   */
  whenIdle(): Promise<void> {
    return this.#idle.promise;
  }

  #idleCheckScheduled = false;

  /**
   * Checked on the next turn of the event loop, not at once: a crashed service is `failed` for
   * an instant before its restart policy puts it in `backoff`, and that instant is not idleness.
   */
  #checkIdle(): void {
    if (this.#idleCheckScheduled) return;
    this.#idleCheckScheduled = true;
    setImmediate(() => {
      this.#idleCheckScheduled = false;
      this.#checkIdleNow();
    });
  }

  #checkIdleNow(): void {
    if (!this.#startupDone || this.#restarting.size > 0) return;
    const running = [...this.#runners.values()].some(
      (runner) => runner.busy || (runner.state.type === 'stopped' && runner.state.intent === 'stop' && !this.#shutdown.signal.aborted),
    );
    if (!running) this.#idle.resolve();
  }
}
