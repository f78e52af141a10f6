/**
 * Gets a database's storage ready and says how to launch its server, for each mode. Runs before
 * every start; creating the storage (initdb, a data folder, a container volume) happens only the
 * first time, or again after a failed init.
 */
import type { ResolvedDatabase } from '../config/resolved.js';
import type { Launch } from '../supervisor/lifecycle.js';
import type { Problem, Result } from '../util/result.js';
import { containerRunArgs, ensureVolume, removeContainer } from './container.js';
import type { DatabasePlan } from './plan.js';
import { prepareMysql } from './mysql-server.js';
import { preparePostgres } from './postgres-server.js';
import { prepareRedis } from './redis-server.js';
import { initFailedBefore } from './storage.js';
import { writeStorageState } from './storage-state.js';

export type Prepared = Result<Launch, Problem>;

export interface PrepareInput {
  readonly name: string;
  readonly database: ResolvedDatabase;
  readonly plan: DatabasePlan;
  readonly port: number;
  /** Writes lines to the database's log file (initdb's output, volume creation…). */
  readonly log: (lines: readonly string[]) => void;
  /** The server's PATH (initdb finds its helpers through it). */
  readonly pathVariable: string | undefined;
}

export async function prepareServer(input: PrepareInput): Promise<Prepared> {
  const { plan, database } = input;
  if (plan.mode === 'container') return prepareContainer(input, plan);
  const { binaries } = plan;
  if ('flavor' in binaries) return prepareMysql(input, binaries);
  return database.engine === 'postgres' ? preparePostgres(input, binaries.binDir, binaries.version) : prepareRedis(input, binaries.binDir);
}

async function prepareContainer(input: PrepareInput, plan: Extract<DatabasePlan, { mode: 'container' }>): Promise<Prepared> {
  const { database, log } = input;
  const { runtime } = plan;
  await removeContainer(runtime, database.containerName); // left by a run whose supervisor was killed
  const volume = await ensureVolume(runtime, database, initFailedBefore(database), log);
  if (!volume.ok) return volume;
  if (volume.value.created) writeStorageState(database.dataDir, { mode: 'container', initialized: database.init === undefined });
  const password = database.password ?? '';
  const env: Record<string, string> =
    database.engine === 'postgres'
      ? { POSTGRES_PASSWORD: password }
      : database.engine === 'redis'
        ? {}
        : { MYSQL_ROOT_PASSWORD: password, MYSQL_PASSWORD: password };
  return {
    ok: true,
    value: {
      command: { type: 'argv', file: runtime.program, args: containerRunArgs(database, input.name, plan.image, input.port) },
      runAs: undefined,
      env,
    },
  };
}
