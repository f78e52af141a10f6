/**
 * What `devstack down` does for databases beyond stopping processes: remove this project's
 * containers (left running when the supervisor was killed), and with `--volumes`, delete the
 * data of every mode.
 */
import { rmSync } from 'node:fs';
import type { ResolvedConfig, ResolvedService } from '../config/resolved.js';
import { removeProjectContainers, removeVolume } from './container.js';
import { findContainerRuntime } from './container-runtime.js';
import { removeLocalStorage } from './storage.js';

/** Databases and container services: what keeps data. */
function databasesOf(config: ResolvedConfig, names?: readonly string[]): ResolvedService[] {
  return config.services.filter(
    (service) =>
      (service.database !== undefined || service.container !== undefined) && (names === undefined || names.includes(service.name)),
  );
}

/** The label of the stack's containers, when it has databases that may run in one. */
export function containerLabelOf(config: ResolvedConfig): string | undefined {
  const inContainer = config.services.find(
    (service) => service.container !== undefined || service.database?.modes.includes('container') === true,
  );
  return inContainer?.container?.projectId ?? inContainer?.database?.projectId;
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
  const runtime = databases.some((service) => service.database?.modes.includes('container') === true)
    ? await findContainerRuntime(pathVariable)
    : undefined;
  const wiped: string[] = [];
  for (const service of databases) {
    const { database, container } = service;
    if (database !== undefined) {
      removeLocalStorage(database);
      if (runtime?.ok) await removeVolume(runtime.value, database.volumeName);
    }
    // A container service's volumes are folders under .devstack/data/<name>.
    for (const volume of container?.volumes ?? []) rmSync(volume.host, { recursive: true, force: true });
    if (container !== undefined && container.volumes.length === 0) continue;
    wiped.push(service.name);
  }
  return wiped;
}

export function databaseNames(config: ResolvedConfig): string[] {
  return databasesOf(config).map((service) => service.name);
}
