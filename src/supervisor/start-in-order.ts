/**
 * Starts a set of services in dependency order: each starts the moment its own dependencies are
 * ready, independent ones in parallel. A dependency outside the set must already be ready. The
 * outcome is decided by how each start settled, not by who asked: a restart of a service in the
 * middle of this (its run replaced by a new one) is waited out, so dependents start only once the
 * service they need is really ready.
 */
import type { ResolvedService } from '../config/resolved.js';
import type { StartFailure, StartupOutcome } from './events.js';
import type { ServiceRunner, StartOptions } from './service-runner.js';
import type { Settled } from './service-state.js';

export interface StartInOrderInput {
  readonly names: readonly string[];
  readonly services: readonly ResolvedService[];
  readonly runner: (name: string) => ServiceRunner;
  readonly shutdown: AbortSignal;
  /** Resolve with the first failure at once (startup: `up` stops everything then), or wait for all. */
  readonly failFast: boolean;
  readonly onFailure?: StartOptions['onFailure'];
}

function isReadyNow(runner: ServiceRunner): boolean {
  const { state } = runner;
  return state.type === 'ready' || (state.type === 'exited' && runner.service.type === 'task');
}

export function startInOrder(input: StartInOrderInput): Promise<StartupOutcome> {
  const { names, shutdown } = input;
  const inSet = new Set(names);
  const started = new Map<string, Promise<Settled>>();
  let firstFailure: StartFailure | undefined;
  let stoppedOne: string | undefined;
  let reportFailure: ((failure: StartFailure) => void) | undefined;
  const failedEarly = new Promise<StartFailure>((resolve) => (reportFailure = resolve));

  const startOne = (name: string): Promise<Settled> => {
    let promise = started.get(name);
    if (promise !== undefined) return promise;
    promise = (async (): Promise<Settled> => {
      const runner = input.runner(name);
      const dependencies = runner.service.dependsOn;
      const waitingOn = new Set(dependencies.filter((dependency) => inSet.has(dependency) || !isReadyNow(input.runner(dependency))));
      runner.markWaiting([...waitingOn]);
      const results = await Promise.all(
        dependencies.map(async (dependency): Promise<Settled> => {
          const settled = inSet.has(dependency) ? await startOne(dependency) : isReadyNow(input.runner(dependency)) ? 'ready' : 'stopped';
          waitingOn.delete(dependency);
          if (settled === 'ready') runner.markWaiting([...waitingOn]);
          return settled;
        }),
      );
      if (!results.every((result) => result === 'ready') || shutdown.aborted || (input.failFast && firstFailure !== undefined)) {
        runner.markWaiting([]);
        return results.includes('failed') ? 'failed' : 'stopped';
      }
      const settled = await runner.start({ onFailure: input.onFailure ?? 'stay' });
      if (settled === 'failed' && firstFailure === undefined) {
        firstFailure = runner.failure();
        if (firstFailure !== undefined) reportFailure?.(firstFailure);
      }
      if (settled === 'stopped') stoppedOne ??= name;
      return settled;
    })();
    started.set(name, promise);
    return promise;
  };

  const all = Promise.all(names.map(startOne)).then((results): StartupOutcome => {
    if (firstFailure !== undefined) return { type: 'failed', failure: firstFailure };
    if (results.every((result) => result === 'ready') && !shutdown.aborted) return { type: 'ready', services: names };
    if (shutdown.aborted) return { type: 'aborted', reason: 'the stack is stopping' };
    return { type: 'aborted', reason: `service "${stoppedOne ?? names[0]}" was stopped before it was ready` };
  });
  if (!input.failFast) return all;
  return Promise.race([all, failedEarly.then((failure): StartupOutcome => ({ type: 'failed', failure }))]);
}
