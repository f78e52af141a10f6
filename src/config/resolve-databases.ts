/**
 * Pure: `databases.<name>` → a ResolvedService that carries a ResolvedDatabase. Once resolved, a
 * database is a service like any other for the graph, `ps`, `logs`, `down` and `restart`; only
 * how it is started (databases/) and what its dependents get injected differ.
 */
import { createHash } from 'node:crypto';
import { basename, join, resolve as resolvePath } from 'node:path';
import type { DatabaseConfig } from './define-config.js';
import { configError } from './config-error.js';
import {
  DEFAULT_DATABASE_STOP_TIMEOUT_MS,
  DEFAULT_PROBE_TIMING,
  isMysqlFamily,
  type DatabaseMode,
  type ResolvedDatabase,
  type ResolvedProbe,
  type ResolvedService,
} from './resolved.js';
import { parseDurationMs } from '../util/duration.js';

export const DEFAULT_PORTS = { postgres: 5432, redis: 6379, mysql: 3306, mariadb: 3306 } as const;
const DEFAULT_IMAGE_TAGS = { postgres: '16', redis: '7', mysql: '8.4', mariadb: '11' } as const;
const DEFAULT_USERS = { postgres: 'postgres', redis: '', mysql: 'root', mariadb: 'root' } as const;
const MODE_ORDER: readonly DatabaseMode[] = ['native', 'embedded', 'container'];
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
  const { engine } = config;
  if (engine === 'redis') {
    for (const key of ['database', 'databases', 'user'] as const) {
      if (config[key] !== undefined)
        throw configError(displayFile, `${field}.${key}`, `redis has no ${key === 'user' ? 'users' : 'named databases'}`, `remove ${key}`);
    }
  }
  const user = config.user ?? DEFAULT_USERS[engine];
  const database = engine === 'redis' ? undefined : (config.database ?? (engine === 'postgres' ? user : 'app'));
  const databases = database === undefined ? [] : [...new Set([database, ...(config.databases ?? [])])];
  const password = engine === 'redis' ? config.password : (config.password ?? (engine === 'postgres' ? 'postgres' : 'mysql'));
  const id = projectId(root);
  const resolved: ResolvedDatabase = {
    engine,
    version: config.version,
    // Only Postgres has an embedded package; `auto` does not mention the mode for the others.
    modes:
      config.mode === undefined || config.mode === 'auto'
        ? MODE_ORDER.filter((mode) => mode !== 'embedded' || engine === 'postgres')
        : [config.mode],
    image: config.image ?? `${engine}:${config.version ?? DEFAULT_IMAGE_TAGS[engine]}`,
    user,
    password,
    database,
    databases,
    init: config.init === undefined ? undefined : resolvePath(root, config.init),
    optional: config.optional ?? false,
    dataDir: join(databaseDataRoot(root), name),
    containerName: `devstack-${id}-${name}`,
    volumeName: `devstack-${id}-${name}`,
    projectId: id,
  };
  if (engine !== 'postgres' && config.mode === 'embedded') {
    throw configError(displayFile, `${field}.mode`, `${engine} has no embedded package`, "use 'auto', 'native' or 'container'");
  }
  return {
    name,
    // Replaced at start by the command of the mode found then (databases/plan.ts).
    command: { type: 'argv', file: engine, args: [] },
    cwd: root,
    env: {},
    port: config.port ?? DEFAULT_PORTS[engine],
    profiles: config.profiles ?? [],
    health: readinessProbe(resolved),
    dependsOn: [],
    // Postgres: SIGINT is its "fast" shutdown (clients disconnected, clean checkpoint); SIGTERM
    // would wait for every client to leave. Redis saves and exits on SIGTERM.
    stopSignal: engine === 'postgres' ? 'SIGINT' : 'SIGTERM',
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

function readinessProbe(database: ResolvedDatabase): ResolvedProbe {
  const timing = { ...DEFAULT_PROBE_TIMING, readyTimeoutMs: DATABASE_READY_TIMEOUT_MS };
  const target = '127.0.0.1:${port}';
  if (database.engine === 'redis') return { type: 'redis', target, password: database.password, ...timing };
  if (isMysqlFamily(database.engine)) return { type: 'mysql', target, user: database.user, password: database.password ?? '', ...timing };
  // The maintenance database always exists; the configured ones are created once the server is up.
  return { type: 'postgres', target, user: database.user, password: database.password ?? '', database: 'postgres', ...timing };
}
