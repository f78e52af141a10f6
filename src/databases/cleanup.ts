/**
 * What `devstack down` does for databases beyond stopping processes: remove this project's
 * containers (left running when the supervisor was killed), and with `--volumes`, delete the
 * data of every mode.
 */
import type { ResolvedConfig, ResolvedService } from '../config/resolved.js';
import { removeProjectContainers, removeVolume } from './container.js';
import { findContainerRuntime } from './runtimes.js';
import { removeLocalStorage } from './storage.js';

function databasesOf(config: ResolvedConfig, names?: readonly string[]): ResolvedService[] {
  return config.services.filter((service) => service.database !== undefined && (names === undefined || names.includes(service.name)));
}

/** The label of the stack's containers, when it has databases that may run in one. */
export function containerLabelOf(config: ResolvedConfig): string | undefined {
  const inContainer = databasesOf(config).find((service) => service.database!.modes.includes('container'));
  return inContainer?.database!.projectId;
}

/** Removes the containers labelled for this project, if a container engine answers. */
export async function removeStackContainers(label: string | undefined, pathVariable: string | undefined): Promise<number> {
  if (label === undefined) return 0;
  const runtime = await findContainerRuntime(pathVariable);
  return runtime.ok ? removeProjectContainers(runtime.value, label) : 0;
}

/** Deletes the data folders and volumes of these databases (all when `names` is undefined); returns what was wiped. */
export async function wipeDatabaseData(
  config: ResolvedConfig,
  names: readonly string[] | undefined,
  pathVariable: string | undefined,
): Promise<string[]> {
  const databases = databasesOf(config, names);
  const runtime = databases.some((service) => service.database!.modes.includes('container'))
    ? await findContainerRuntime(pathVariable)
    : undefined;
  const wiped: string[] = [];
  for (const service of databases) {
    const database = service.database!;
    removeLocalStorage(database);
    if (runtime?.ok) await removeVolume(runtime.value, database.volumeName);
    wiped.push(service.name);
  }
  return wiped;
}

export function databaseNames(config: ResolvedConfig): string[] {
  return databasesOf(config).map((service) => service.name);
}
