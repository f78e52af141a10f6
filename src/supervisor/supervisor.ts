/**
 * Starts services in dependency order, each the moment its own dependencies are ready (no
 * levels: independent branches never wait for each other), and stops them in reverse: a service
 * stops once everything that depends on it has stopped.
 */
import { setMaxListeners } from 'node:events';
import type { ResolvedConfig } from '../config/resolved.js';
import { dependentsOf, withDependents } from '../graph/graph.js';
import { createProcessSnapshot } from '../process/proc-table.js';
import type { RestartOutcome, ServiceSnapshot, StartFailure, StartOutcome, SupervisorEvent, SupervisorListener } from './events.js';
import { isActive } from './service-state.js';
import { ServiceRunner } from './service-runner.js';
import { createDeferred } from '../util/deferred.js';

export interface SupervisorOptions {
  readonly config: ResolvedConfig;
  readonly runId: string;
  /** devstack's own environment: the lowest layer of every service's environment. */
  readonly processEnv: Readonly<Record<string, string>>;
  /** Selects .env.<mode> files. */
  readonly mode: string;
  /** Every selected service's port for the run (config/select + env/ports plan them). */
  readonly ports: ReadonlyMap<string, number>;
}

export class Supervisor {
  readonly config: ResolvedConfig;
  readonly runId: string;
  readonly #runners = new Map<string, ServiceRunner>();
  readonly #listeners = new Set<SupervisorListener>();
  readonly #startupAbort = new AbortController();
  #selected: readonly string[] = [];
  #stopAll: Promise<void> | undefined;
  readonly #idle = createDeferred<void>();
  #startupDone = false;
  /** Restarts in progress: a service briefly stopped for a restart does not make the run idle. */
  #restarting = 0;

  constructor(options: SupervisorOptions) {
    // Every service waiting to start listens on this one signal: dozens of listeners are expected.
    setMaxListeners(0, this.#startupAbort.signal);
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
      emit: (event: SupervisorEvent) => this.#emit(event),
      processes: createProcessSnapshot(),
    };
    for (const service of options.config.services) this.#runners.set(service.name, new ServiceRunner(service, context));
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
    const signal = this.#startupAbort.signal;
    let firstFailure: StartFailure | undefined;
    const started = new Map<string, Promise<boolean>>();

    const startOne = (name: string): Promise<boolean> => {
      let promise = started.get(name);
      if (promise === undefined) {
        promise = (async () => {
          const runner = this.#runner(name);
          const dependenciesReady = await Promise.all(runner.service.dependsOn.map(startOne));
          if (!dependenciesReady.every(Boolean) || signal.aborted) return false;
          const outcome = await runner.start(signal);
          if (outcome.type === 'failed' && firstFailure === undefined) {
            firstFailure = outcome.failure;
            this.#startupAbort.abort(); // nothing else starts; probes in flight give up
          }
          return outcome.type === 'ready';
        })();
        started.set(name, promise);
      }
      return promise;
    };

    await Promise.all(this.#selected.map(startOne));
    this.#startupDone = true;
    if (firstFailure !== undefined) {
      await this.stopAll();
      return { type: 'failed', failure: firstFailure };
    }
    this.#checkIdle();
    if (signal.aborted) return { type: 'aborted' };
    return { type: 'ready', services: this.#selected };
  }

  /** Stops the named services and whatever depends on them; all services when `names` is empty. */
  async stop(names: readonly string[]): Promise<void> {
    if (names.length === 0) return this.stopAll();
    await this.#stopInOrder(withDependents(this.config.services, names));
  }

  /** Stops everything, once: later calls share the first call's promise. */
  stopAll(): Promise<void> {
    this.#startupAbort.abort();
    this.#stopAll ??= this.#stopInOrder(this.config.services.map((service) => service.name));
    return this.#stopAll;
  }

  async #stopInOrder(names: readonly string[]): Promise<void> {
    const stopped = new Map<string, Promise<void>>();
    const stopOne = (name: string): Promise<void> => {
      let promise = stopped.get(name);
      if (promise === undefined) {
        promise = (async () => {
          const dependents = dependentsOf(this.config.services, name).filter((dependent) => names.includes(dependent));
          await Promise.all(dependents.map(stopOne));
          await this.#runner(name).stop();
        })();
        stopped.set(name, promise);
      }
      return promise;
    };
    await Promise.all(names.map(stopOne));
  }

  async restart(name: string): Promise<RestartOutcome> {
    this.#restarting++;
    try {
      return await this.#runner(name).restart(this.#startupAbort.signal);
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
    const busy = [...this.#runners.values()].some((runner) => isActive(runner.state));
    if (!busy) this.#idle.resolve();
  }

  /** Closes log files. Call after stopAll(). */
  async close(): Promise<void> {
    await Promise.all([...this.#runners.values()].map((runner) => runner.close()));
  }
}
