/**
 * Everything that can be known wrong before a process starts, checked for every selected service
 * at once: unknown profiles, databases that cannot run here, taken ports, broken .env files,
 * `${VAR}` references in health targets that nothing defines. Also collects what the run needs to
 * mask: every secret value the services' environments hold.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import type { PortPlan } from '../config/templates.js';
import { selectServices, withoutServices } from '../config/select.js';
import { planDatabase, type DatabasePlan } from '../databases/plan.js';
import { planContainer, type ContainerPlan } from '../databases/container-service.js';
import { describeEnvFileProblem } from '../env/env-file.js';
import { planPorts } from '../env/ports.js';
import { heldBy } from '../process/port-holder.js';
import { expandProbe, resolveServiceEnv } from '../env/service-env.js';
import { DevstackError } from '../errors.js';
import type { SupervisorEvent } from '../supervisor/events.js';
import { secretValuesOf } from '../util/secrets.js';
import { formatCommandLine } from '../util/shell-words.js';
import { packageScriptOf, selfWatcherIn } from '../config/self-watching.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { didYouMean } from '../util/suggest.js';

export interface PreflightInput {
  readonly config: ResolvedConfig;
  /** Services to start (with their dependencies); empty for all (but those of inactive profiles). */
  readonly services: readonly string[];
  readonly profiles: readonly string[];
  /** Selects .env.<mode> files. */
  readonly mode: string;
  readonly processEnv: Readonly<Record<string, string>>;
  readonly cwd: string;
}

export interface Preflight {
  /** The config without optional databases that cannot run here. */
  readonly config: ResolvedConfig;
  readonly selected: readonly string[];
  readonly ports: PortPlan;
  readonly plans: ReadonlyMap<string, DatabasePlan>;
  /** How each container service runs (its engine and image). */
  readonly containers: ReadonlyMap<string, ContainerPlan>;
  /** Said before anything starts: skipped databases, unset variables. */
  readonly notices: readonly SupervisorEvent[];
  /** Values to mask wherever devstack prints (passwords, tokens). */
  readonly secrets: readonly string[];
}

export async function preflight(input: PreflightInput): Promise<Preflight> {
  checkProfiles(input.config, input.profiles);
  let config = input.config;
  let selected = selectServices(config.services, input.services, input.profiles);
  const notices: SupervisorEvent[] = [];
  const plans = await planDatabases(config, selected, input.processEnv['PATH'], notices);
  const containers = await planContainers(config, selected, input.processEnv['PATH'], notices);
  const skipped = notices.flatMap((notice) => (notice.type === 'database-skipped' ? [notice.service] : []));
  config = withoutServices(config, skipped);
  selected = selected.filter((name) => !skipped.includes(name));
  const ports = await checkPorts(config, selected);
  const secrets = checkEnvironments(config, selected, ports, input, notices);
  warnAboutSelfWatchers(config, selected, notices);
  return { config, selected, ports, plans, containers, notices, secrets };
}

/** The command line a service really runs: through `npm run <script>` (and scripts calling scripts), up to three levels. */
function effectiveCommand(service: ResolvedConfig['services'][number]): string {
  let line = formatCommandLine(service.command);
  for (let depth = 0; depth < 3; depth++) {
    const script = packageScriptOf(line);
    if (script === undefined) return line;
    let scripts: Record<string, string> = {};
    try {
      scripts = (JSON.parse(readFileSync(join(service.cwd, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
    } catch {
      return line; // no package.json to look in: judge the command as written
    }
    const next = scripts[script];
    if (next === undefined) return line;
    line = next;
  }
  return line;
}

/** A service watched by devstack whose own tool also restarts it on changes: one save, two restarts. */
function warnAboutSelfWatchers(config: ResolvedConfig, selected: readonly string[], notices: SupervisorEvent[]): void {
  for (const service of config.services.filter((candidate) => candidate.watch !== undefined && selected.includes(candidate.name))) {
    const tool = selfWatcherIn(effectiveCommand(service));
    if (tool === undefined) continue;
    notices.push({
      type: 'warning',
      service: service.name,
      message: `its command runs ${tool}, which restarts it on changes by itself; with devstack's watch too, each change restarts it twice`,
      hint: `remove watch from services.${service.name} (devstack still restarts it after a crash), or run it without ${tool}'s own watching`,
    });
  }
}

function checkProfiles(config: ResolvedConfig, profiles: readonly string[]): void {
  const known = [...new Set(config.services.flatMap((service) => service.profiles))];
  for (const profile of profiles) {
    if (known.includes(profile)) continue;
    throw new DevstackError(
      'USAGE',
      `--profile ${profile}: no service in ${config.displayFile} has the profile "${profile}"${didYouMean(profile, known)}`,
      {
        hint:
          known.length === 0
            ? 'add profiles: [...] to a service, or leave out --profile'
            : `profiles in ${config.displayFile}: ${known.join(', ')}`,
      },
    );
  }
}

/** How each selected database will run; none possible fails `up` (or skips it, when optional). */
async function planDatabases(
  config: ResolvedConfig,
  selected: readonly string[],
  pathVariable: string | undefined,
  notices: SupervisorEvent[],
): Promise<Map<string, DatabasePlan>> {
  const plans = new Map<string, DatabasePlan>();
  const databases = config.services.filter((service) => service.database !== undefined && selected.includes(service.name));
  const results = await Promise.all(
    databases.map(async (service) => ({ service, result: await planDatabase(service, config.root, pathVariable) })),
  );
  for (const { service, result } of results) {
    if (result.ok) {
      plans.set(service.name, result.value);
    } else if (service.database!.optional) {
      notices.push({ type: 'database-skipped', service: service.name, tried: result.error.tried, hint: result.error.hint });
    } else {
      throw new DevstackError(
        'DATABASE_UNAVAILABLE',
        `database "${service.name}" (${service.database!.engine}) cannot run here: ${result.error.tried.join('; ')}`,
        {
          service: service.name,
          hint: `${result.error.hint}; or set optional: true on databases.${service.name} in ${config.displayFile} to start without it`,
        },
      );
    }
  }
  return plans;
}

/** Each container service's engine and image; none fails `up` (or skips it, when optional). */
async function planContainers(
  config: ResolvedConfig,
  selected: readonly string[],
  pathVariable: string | undefined,
  notices: SupervisorEvent[],
): Promise<Map<string, ContainerPlan>> {
  const plans = new Map<string, ContainerPlan>();
  const containers = config.services.filter((service) => service.container !== undefined && selected.includes(service.name));
  for (const service of containers) {
    const result = await planContainer(service, pathVariable);
    if (result.ok) plans.set(service.name, result.value);
    else if (service.container!.optional)
      notices.push({ type: 'database-skipped', service: service.name, tried: result.error.tried, hint: result.error.hint });
    else {
      throw new DevstackError(
        'DATABASE_UNAVAILABLE',
        `container "${service.name}" (${service.container!.image}) cannot run here: ${result.error.tried.join('; ')}`,
        {
          service: service.name,
          hint: `${result.error.hint}; or set optional: true on containers.${service.name} in ${config.displayFile} to start without it`,
        },
      );
    }
  }
  return plans;
}

async function checkPorts(config: ResolvedConfig, selected: readonly string[]): Promise<PortPlan> {
  const plan = await planPorts(config.services.filter((service) => selected.includes(service.name)));
  if (plan.ok) return plan.value;
  const { service, port, portName, holder } = plan.error;
  const which = portName === undefined ? `port ${port}` : `port ${port} ("${portName}")`;
  throw new DevstackError('PORT_IN_USE', `${which} of service "${service}" is already in use${heldBy(holder)}`, {
    service,
    hint:
      holder === undefined
        ? "stop the program using it, or set port: 'auto'"
        : `stop pid ${holder.pid}, or set port: 'auto' for "${service}" in ${config.displayFile}`,
  });
}

function checkEnvironments(
  config: ResolvedConfig,
  selected: readonly string[],
  ports: PortPlan,
  input: PreflightInput,
  notices: SupervisorEvent[],
): string[] {
  const secrets: string[] = [];
  for (const service of config.services.filter((candidate) => selected.includes(candidate.name))) {
    const envInput = {
      processEnv: input.processEnv,
      root: config.root,
      mode: input.mode,
      service,
      services: config.services,
      ports,
      injected: {},
    };
    const resolved = resolveServiceEnv(envInput);
    if (!resolved.ok) {
      const problem = describeEnvFileProblem(resolved.error, input.cwd);
      throw new DevstackError('ENV_FILE_INVALID', problem.message, { file: resolved.error.file, hint: problem.hint });
    }
    const { env, unset } = resolved.value;
    secrets.push(...secretValuesOf(env));
    if (service.database?.password !== undefined) secrets.push(service.database.password);
    for (const { key, name } of unset) {
      notices.push({
        type: 'warning',
        service: service.name,
        message: `env.${key}: \${${name}} is not set (in devstack's environment or the .env files), so it is empty`,
        hint: `set ${name}, or write \${${name}:-default}`,
      });
    }
    if (service.health !== undefined) {
      const expanded = expandProbe(service.health, envInput, env);
      const [name] = expanded.unset;
      if (name !== undefined) {
        const field = `services.${service.name}.health.${service.health.type === 'http' ? 'http' : 'tcp'}`;
        // The service's own port first: `${prot}` is far more often a typo of it than of some variable.
        const suggestion = didYouMean(name, ['port']) || didYouMean(name, Object.keys(env));
        throw new DevstackError(
          'CONFIG_INVALID',
          `${config.displayFile}: ${field}: \${${name}} is not set (in devstack's environment or the .env files)${suggestion.replace(/"([^"]+)"/, '"${$1}"')}`,
          {
            file: config.displayFile,
            field,
            hint: `use \${port} for the service's own port, or define ${name} in a .env file`,
          },
        );
      }
    }
  }
  return secrets;
}
