/**
 * Pure: `containers.<name>` → a ResolvedService carrying a ResolvedContainer. Like a database, it
 * is a service for the graph, `ps`, `logs` and `down`; its command is built at start
 * (databases/container-service.ts).
 */
import { join, resolve as resolvePath } from 'node:path';
import type { ContainerConfig } from './define-config.js';
import { DEFAULT_STOP_TIMEOUT_MS, type ResolvedPort, type ResolvedService } from './resolved.js';
import { databaseDataRoot, projectId } from './resolve-databases.js';
import { durationMs, resolveDependsOn, resolveHealth } from './resolve-parts.js';

export function resolveContainer(
  name: string,
  config: ContainerConfig,
  root: string,
  displayFile: string,
  names: readonly string[],
): ResolvedService {
  const field = `containers.${name}`;
  const id = projectId(root);
  const ports: ResolvedPort[] = Object.entries(config.ports ?? {}).map(([portName, setting]) =>
    typeof setting === 'number'
      ? { name: portName, port: setting, scheme: 'http', container: setting }
      : { name: portName, port: setting.port ?? setting.container, scheme: setting.scheme ?? 'http', container: setting.container },
  );
  return {
    name,
    // Replaced at start by `docker run …` (databases/container-service.ts).
    command: { type: 'argv', file: 'docker', args: ['run', config.image] },
    cwd: root,
    env: Object.fromEntries(Object.entries(config.env ?? {}).map(([key, value]) => [key, String(value)])),
    ports,
    profiles: config.profiles ?? [],
    health: config.health === undefined ? undefined : resolveHealth(config.health),
    dependsOn: resolveDependsOn(field, name, config.dependsOn, names, displayFile),
    stopSignal: 'SIGTERM',
    stopTimeoutMs: durationMs(config.stopTimeout, DEFAULT_STOP_TIMEOUT_MS),
    watch: undefined,
    restartDependents: false,
    type: 'service',
    restart: config.restart ?? 'on-failure',
    maxRestarts: Infinity,
    container: {
      image: config.image,
      build: config.build === undefined ? undefined : resolvePath(root, config.build),
      command: config.command,
      volumes: Object.entries(config.volumes ?? {}).map(([volume, path]) => ({
        name: volume,
        path,
        host: join(databaseDataRoot(root), name, volume),
      })),
      containerName: `devstack-${id}-${name}`,
      projectId: id,
      optional: config.optional ?? false,
    },
  };
}
