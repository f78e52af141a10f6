/**
 * Pure: `databases.<name>` → a ResolvedService that carries a ResolvedDatabase. Once resolved, a
 * database is a service like any other for the graph, `ps`, `logs`, `down` and `restart`; only
 * how it is started (databases/) and what its dependents get injected differ. Every per-engine
 * fact (ports, defaults, probe, image, stop signal) comes from the engine's own file.
 */
import { createHash } from 'node:crypto';
import { basename, join, resolve as resolvePath } from 'node:path';
import { engineOf } from '../databases/engines/index.js';
import { parseDurationMs } from '../util/duration.js';
import { didYouMean } from '../util/suggest.js';
import { configError } from './config-error.js';
import type { DatabaseConfig } from './define-config.js';
import {
  DEFAULT_DATABASE_STOP_TIMEOUT_MS,
  DEFAULT_PROBE_TIMING,
  type ResolvedDatabase,
  type ResolvedPort,
  type ResolvedService,
} from './resolved.js';

/** A container's first start initialises its volume; a cold image start can take a while. */
const DATABASE_READY_TIMEOUT_MS = 120_000;

/** Data folders live here, under the config file's folder (git-ignored with `.devstack/`). */
export function databaseDataRoot(root: string): string {
  return join(root, '.devstack', 'data');
}

/** Names containers and volumes: readable, and unique per checkout (two clones do not share data). */
export function projectId(root: string): string {
  const slug =
    basename(root)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'stack';
  return `${slug.slice(0, 30)}-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
}

export function resolveDatabase(name: string, config: DatabaseConfig, root: string, displayFile: string): ResolvedService {
  const field = `databases.${name}`;
  const engine = engineOf(config.engine);
  const named = engine.defaultDatabase(engine.user) !== undefined;
  if (!named) {
    for (const key of ['database', 'databases'] as const) {
      if (config[key] !== undefined)
        throw configError(displayFile, `${field}.${key}`, `${config.engine} has no named databases`, `remove ${key}`);
    }
  }
  if (engine.user === undefined && config.user !== undefined && config.engine !== 'mongodb') {
    throw configError(displayFile, `${field}.user`, `${config.engine} has no users`, 'remove user (a password alone protects it)');
  }
  if (config.management !== undefined && config.engine !== 'rabbitmq') {
    throw configError(displayFile, `${field}.management`, `only rabbitmq has a management UI`, 'remove management');
  }
  if (config.mode !== undefined && config.mode !== 'auto' && !engine.modes.includes(config.mode)) {
    const why =
      config.mode === 'embedded' ? `${config.engine} has no embedded package` : `${config.engine} cannot run in mode '${config.mode}'`;
    throw configError(displayFile, `${field}.mode`, why, `use 'auto' or one of ${engine.modes.map((mode) => `'${mode}'`).join(', ')}`);
  }
  const user = config.user ?? engine.user;
  const database = named ? (config.database ?? engine.defaultDatabase(user)) : undefined;
  const id = projectId(root);
  const resolved: ResolvedDatabase = {
    engine: config.engine,
    version: config.version,
    modes: config.mode === undefined || config.mode === 'auto' ? engine.modes : [config.mode],
    image: config.image ?? engine.image(config.version, config),
    user,
    password: config.password ?? (user === undefined ? undefined : engine.password),
    database,
    databases: database === undefined ? [] : [...new Set([database, ...(config.databases ?? [])])],
    init: config.init === undefined ? undefined : resolvePath(root, config.init),
    optional: config.optional ?? false,
    dataDir: join(databaseDataRoot(root), name),
    containerName: `devstack-${id}-${name}`,
    volumeName: `devstack-${id}-${name}`,
    projectId: id,
    management: config.management ?? false,
  };
  const ports = resolveEnginePorts(field, config, displayFile);
  const timing = { ...DEFAULT_PROBE_TIMING, readyTimeoutMs: DATABASE_READY_TIMEOUT_MS };
  return {
    name,
    // Replaced at start by the command of the mode found then (databases/plan.ts).
    command: { type: 'argv', file: config.engine, args: [] },
    cwd: root,
    env: {},
    ports,
    profiles: config.profiles ?? [],
    health: { ...engine.probe(resolved, '127.0.0.1:${port}'), ...timing },
    dependsOn: [],
    stopSignal: engine.stopSignal,
    stopTimeoutMs:
      config.stopTimeout === undefined
        ? DEFAULT_DATABASE_STOP_TIMEOUT_MS
        : (parseDurationMs(config.stopTimeout) ?? DEFAULT_DATABASE_STOP_TIMEOUT_MS),
    watch: undefined,
    restartDependents: false,
    type: 'service',
    restart: 'on-failure',
    maxRestarts: Infinity,
    database: resolved,
  };
}

/** The engine's named ports with the config's overrides: `port` for the main one, `ports` for the others. */
function resolveEnginePorts(field: string, config: DatabaseConfig, displayFile: string): ResolvedPort[] {
  const declared = engineOf(config.engine).ports(config);
  const names = Object.keys(declared);
  for (const name of Object.keys(config.ports ?? {})) {
    if (!names.includes(name) || name === names[0]) {
      const others = names.slice(1);
      throw configError(
        displayFile,
        `${field}.ports.${name}`,
        name === names[0]
          ? `the main port is set with port, not ports.${name}`
          : `${config.engine} has no port "${name}"${didYouMean(name, others)}`,
        others.length === 0 ? 'remove ports' : `its other ports: ${others.join(', ')}`,
      );
    }
  }
  return names.map((name, index) => {
    const port = index === 0 ? (config.port ?? declared[name]!.default) : (config.ports?.[name] ?? declared[name]!.default);
    return { name, port, scheme: declared[name]!.scheme, container: declared[name]!.container };
  });
}
