/**
 * Gets a database's storage ready and says how to launch its server, for each mode. Runs before
 * every start; creating the storage (initdb, a data folder, a container volume) happens only the
 * first time, or again after a failed init.
 */
import type { ResolvedDatabase, ResolvedPort } from '../config/resolved.js';
import type { Launch } from '../supervisor/lifecycle.js';
import type { Problem, Result } from '../util/result.js';
import { containerRunArgs, ensureVolume, removeContainer } from './container.js';
import type { PortNumbers } from './engine.js';
import { engineOf } from './engines/index.js';
import type { DatabasePlan } from './plan.js';
import { initScripts } from './provision.js';
import { initFailedBefore } from './storage.js';
import { writeStorageState } from './storage-state.js';

export type Prepared = Result<Launch, Problem>;

export interface ServerInput {
  readonly name: string;
  readonly database: ResolvedDatabase;
  readonly plan: DatabasePlan;
  readonly ports: PortNumbers;
  /** The service's declared ports (their container-side numbers). */
  readonly specs: readonly ResolvedPort[];
  readonly log: (lines: readonly string[]) => void;
  readonly pathVariable: string | undefined;
}

export async function prepareServer(input: ServerInput): Promise<Prepared> {
  const { plan, database } = input;
  if (plan.mode === 'container') return prepareContainer(input, plan);
  return engineOf(database.engine).prepareNative({ ...input, mode: plan.mode }, plan.server);
}

async function prepareContainer(input: ServerInput, plan: Extract<DatabasePlan, { mode: 'container' }>): Promise<Prepared> {
  const { database, log } = input;
  const { runtime } = plan;
  await removeContainer(runtime, database.containerName); // left by a run whose supervisor was killed
  const volume = await ensureVolume(runtime, database, initFailedBefore(database), log);
  if (!volume.ok) return volume;
  if (volume.value.created) writeStorageState(database.dataDir, { mode: 'container', initialized: database.init === undefined });
  const engine = engineOf(database.engine);
  const scripts = database.init === undefined || engine.imageRunsInit !== true ? undefined : initScripts(database.init);
  const contract = engine.container(database, input.ports, scripts);
  const args = containerRunArgs({
    name: input.name,
    containerName: database.containerName,
    projectId: database.projectId,
    volumeName: database.volumeName,
    image: plan.image,
    ports: input.ports,
    specs: input.specs,
    contract,
  });
  return { ok: true, value: { command: { type: 'argv', file: runtime.program, args }, runAs: undefined, env: contract.env } };
}
