/**
 * Restarts a set of services as one coherent move: stop them in reverse dependency order, then
 * start them in dependency order (a dependency is ready again before its dependents start again),
 * independent ones in parallel. One line per service reports the outcome.
 */
import type { ResolvedService } from '../config/resolved.js';
import { inReverseDependencyOrder } from '../graph/graph.js';
import type { Clock } from '../util/clock.js';
import type { RestartCause, RestartOutcome, SupervisorEvent } from './events.js';
import type { ServiceRunner } from './service-runner.js';
import { startInOrder } from './start-in-order.js';

export type RestartTargets = ReadonlyMap<string, RestartCause>;

export interface RestartSetInput {
  readonly targets: RestartTargets;
  readonly services: readonly ResolvedService[];
  readonly runner: (name: string) => ServiceRunner;
  readonly emit: (event: SupervisorEvent) => void;
  readonly clock: Clock;
  readonly shutdown: AbortSignal;
  /** Runs between the stop and the start (file changes: wait for the burst of writes to end). */
  readonly beforeStart?: () => Promise<void>;
}

export async function restartSet(input: RestartSetInput): Promise<Map<string, RestartOutcome>> {
  const { targets, clock } = input;
  const names = [...targets.keys()];
  const began = clock.now();
  for (const [service, cause] of targets) input.emit({ type: 'restarting', service, cause });
  await inReverseDependencyOrder(input.services, names, (name) => input.runner(name).stop('restart'));
  for (const name of names) input.runner(name).noteRestart();
  await input.beforeStart?.();
  await startInOrder({
    names,
    services: input.services,
    runner: input.runner,
    shutdown: input.shutdown,
    failFast: false,
    onFailure: 'backoff',
  });
  const outcomes = new Map<string, RestartOutcome>();
  for (const [service, cause] of targets) {
    const runner = input.runner(service);
    const { state } = runner;
    if (state.type === 'ready' || (state.type === 'exited' && runner.service.type === 'task')) {
      const readyInMs = (state.type === 'ready' ? state.readyAt : state.at) - began;
      input.emit({ type: 'restarted', service, cause, readyInMs });
      outcomes.set(service, { type: 'ready', readyInMs });
      continue;
    }
    const failure = runner.failure();
    if (failure !== undefined) outcomes.set(service, { type: 'failed', failure });
    else if (state.type === 'backoff') {
      outcomes.set(service, { type: 'failed', failure: { service, reason: 'spawn-failed', message: state.message, logTail: [] } });
    } else {
      outcomes.set(service, {
        type: 'aborted',
        reason: input.shutdown.aborted ? 'the stack is stopping' : `service "${service}" was stopped during the restart`,
      });
    }
  }
  return outcomes;
}

export interface RefusalInput {
  readonly name: string;
  readonly selected: readonly string[];
  readonly shuttingDown: boolean;
  readonly runner: (name: string) => ServiceRunner;
  /** A dependency being restarted right now counts as running: it will be back. */
  readonly isRestarting: (name: string) => boolean;
}

/** Why `name` cannot be restarted now, if it cannot: the stack is stopping, it never started, a dependency is down. */
export function restartRefusal({ name, selected, shuttingDown, runner, isRestarting }: RefusalInput): RestartOutcome | undefined {
  if (shuttingDown) return { type: 'aborted', reason: 'the stack is stopping' };
  if (!selected.includes(name)) return { type: 'refused', reason: `service "${name}" is not part of this run` };
  const { state, service } = runner(name);
  if (state.type === 'pending') {
    const waiting = state.waitingOn;
    return {
      type: 'refused',
      reason: `service "${name}" has not started yet${waiting.length > 0 ? ` (waiting on ${waiting.join(', ')})` : ''}`,
      hint: waiting.length > 0 ? 'it starts once its dependencies are ready' : `start it with "devstack start ${name}"`,
    };
  }
  for (const dependency of service.dependsOn) {
    const dependencyRunner = runner(dependency);
    const { type } = dependencyRunner.state;
    if (type === 'ready' || (type === 'exited' && dependencyRunner.service.type === 'task') || isRestarting(dependency)) continue;
    return {
      type: 'refused',
      reason: `cannot restart "${name}": its dependency "${dependency}" is ${type}`,
      hint: `start it with "devstack start ${name}", which starts "${dependency}" first`,
    };
  }
  return undefined;
}
