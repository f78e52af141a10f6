/**
 * A database's lifecycle around its process, as the supervisor's ServiceLifecycle: prepare its
 * storage and command before the spawn, create databases and run init scripts once it answers,
 * remove its container after the stop. The runner stays unaware of engines and modes.
 */
import type { ResolvedService } from '../config/resolved.js';
import type { ServiceLifecycle } from '../supervisor/lifecycle.js';
import { ok } from '../util/result.js';
import { removeContainer } from './container.js';
import { describePlan, type DatabasePlan } from './plan.js';
import { provision } from './provision.js';
import { prepareServer } from './servers.js';

export function databaseLifecycle(service: ResolvedService, plan: DatabasePlan, root: string): ServiceLifecycle {
  const database = service.database!;
  return {
    description: describePlan(plan),
    beforeSpawn: ({ port, env, log }) => prepareServer({ name: service.name, database, plan, port, log, pathVariable: env['PATH'] }),
    async afterReady({ port, env, log }) {
      const outcome = await provision({ database, port, root, env, log });
      return outcome.ok ? ok(undefined) : outcome;
    },
    async afterStop() {
      if (plan.mode === 'container') await removeContainer(plan.runtime, database.containerName);
    },
  };
}
