/**
 * `devstack init`'s reading of a repository: one native service per package with a dev (or start)
 * script, merged with what a Compose file says about it; databases and infrastructure from the
 * Compose file's images, or from the client packages the services use; `dependsOn` from Compose,
 * workspace dependencies and the variables each service reads. Pure apart from reading files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import { envPrefix } from '../config/templates.js';
import { detectService, readSources, type DetectedService } from './detect-service.js';
import { findComposeFile, readComposeFile, type ComposeFile } from './compose-file.js';
import { applyCompose } from './from-compose.js';
import { ENGINE_VARIABLES, enginesNamedBy, enginesUsedBy, type EngineName } from './images.js';
import { serviceNameFrom, type InitPlan, type PlannedDatabase, type PlannedService } from './init-plan.js';
import { linkServices } from './link-services.js';
import { findPackages, SKIPPED_FOLDERS, type PackageManifest, type RepoPackage } from '../workspaces/find-packages.js';

export interface PlanInput {
  readonly root: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** An explicit Compose file (relative to the root); otherwise docker-compose.yml & co. are looked for. */
  readonly composeFile?: string | undefined;
}

/** A native service being planned, with what was detected about its package. */
export interface NativeDraft {
  readonly service: PlannedService;
  readonly detected: DetectedService;
  readonly manifest: PackageManifest;
}

/** Root scripts that start the whole repo (they are what devstack replaces), not one service. */
const ORCHESTRATING = /\b(devstack|concurrently|turbo|nx|lerna|npm-run-all|run-p|docker(-|\s)compose)\b|\s(--workspaces|-ws|-w)\b/;

function commandFor(packageManager: 'npm' | 'pnpm' | 'yarn', script: string, extra: string | undefined): string {
  const run = packageManager === 'yarn' ? `yarn ${script}` : `${packageManager} run ${script}`;
  if (extra === undefined) return run;
  return packageManager === 'npm' ? `${run} -- ${extra}` : `${run} ${extra}`;
}

function localDependencies(manifest: PackageManifest, byName: ReadonlyMap<string, RepoPackage>): RepoPackage[] {
  return Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).flatMap((name) => {
    const found = byName.get(name);
    return found === undefined ? [] : [found];
  });
}

function nativeServices(
  root: string,
  packages: readonly RepoPackage[],
  packageManager: 'npm' | 'pnpm' | 'yarn',
  report: string[],
): NativeDraft[] {
  const byName = new Map(packages.flatMap((pkg) => (pkg.manifest.name === undefined ? [] : [[pkg.manifest.name, pkg] as const])));
  const taken = new Set<string>();
  const drafts: NativeDraft[] = [];
  for (const pkg of packages) {
    // Sources of the local packages it uses: a shared server kit may hold the /health route or read PORT.
    const shared = localDependencies(pkg.manifest, byName)
      .map((dependency) => readSources(join(root, dependency.dir)))
      .join('\n');
    const detected = detectService(join(root, pkg.dir), pkg.manifest, shared);
    const label = pkg.manifest.name ?? (pkg.dir || 'the root package');
    if (detected === undefined) {
      report.push(`${label} (${pkg.dir || '.'}): no dev or start script, not a service`);
      continue;
    }
    if (pkg.dir === '' && ORCHESTRATING.test(detected.scriptText)) continue;
    const name = serviceNameFrom(pkg.manifest.name ?? (pkg.dir.split('/').pop() || 'app'), taken);
    taken.add(name);
    const watch =
      detected.watchesItself === undefined && /^\s*(node|tsx|ts-node)\s/.test(detected.scriptText)
        ? 'devstack restarts it when its files change'
        : undefined;
    drafts.push({
      manifest: pkg.manifest,
      detected,
      service: {
        name,
        cwd: pkg.dir,
        command: commandFor(packageManager, detected.script, detected.portArguments),
        commandNote: `its "${detected.script}" script: ${detected.scriptText}${detected.framework ? ` (${detected.framework})` : ''}`,
        port: detected.port,
        health: detected.health,
        dependsOn: [],
        env: [],
        watch,
        task: false,
        profiles: [],
        notes:
          detected.watchesItself === undefined
            ? []
            : [`${detected.watchesItself} restarts it on changes by itself: devstack's watch stays off`],
      },
    });
  }
  return drafts;
}

/** Prisma's datasource provider, when a service uses Prisma. */
function prismaEngine(dir: string): EngineName | undefined {
  const schema = join(dir, 'prisma', 'schema.prisma');
  if (!existsSync(schema)) return undefined;
  const provider = /datasource\s+\w+\s*\{[^}]*provider\s*=\s*"(\w+)"/.exec(readFileSync(schema, 'utf8'))?.[1];
  return provider === 'postgresql' ? 'postgres' : provider === 'mysql' ? 'mysql' : provider === 'mongodb' ? 'mongodb' : undefined;
}

/** A folder of .sql init scripts (db/init, sql/seed…), run once when the database is created. */
function sqlInitFolder(root: string): string | undefined {
  const found = globSync(['**/*{init,seed,schema}*/*.sql', '**/{db,database,sql}/*.sql'], {
    cwd: root,
    ignore: [...SKIPPED_FOLDERS],
  }).sort();
  const first = found[0];
  return first === undefined ? undefined : first.slice(0, first.lastIndexOf('/'));
}

/** Databases the services need but no Compose file provides: from their client packages and variables. */
function databasesFromClients(
  root: string,
  drafts: readonly NativeDraft[],
  plan: { databases: PlannedDatabase[] },
  report: string[],
): void {
  for (const { service, manifest, detected } of drafts) {
    // Why each engine: a client package, Prisma's provider, or a variable only that engine uses.
    const reasons = new Map<EngineName, string>();
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }))
      for (const engine of enginesUsedBy([dependency])) if (!reasons.has(engine)) reasons.set(engine, `it depends on ${dependency}`);
    const prisma = prismaEngine(join(root, service.cwd));
    if (prisma !== undefined && !reasons.has(prisma)) reasons.set(prisma, 'its prisma/schema.prisma');
    for (const engine of enginesNamedBy(detected.readsVariables))
      if (!reasons.has(engine))
        reasons.set(engine, `it reads ${ENGINE_VARIABLES[engine].filter((name) => detected.readsVariables.includes(name)).join(', ')}`);
    for (const [engine, reason] of reasons) {
      let database = plan.databases.find(
        (candidate) => candidate.engine === engine || (engine === 'mysql' && candidate.engine === 'mariadb'),
      );
      if (database === undefined) {
        const init = engine === 'postgres' || engine === 'mysql' ? sqlInitFolder(root) : undefined;
        database = {
          name: engine,
          engine,
          version: undefined,
          port: 'auto',
          user: undefined,
          password: undefined,
          database: undefined,
          init,
          management: false,
          profiles: [],
          notes: [`guess: ${service.name} uses ${engine} (${reason})`],
        };
        if (init !== undefined) database.notes.push(`guess: ${init} holds .sql files, run once when the database is first created`);
        plan.databases.push(database);
        report.push(`${database.name}: ${engine}, because ${service.name} uses it (${reason})`);
      }
      const given = [
        ...new Set([
          `${envPrefix(database.name)}_URL`,
          ...ENGINE_VARIABLES[engine].filter((name) => detected.readsVariables.includes(name)),
        ]),
      ];
      if (!service.dependsOn.some((dependency) => dependency.name === database!.name))
        service.dependsOn.push({ name: database.name, why: `${reason}; devstack gives it ${given.join(' and ')}` });
    }
  }
}

export function planRepository(input: PlanInput): InitPlan {
  const { root } = input;
  const report: string[] = [];
  const repo = findPackages(root);
  report.unshift(`packages: ${repo.packages.length} from ${repo.source}`);
  const drafts = nativeServices(root, repo.packages, repo.packageManager, report);
  const plan: InitPlan = { services: drafts.map((draft) => draft.service), databases: [], containers: [], report };

  const composePath = input.composeFile === undefined ? findComposeFile(root) : join(root, input.composeFile);
  let compose: ComposeFile | undefined;
  if (composePath !== undefined) {
    const read = readComposeFile(composePath, root, input.env);
    if (read.ok) compose = read.value;
    else report.push(`could not read ${read.error}; continuing without it`);
  }
  if (compose !== undefined) applyCompose(plan, drafts, compose, input.env, root);
  databasesFromClients(root, drafts, plan, report);
  linkServices(plan, drafts);
  for (const service of plan.services) report.push(`${service.name}: ${service.cwd || '.'}, ${service.commandNote}`);
  return plan;
}
