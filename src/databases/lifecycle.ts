/**
 * What the service runner calls around a database's process: prepare its storage and command
 * before the spawn, create databases and run init scripts once it answers, remove its container
 * after the stop. The runner stays unaware of engines and modes.
 */
import type { ResolvedService } from '../config/resolved.js';
import { removeContainer } from './container.js';
import { describePlan, type DatabasePlan } from './plan.js';
import { provision } from './provision.js';
import { prepareServer, type Launch, type Step } from './servers.js';

export type { Launch, Step };

export interface StepContext {
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  readonly log: (lines: readonly string[]) => void;
}

export interface ServiceLifecycle {
  /** For `ps`: how the database runs (`native 15`, `container redis:7 (docker)`). */
  readonly description: string;
  beforeSpawn(context: StepContext): Promise<Step<Launch>>;
  afterReady(context: StepContext): Promise<Step<undefined>>;
  afterStop(): Promise<void>;
}

export function databaseLifecycle(service: ResolvedService, plan: DatabasePlan, root: string): ServiceLifecycle {
  const database = service.database!;
  return {
    description: describePlan(plan),
    beforeSpawn: ({ port, env, log }) => prepareServer({ name: service.name, database, plan, port, log, pathVariable: env.PATH }),
    async afterReady({ port, env, log }) {
      const outcome = await provision({ database, port, root, env, log });
      return outcome.ok ? { ok: true, value: undefined } : outcome;
    },
    async afterStop() {
      if (plan.mode === 'container') await removeContainer(plan.runtime, database.containerName);
    },
  };
}
