/**
 * A database's lifecycle around its process, as the supervisor's ServiceLifecycle: prepare its
 * storage and command before the spawn, create databases and run init scripts once it answers,
 * remove its container after the stop. The runner stays unaware of engines and modes.
 */
import type { ResolvedService } from '../config/resolved.js';
import type { ServiceLifecycle } from '../supervisor/lifecycle.js';
import { removeContainer } from './container.js';
import { describePlan, type DatabasePlan } from './plan.js';
import { provision } from './provision.js';
import { prepareServer } from './servers.js';

export function databaseLifecycle(service: ResolvedService, plan: DatabasePlan, root: string): ServiceLifecycle {
  const database = service.database!;
  return {
    description: describePlan(plan),
    beforeSpawn: ({ ports, env, log }) =>
      prepareServer({ name: service.name, database, plan, ports, specs: service.ports, log, pathVariable: env['PATH'] }),
    afterReady: ({ ports, env, log }) => provision({ database, ports, root, env, log, mode: plan.mode }),
    async afterStop() {
      if (plan.mode === 'container') await removeContainer(plan.runtime, database.containerName);
    },
  };
}
