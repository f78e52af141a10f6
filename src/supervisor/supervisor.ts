/**
 * Starts services in dependency order, each the moment its own dependencies are ready (no
 * levels: independent branches never wait for each other), and stops them in reverse: a service
 * stops once everything that depends on it has stopped. Restarts — a file change, `devstack
 * restart`, a crash — go through one path per service, so they never overlap.
 */
import { setMaxListeners } from 'node:events';
import type { ResolvedConfig } from '../config/resolved.js';
import { inReverseDependencyOrder, withDependents } from '../graph/graph.js';
import { createProcessSnapshot } from '../process/proc-table.js';
import { createDeferred } from '../util/deferred.js';
import type {
  RestartCause,
  RestartOutcome,
  ServiceSnapshot,
  StartFailure,
  StartOutcome,
  SupervisorEvent,
  SupervisorListener,
} from './events.js';
import { databaseLifecycle } from '../databases/lifecycle.js';
import type { DatabasePlan } from '../databases/plan.js';
import { ServiceRunner } from './service-runner.js';
import { isActive } from './service-state.js';
import { createFileWatching, type FileWatching } from './file-watching.js';

export interface SupervisorOptions {
  readonly config: ResolvedConfig;
  readonly runId: string;
  /** devstack's own environment: the lowest layer of every service's environment. */
  readonly processEnv: Readonly<Record<string, string>>;
  /** Selects .env.<mode> files. */
  readonly mode: string;
  /** Every selected service's port for the run (config/select + env/ports plan them). */
  readonly ports: ReadonlyMap<string, number>;
  /** How each selected database runs on this machine (databases/plan.ts). */
  readonly databasePlans?: ReadonlyMap<string, DatabasePlan>;
}

export class Supervisor {
  readonly config: ResolvedConfig;
  readonly runId: string;
  readonly #runners = new Map<string, ServiceRunner>();
  readonly #listeners = new Set<SupervisorListener>();
  /** Aborted by stopAll: nothing starts or restarts after that. */
  readonly #shutdown = new AbortController();
  #selected: readonly string[] = [];
  #stopAll: Promise<void> | undefined;
  readonly #idle = createDeferred<void>();
  #startupDone = false;
  /** Restarts in progress: a service briefly stopped for a restart does not make the run idle. */
  #restarting = 0;
  readonly #restartsInFlight = new Map<string, Promise<RestartOutcome>>();
  /** A change that arrived during a restart: at most one more restart follows. */
  readonly #pendingChange = new Map<string, RestartCause>();
  #watching: Promise<FileWatching | undefined> | undefined;

  constructor(options: SupervisorOptions) {
    // Every service waiting to start listens on this one signal: dozens of listeners are expected.
    setMaxListeners(0, this.#shutdown.signal);
    this.config = options.config;
    this.runId = options.runId;
    const context = {
      logsDir: options.config.logsDir,
      runId: options.runId,
      processEnv: options.processEnv,
      root: options.config.root,
      mode: options.mode,
      services: options.config.services,
      ports: options.ports,
      shutdownSignal: this.#shutdown.signal,
      settled: () => this.#checkIdle(),
      emit: (event: SupervisorEvent) => this.#emit(event),
      processes: createProcessSnapshot(),
    };
    for (const service of options.config.services) {
      const plan = options.databasePlans?.get(service.name);
      const lifecycle = plan === undefined ? undefined : databaseLifecycle(service, plan, options.config.root);
      this.#runners.set(service.name, new ServiceRunner(service, context, lifecycle));
    }
  }

  onEvent(listener: SupervisorListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: SupervisorEvent): void {
    for (const listener of this.#listeners) listener(event);
    if (event.type === 'state') this.#checkIdle();
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

  /** Starts these services, which must include their dependencies (config/select.ts). */
  async start(selected: readonly string[]): Promise<StartOutcome> {
    this.#selected = selected;
    // Watching starts with the services, so a change saved as soon as `up` returns is seen.
    const watching = createFileWatching({
      services: this.config.services.filter((service) => selected.includes(service.name) && service.watch !== undefined),
      logsDir: this.config.logsDir,
      runWindow: (name) => this.#runner(name).runWindow(),
      onRestart: (name, cause) => {
        // Changes saved while the stack is still starting are picked up by that start anyway.
        if (this.#startupDone && !this.#shutdown.signal.aborted) void this.#restartOnce(name, cause);
      },
      onLoop: (name, file) => this.#emit({ type: 'restart-loop', service: name, file }),
    });
    this.#watching = watching;
    const failure = await this.#startSet(selected);
    await watching;
    this.#startupDone = true;
    if (failure !== undefined) {
      await this.stopAll();
      return { type: 'failed', failure };
    }
    this.#checkIdle();
    if (this.#shutdown.signal.aborted) return { type: 'aborted' };
    return { type: 'ready', services: selected };
  }

  /** Starts `names` in dependency order; the first failure stops further starts and is returned. */
  async #startSet(names: readonly string[]): Promise<StartFailure | undefined> {
    const abort = new AbortController();
    setMaxListeners(0, abort.signal);
    const onShutdown = (): void => abort.abort();
    this.#shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    let firstFailure: StartFailure | undefined;
    const started = new Map<string, Promise<boolean>>();
    const startOne = (name: string): Promise<boolean> => {
      let promise = started.get(name);
      if (promise === undefined) {
        promise = (async () => {
          const runner = this.#runner(name);
          // A dependency outside `names` is already running (a restart of part of the stack).
          const dependencies = runner.service.dependsOn.filter((dependency) => names.includes(dependency));
          const dependenciesReady = await Promise.all(dependencies.map(startOne));
          if (!dependenciesReady.every(Boolean) || abort.signal.aborted) return false;
          const outcome = await runner.start(abort.signal);
          if (outcome.type === 'failed' && firstFailure === undefined) {
            firstFailure = outcome.failure;
            abort.abort(); // nothing else starts; probes in flight give up
          }
          return outcome.type === 'ready';
        })();
        started.set(name, promise);
      }
      return promise;
    };
    try {
      await Promise.all(names.map(startOne));
    } finally {
      this.#shutdown.signal.removeEventListener('abort', onShutdown);
    }
    return firstFailure;
  }

  /** Stops the named services and whatever depends on them; all services when `names` is empty. */
  async stop(names: readonly string[]): Promise<void> {
    if (names.length === 0) return this.stopAll();
    await this.#stopInOrder(withDependents(this.config.services, names));
  }

  /** Stops everything, once: later calls share the first call's promise. */
  stopAll(): Promise<void> {
    this.#shutdown.abort();
    this.#stopAll ??= (async () => {
      // The watcher goes first: a file written during shutdown must not restart anything.
      await (await this.#watching)?.close();
      await this.#stopInOrder(this.config.services.map((service) => service.name));
    })();
    return this.#stopAll;
  }

  #stopInOrder(names: readonly string[]): Promise<void> {
    return inReverseDependencyOrder(this.config.services, names, (name) => this.#runner(name).stop());
  }

  /** `devstack restart <name>`. */
  restart(name: string): Promise<RestartOutcome> {
    void this.#watching?.then((watching) => watching?.resume(name)); // a restart-loop pause ends with a manual restart
    return this.#restartOnce(name, { type: 'manual' });
  }

  /**
   * One restart at a time per service. A file change during a restart is remembered and causes
   * exactly one more restart afterwards, however many changes came in.
   */
  #restartOnce(name: string, cause: RestartCause): Promise<RestartOutcome> {
    const inFlight = this.#restartsInFlight.get(name);
    if (inFlight !== undefined) {
      if (cause.type === 'change') {
        this.#pendingChange.set(name, cause);
        return inFlight;
      }
      return inFlight.then(() => this.#restartOnce(name, cause));
    }
    const promise = this.#restartWithDependents(name, cause).finally(() => {
      this.#restartsInFlight.delete(name);
      const pending = this.#pendingChange.get(name);
      this.#pendingChange.delete(name);
      if (pending !== undefined && !this.#shutdown.signal.aborted) void this.#restartOnce(name, pending);
    });
    this.#restartsInFlight.set(name, promise);
    return promise;
  }

  async #restartWithDependents(name: string, cause: RestartCause): Promise<RestartOutcome> {
    this.#restarting++;
    try {
      const runner = this.#runner(name);
      const dependents = runner.service.restartDependents
        ? withDependents(this.config.services, [name]).filter(
            (dependent) => dependent !== name && this.#selected.includes(dependent) && isActive(this.#runner(dependent).state),
          )
        : [];
      this.#emit({ type: 'restarting', service: name, cause });
      for (const dependent of dependents)
        this.#emit({ type: 'restarting', service: dependent, cause: { type: 'dependency', service: name } });
      await this.#stopInOrder(dependents);
      const outcome = await runner.restart();
      if (outcome.type === 'ready') {
        this.#emit({ type: 'restarted', service: name, cause, readyInMs: outcome.readyInMs });
        if (dependents.length > 0) {
          const started = Date.now();
          const failure = await this.#startSet(dependents);
          if (failure === undefined) {
            for (const dependent of dependents) {
              this.#runner(dependent).countRestart();
              this.#emit({
                type: 'restarted',
                service: dependent,
                cause: { type: 'dependency', service: name },
                readyInMs: Date.now() - started,
              });
            }
          }
        }
      }
      return outcome;
    } finally {
      this.#restarting--;
      this.#checkIdle();
    }
  }

  snapshot(): ServiceSnapshot[] {
    return this.#selected.map((name) => this.#runner(name).snapshot());
  }

  /** Resolves when, after startup, no service has a process left (all exited, failed or stopped). */
  whenIdle(): Promise<void> {
    return this.#idle.promise;
  }

  #checkIdle(): void {
    if (!this.#startupDone || this.#restarting > 0) return;
    const busy = [...this.#runners.values()].some((runner) => runner.isBusy());
    if (!busy) this.#idle.resolve();
  }

  /** Closes log files. Call after stopAll(). */
  async close(): Promise<void> {
    await Promise.all([...this.#runners.values()].map((runner) => runner.close()));
  }
}
