/**
 * A Compose file's services, carried into the plan: a build whose folder is a package becomes (or
 * enriches) its native service; an image devstack runs as an engine becomes a database; any other
 * image, or a build that is not a Node package, a container service. `depends_on` becomes
 * `dependsOn`, `service_completed_successfully` a task; `environment` and `env_file` carry over with
 * Compose host names (`http://auth-service:8001`) rewritten to devstack templates; healthchecks that
 * curl a URL become HTTP checks. What cannot be carried over is said in a comment. A service that
 * runs its command in a runtime image with the repository bind-mounted and its working dir inside
 * the mount (what `devstack export compose` writes, and a common hand-written form) is the
 * repository's own code: it runs natively, in that folder, with that command.
 */
import { join } from 'node:path';
import { readEnvFile } from '../env/env-file.js';
import { envPrefix } from '../config/templates.js';
import { engineOf } from '../databases/engines/index.js';
import { isSecretName, maskUrlsIn } from '../util/secrets.js';
import { composeValue, type ComposeFile, type ComposeService } from './compose-file.js';
import { engineOfImage, type EngineImage } from './images.js';
import { serviceNameFrom, type InitPlan, type PlannedContainer, type PlannedEnv, type PlannedService } from './init-plan.js';
import type { NativeDraft } from './plan-repository.js';

type Vars = Readonly<Record<string, string | undefined>>;

/** The container port each engine listens on, to find its published host port. */
const ENGINE_PORTS: Readonly<Record<EngineImage['engine'], number>> = {
  postgres: 5432,
  mysql: 3306,
  mariadb: 3306,
  redis: 6379,
  rabbitmq: 5672,
  mongodb: 27017,
};

interface Mapped {
  /** The Compose service's name → the name it has in the plan. */
  readonly names: Map<string, string>;
  /** Plan name → its Compose service, for the second pass (dependencies and environment). */
  readonly sources: Map<string, ComposeService>;
}

/**
 * The folder (relative to the repository) and command of a service that runs repository code in an
 * image: a bind mount of the repository or a folder in it, the working dir inside that mount, and a
 * command. `sh -c <script>` runs the script.
 */
function mountedCode(service: ComposeService): { cwd: string; command: string } | undefined {
  const workingDir = service.workingDir?.replace(/\/+$/, '');
  if (workingDir === undefined || service.command === undefined || service.build !== undefined) return undefined;
  for (const volume of service.volumes) {
    if (volume.type !== 'bind' || volume.source.startsWith('/')) continue; // outside the repository
    const target = volume.target.replace(/\/+$/, '');
    if (workingDir !== target && !workingDir.startsWith(`${target}/`)) continue;
    const cwd = [volume.source, workingDir.slice(target.length + 1)].filter((part) => part !== '' && part !== '.').join('/');
    const argv = service.commandArgv;
    const command =
      argv !== undefined && argv.length === 3 && /^(\/bin\/)?(ba)?sh$/.test(argv[0]!) && argv[1] === '-c' ? argv[2]! : service.command;
    return { cwd, command };
  }
  return undefined;
}

/** `curl -f http://localhost:8001/health` → `http://127.0.0.1:${port}/health`, seen from the host. */
function healthUrlOf(test: readonly string[] | undefined, portRef: string): string | undefined {
  const url = test?.join(' ').match(/https?:\/\/(?:localhost|127\.0\.0\.1|0\.0\.0\.0)(?::\d+)?(\/[^\s'"]*)?/);
  if (url === null || url === undefined) return undefined;
  return `http://127.0.0.1:\${${portRef}}${url[1] ?? '/'}`;
}

/** Entries of an env_file: plain values carried over; secrets referenced, their values left in the file. */
function envFileEntries(root: string, file: string, serviceDir: string): { env: PlannedEnv[]; note: string } {
  if (file === '.env' || file === `${serviceDir ? `${serviceDir}/` : ''}.env`)
    return { env: [], note: `env_file ${file}: devstack reads it by itself (its .env layering)` };
  const read = readEnvFile(join(root, file));
  if (read === undefined || !read.ok) return { env: [], note: `env_file ${file}: not readable here, not carried over` };
  const env = Object.entries(read.value).map(([key, value]): PlannedEnv =>
    isSecretName(key)
      ? { key, value: `\${${key}}`, note: `secret from ${file}: its value is not copied; set ${key} in .env.local` }
      : { key, value },
  );
  return { env, note: `env_file ${file}: its variables are carried over` };
}

function databaseFrom(plan: InitPlan, service: ComposeService, engine: EngineImage, file: string, root: string, env: Vars): void {
  const value = (keys: readonly string[]): string | undefined =>
    keys.map((key) => composeValue(service, key, root, file, env)).find((found) => found !== undefined && found !== '');
  const published = service.ports.find((port) => port.container === ENGINE_PORTS[engine.engine])?.host;
  const init = service.volumes.find((volume) => volume.type === 'bind' && volume.target.startsWith('/docker-entrypoint-initdb.d'));
  const notes = [
    `from ${file} "${service.name}" (image ${service.image}): devstack runs ${engine.engine} natively when it is installed, else in a container`,
  ];
  if (published !== undefined) notes.push(`port ${published} as published in ${file}; 'auto' would pick a free one at each up`);
  if (service.command !== undefined)
    notes.push(`its command in ${file}: ${service.command} (not carried over: devstack runs ${engine.engine} itself)`);
  const named = service.volumes.filter((volume) => volume.type === 'named').map((volume) => volume.type === 'named' && volume.name);
  if (named.length > 0) notes.push(`volume ${named.join(', ')}: the data lives in .devstack/data/${service.name} instead`);
  plan.databases.push({
    name: service.name,
    engine: engine.engine,
    version: engine.version,
    port: published ?? 'auto',
    user: value(engine.user),
    password: value(engine.password),
    database: value(engine.database),
    init: init?.type === 'bind' ? init.source : undefined,
    management:
      engine.engine === 'rabbitmq' && (/management/.test(service.image ?? '') || service.ports.some((port) => port.container === 15672)),
    profiles: service.profiles,
    notes,
  });
}

function containerFrom(plan: InitPlan, service: ComposeService, name: string, file: string): void {
  const single = service.ports.length === 1;
  const ports = Object.fromEntries(
    service.ports.map((port) => [
      single ? 'main' : `p${port.container}`,
      { port: port.host ?? ('auto' as const), container: port.container },
    ]),
  );
  const notes = [
    service.build !== undefined && service.image === undefined
      ? `from ${file} "${service.name}" (build ${service.build || '.'}): not a Node package with a dev script, so it runs in a container, built once`
      : `from ${file} "${service.name}": runs in a container (no native form of ${service.image})`,
  ];
  const volumes: Record<string, string> = {};
  for (const volume of service.volumes) {
    if (volume.type === 'named') volumes[volume.name.replace(/[^A-Za-z0-9_-]/g, '-')] = volume.target;
    else
      notes.push(
        `not carried over: ${volume.type === 'bind' ? `bind mount ${volume.source} → ${volume.target}` : `anonymous volume ${volume.target}`}`,
      );
  }
  const command =
    service.command === undefined || /['"\\$]/.test(service.command) ? undefined : service.command.split(/\s+/).filter(Boolean);
  if (service.command !== undefined && command === undefined)
    notes.push(`its command in ${file}: ${service.command} (not carried over: quoting)`);
  const mainPort = single ? 'port' : service.ports[0] === undefined ? undefined : `ports.p${service.ports[0].container}`;
  const container: PlannedContainer = {
    name,
    image: service.image ?? `devstack-local/${name}:dev`,
    build: service.build,
    command,
    ports,
    env: Object.entries(service.environment).map(([key, value]) => ({ key, value })),
    volumes,
    dependsOn: [],
    health: mainPort === undefined ? undefined : healthUrlOf(service.healthcheck, mainPort),
    profiles: service.profiles,
    notes,
  };
  plan.containers.push(container);
}

function enrichNative(draft: NativeDraft, service: ComposeService, file: string, root: string, env: Vars, built = true): void {
  const planned = draft.service;
  if (built)
    planned.notes.push(
      `from ${file} "${service.name}" (build ${service.build || '.'}): runs natively here; its image, volumes and container command are not needed`,
    );
  const composePort = composeValue(service, 'PORT', root, file, env);
  if (planned.port === undefined || planned.port.guess) {
    if (composePort !== undefined && /^\d+$/.test(composePort))
      planned.port = { value: Number(composePort), from: `PORT in ${file}`, guess: false };
    else if (service.ports[0] !== undefined)
      planned.port = { value: service.ports[0].container, from: `the port it listens on in ${file}`, guess: false };
  }
  const url = healthUrlOf(service.healthcheck, 'port');
  if (url !== undefined) planned.health = { value: url, from: `the healthcheck in ${file}`, guess: false };
  for (const [key, value] of Object.entries(service.environment)) if (key !== 'PORT') planned.env.push({ key, value });
  for (const envFile of service.envFiles) {
    const { env, note } = envFileEntries(root, envFile, planned.cwd);
    planned.notes.push(note);
    planned.env.push(...env.filter((entry) => !planned.env.some((existing) => existing.key === entry.key)));
  }
  if (service.profiles.length > 0) planned.profiles = service.profiles;
}

/** A planned service with nothing found yet, in `cwd`. */
function emptyService(cwd: string): PlannedService {
  return {
    name: '',
    cwd,
    command: '',
    commandNote: '',
    port: undefined,
    health: undefined,
    dependsOn: [],
    env: [],
    watch: undefined,
    task: false,
    profiles: [],
    notes: [],
  };
}

/** A Compose service that shares a package folder with another one: the same folder, its own command. */
function siblingOf(draft: NativeDraft, service: ComposeService, name: string, file: string): PlannedService {
  const command = service.command ?? draft.service.command;
  return {
    name,
    cwd: draft.service.cwd,
    command,
    commandNote: service.command === undefined ? draft.service.commandNote : `its command in ${file}`,
    port: undefined,
    health: undefined,
    dependsOn: [],
    env: Object.entries(service.environment).map(([key, value]) => ({ key, value })),
    watch: undefined,
    task: false,
    profiles: service.profiles,
    notes: [`from ${file} "${service.name}" (build ${service.build || '.'}, like ${draft.service.name}): runs natively in the same folder`],
  };
}

/** `http://auth-service:8001` → `http://${services.auth-service.host}:${services.auth-service.port}`; the names it referred to. */
export function rewriteHosts(
  value: string,
  names: ReadonlyMap<string, string>,
  hasPort: (planName: string) => boolean = () => true,
): { value: string; referenced: string[] } {
  const referenced: string[] = [];
  let rewritten = value;
  for (const [composeName, planName] of names) {
    const escaped = composeName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`(^|//|@)${escaped}(:\\d+)?(?=[/?#,]|$)`, 'g');
    rewritten = rewritten.replace(pattern, (_match, before: string, port: string | undefined) => {
      referenced.push(planName);
      // A container with no published port is still reachable on the stack's network at its own port.
      const portPart = port === undefined ? '' : hasPort(planName) ? `:\${services.${planName}.port}` : port;
      return `${before}\${services.${planName}.host}${portPart}`;
    });
  }
  return { value: rewritten, referenced: [...new Set(referenced)] };
}

export function applyCompose(plan: InitPlan, drafts: readonly NativeDraft[], compose: ComposeFile, env: Vars, root: string): void {
  const { file } = compose;
  const mapped: Mapped = { names: new Map(), sources: new Map() };
  const taken = new Set(plan.services.map((service) => service.name));
  plan.report.push(`${file}: ${compose.services.length} service(s)`);
  for (const skipped of compose.skipped) plan.report.push(`${file}: not carried over: ${skipped}`);

  const claimed = new Set<NativeDraft>();
  // A service that runs the image's own command claims the package; one with a command of its own
  // (a migration, a worker built from the same folder) becomes a sibling in that folder.
  const claimingFirst = [...compose.services].sort((a, b) => Number(a.command !== undefined) - Number(b.command !== undefined));
  for (const service of claimingFirst) {
    const draft = service.build === undefined ? undefined : drafts.find((candidate) => candidate.service.cwd === service.build);
    if (draft !== undefined && claimed.has(draft)) {
      // A second Compose service built from the same folder (a migration, a worker): its own command there.
      const name = serviceNameFrom(service.name, taken);
      taken.add(name);
      plan.services.push(siblingOf(draft, service, name, file));
      mapped.names.set(service.name, name);
      mapped.sources.set(name, service);
      continue;
    }
    if (draft !== undefined) {
      claimed.add(draft);
      // The Compose name is how the other services know it (http://auth-service:8001): keep it.
      taken.delete(draft.service.name);
      draft.service.name = serviceNameFrom(service.name, taken);
      taken.add(draft.service.name);
      enrichNative(draft, service, file, root, env);
      mapped.names.set(service.name, draft.service.name);
      mapped.sources.set(draft.service.name, service);
      continue;
    }
    const mounted = mountedCode(service);
    if (mounted !== undefined) {
      const found = drafts.find((candidate) => candidate.service.cwd === mounted.cwd && !claimed.has(candidate));
      // The Compose name is how the other services know it: the package's own name gives way.
      if (found !== undefined) taken.delete(found.service.name);
      const name = serviceNameFrom(service.name, taken);
      let native: PlannedService;
      if (found !== undefined) {
        claimed.add(found);
        found.service.name = name;
        native = found.service;
      } else {
        native = { ...emptyService(mounted.cwd), name };
        plan.services.push(native);
      }
      taken.add(name);
      native.command = mounted.command;
      native.commandNote = `its command in ${file}`;
      native.notes.splice(
        0,
        native.notes.length,
        `from ${file} "${service.name}": repository code in ${service.image ?? 'an image'} (mounted at ${service.workingDir}): runs natively here`,
      );
      enrichNative({ service: native } as NativeDraft, service, file, root, env, false);
      // Set for the container (to accept the others' connections); natively it listens on 127.0.0.1.
      native.env.splice(0, native.env.length, ...native.env.filter((entry) => !(entry.key === 'HOST' && entry.value === '0.0.0.0')));
      mapped.names.set(service.name, name);
      mapped.sources.set(name, service);
      continue;
    }
    const name = serviceNameFrom(service.name, taken);
    taken.add(name);
    mapped.names.set(service.name, name);
    mapped.sources.set(name, service);
    const engine = service.image === undefined ? undefined : engineOfImage(service.image);
    if (engine !== undefined) databaseFrom(plan, { ...service, name }, engine, file, root, env);
    else if (service.image !== undefined || service.build !== undefined) containerFrom(plan, service, name, file);
    else plan.report.push(`${file}: "${service.name}" has neither image nor build; skipped`);
  }

  // Second pass, now that every Compose name has its plan name: dependencies and environment.
  const hasPort = (name: string): boolean =>
    plan.databases.some((database) => database.name === name) ||
    plan.services.some((service) => service.name === name && service.port !== undefined) ||
    plan.containers.some((container) => container.name === name && Object.keys(container.ports).length > 0);
  /** Whether devstack gives a native dependent `key` itself, for the dependency `value` refers to (or any, for a bare port). */
  const isInjectedFor = (
    key: string,
    referenced: readonly string[],
    dependencies: readonly { readonly name: string }[],
    value: string,
  ): boolean => {
    const names = referenced.length > 0 ? referenced : /^\d+$/.test(value) ? dependencies.map((dependency) => dependency.name) : [];
    if (referenced.length > 1) return false;
    return names.some((name) => {
      if (!dependencies.some((dependency) => dependency.name === name)) return false;
      if (new RegExp(`^${envPrefix(name)}(_[A-Z0-9]+)?_(URL|PORT)$`).test(key)) return true;
      const engine = plan.databases.find((database) => database.name === name)?.engine;
      return engine !== undefined && referenced.length === 1 && engineOf(engine).urlVariables.includes(key);
    });
  };
  /** The port devstack gives a dependent as `key` (<DEP>_PORT of one of its dependencies), when fixed. */
  const injectedPort = (key: string, dependencies: readonly { readonly name: string }[]): number | undefined => {
    const dependency = dependencies.find((candidate) => key === `${envPrefix(candidate.name)}_PORT`);
    if (dependency === undefined) return undefined;
    const port =
      plan.services.find((service) => service.name === dependency.name)?.port?.value ??
      plan.databases.find((database) => database.name === dependency.name)?.port;
    return typeof port === 'number' ? port : undefined;
  };
  for (const [planName, source] of mapped.sources) {
    const native = plan.services.find((service) => service.name === planName);
    const container = plan.containers.find((candidate) => candidate.name === planName);
    const target = native ?? container;
    if (target === undefined) continue; // a database: its environment was read into its settings
    for (const dependency of source.dependsOn) {
      const name = mapped.names.get(dependency.service);
      if (name === undefined || target.dependsOn.some((existing) => existing.name === name)) continue;
      target.dependsOn.push({
        name,
        why: `depends_on in ${file}${dependency.condition === 'service_started' ? '' : ` (${dependency.condition})`}`,
      });
      const dependencyService = plan.services.find((service) => service.name === name);
      if (dependency.condition === 'service_completed_successfully' && dependencyService !== undefined) {
        dependencyService.task = true;
        dependencyService.health = undefined;
        dependencyService.port = undefined;
        dependencyService.watch = undefined;
        dependencyService.notes.push(`a task: ${planName} waits for it to exit 0 (service_completed_successfully in ${file})`);
      }
    }
    const rewritten: PlannedEnv[] = [];
    for (const entry of target.env) {
      const { value, referenced } = rewriteHosts(entry.value, mapped.names, hasPort);
      for (const name of referenced)
        if (name !== planName && !target.dependsOn.some((existing) => existing.name === name))
          target.dependsOn.push({ name, why: `${entry.key} in ${file} points at it` });
      // devstack injects <NAME>_URL for each dependency by itself: an identical entry is noise.
      const only = referenced[0];
      // (Only to native services: a container gets nothing but its own env.)
      const injected = native !== undefined && only !== undefined && entry.key === `${envPrefix(only)}_URL`;
      if (injected && referenced.length === 1 && value === `http://\${services.${only}.host}:\${services.${only}.port}`) continue;
      // …and <DEP>_PORT: the same number as the dependency's port is what it gets anyway.
      if (native !== undefined && entry.value === String(injectedPort(entry.key, target.dependsOn))) continue;
      // What `devstack export` wrote for a dependency — <DEP>_URL/_PORT of each named port, and the
      // URL a database's clients read (DATABASE_URL, AMQP_URL…) — devstack gives it natively anyway
      // (a password in such a URL then stays out of the config).
      if (native !== undefined && isInjectedFor(entry.key, referenced, target.dependsOn, entry.value)) continue;
      rewritten.push(value === entry.value ? entry : { ...entry, value, note: entry.note ?? `was ${maskUrlsIn(entry.value)} in ${file}` });
    }
    // DB_HOST: postgres next to DB_PORT: 5432 → the port goes with the host it was rewritten to.
    for (const [index, entry] of rewritten.entries()) {
      const host = /^(.*)_PORT$/.exec(entry.key)?.[1];
      const hostEntry = host === undefined ? undefined : rewritten.find((other) => other.key === `${host}_HOST`);
      const hostTarget = hostEntry === undefined ? undefined : /^\$\{services\.([^}]+)\.host\}$/.exec(hostEntry.value)?.[1];
      if (hostTarget !== undefined && /^\d+$/.test(entry.value))
        rewritten[index] = {
          key: entry.key,
          value: `\${services.${hostTarget}.port}`,
          note: `was ${entry.value} in ${file}, beside ${host}_HOST`,
        };
    }
    target.env.splice(0, target.env.length, ...rewritten);
  }
}
