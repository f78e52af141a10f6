/**
 * The environment a service starts with, and where each value came from. Layers, later wins:
 *   1. devstack's own environment (minus npm's per-script variables and devstack's markers)
 *   2. the config folder's .env, .env.local, .env.<mode>, .env.<mode>.local
 *   3. the same four files in the service's own folder (when it differs)
 *   4. `env` in services.config.ts (templates expanded)
 *   5. what devstack injects: PORT, <DEP>_URL and <DEP>_PORT for each dependency (a database's URL is
 *      postgres://… or redis://…, also as DATABASE_URL / REDIS_URL when only one), the run marker
 * `${VAR}` in a .env file or config value resolves against the layers below it and earlier keys of
 * its own file.
 */
import { join, relative } from 'node:path';
import type { ResolvedProbe, ResolvedService } from '../config/resolved.js';
import { envPrefix, LOCAL_HOST, mainPort, parseTemplateRef, urlOf, type PortPlan, type TemplateRef } from '../config/templates.js';
import { unreachable } from '../util/unreachable.js';
import { engineOf } from '../databases/engines/index.js';
import { err, ok, type Result } from '../util/result.js';
import { readEnvFile, type EnvFileProblem } from './env-file.js';
import { interpolate } from './interpolate.js';

export type EnvSource =
  | { readonly type: 'process' }
  | { readonly type: 'file'; readonly path: string }
  | { readonly type: 'config' }
  | { readonly type: 'devstack'; readonly why: string };

export interface ResolvedEnv {
  readonly env: Record<string, string>;
  readonly sources: Record<string, EnvSource>;
  /** `${VAR}` references in the config's `env` values that nothing defines (they became empty). */
  readonly unset: readonly { readonly key: string; readonly name: string }[];
}

export type EnvResult = Result<ResolvedEnv, EnvFileProblem>;

export interface ServiceEnvInput {
  readonly processEnv: Readonly<Record<string, string>>;
  /** The config file's folder. */
  readonly root: string;
  readonly mode: string;
  readonly service: ResolvedService;
  readonly services: readonly ResolvedService[];
  /** Every service's port for this run (fixed or auto-assigned). */
  readonly ports: PortPlan;
  /** Variables devstack must control, such as its run marker. */
  readonly injected: Readonly<Record<string, string>>;
}

/** npm sets these for the script it runs; handed on, they would confuse an npm that a service runs. */
const NOT_PASSED_THROUGH = /^(npm_|INIT_CWD$|DEVSTACK_RUN_ID$|DEVSTACK_SERVICE$)/;

export function envFileNames(mode: string): string[] {
  return ['.env', '.env.local', `.env.${mode}`, `.env.${mode}.local`];
}

export function resolveServiceEnv(input: ServiceEnvInput): EnvResult {
  const { service, root } = input;
  const env: Record<string, string> = {};
  const sources: Record<string, EnvSource> = {};
  const set = (key: string, value: string, source: EnvSource): void => {
    env[key] = value;
    sources[key] = source;
  };
  for (const [key, value] of Object.entries(input.processEnv)) if (!NOT_PASSED_THROUGH.test(key)) set(key, value, { type: 'process' });

  const folders = service.cwd === root ? [root] : [root, service.cwd];
  for (const folder of folders) {
    for (const name of envFileNames(input.mode)) {
      const path = join(folder, name);
      const file = readEnvFile(path);
      if (file === undefined) continue;
      if (!file.ok) return err({ file: path, line: file.error.line, problem: file.error.problem });
      const display = relative(root, path);
      for (const [key, value] of Object.entries(file.value))
        set(
          key,
          interpolate(value, (name) => env[name]),
          { type: 'file', path: display },
        );
    }
  }

  const lookup = templateLookup(input, env, service.container === undefined ? 'host' : 'container');
  const unset: { key: string; name: string }[] = [];
  for (const [key, value] of Object.entries(service.env)) {
    set(
      key,
      interpolate(value, lookup, (name) => unset.push({ key, name })),
      { type: 'config' },
    );
  }

  injectPorts(input, set);
  for (const [key, value] of Object.entries(input.injected)) set(key, value, { type: 'devstack', why: 'run marker' });
  return ok({ env, sources, unset });
}

type Setter = (key: string, value: string, source: EnvSource) => void;

/** PORT (and PORT_<NAME> for each of several named ports), then what its direct dependencies give it. */
function injectPorts(input: ServiceEnvInput, set: Setter): void {
  const { service } = input;
  const own = input.ports.get(service.name);
  const ownMain = mainPort(own);
  if (ownMain !== undefined)
    set('PORT', String(ownMain), {
      type: 'devstack',
      why: service.ports[0]?.port === 'auto' ? 'port (auto: a free one at each up)' : 'port',
    });
  if (own !== undefined && own.size > 1) {
    for (const [name, port] of own) set(`PORT_${envPrefix(name)}`, String(port), { type: 'devstack', why: `port ${name}` });
  }
  for (const variable of dependencyVariables(service.dependsOn, input.services, input.ports))
    set(variable.key, variable.value, { type: 'devstack', why: variable.why });
}

export interface InjectedVariable {
  readonly key: string;
  readonly value: string;
  readonly why: string;
}

/**
 * What a dependent of `dependencies` gets for them: <DEP>_URL and <DEP>_PORT for each one with
 * ports (and <DEP>_<PORTNAME>_URL / _PORT when it has several); DATABASE_URL, REDIS_URL, AMQP_URL…
 * when only one of them would set it. Also what `devstack run` gives its command.
 */
export function dependencyVariables(
  dependencies: readonly string[],
  services: readonly ResolvedService[],
  portPlan: PortPlan,
): InjectedVariable[] {
  const variables: InjectedVariable[] = [];
  const byVariable = new Map<string, string[]>();
  for (const dependency of dependencies) {
    const ports = portPlan.get(dependency);
    const target = services.find((candidate) => candidate.name === dependency);
    if (ports === undefined || ports.size === 0 || target === undefined) continue;
    const why = `dependency ${dependency}`;
    const prefix = envPrefix(dependency);
    variables.push({ key: `${prefix}_URL`, value: urlOf(target, ports)!, why });
    variables.push({ key: `${prefix}_PORT`, value: String(mainPort(ports)), why });
    if (ports.size > 1) {
      for (const [name, port] of ports) {
        variables.push({ key: `${prefix}_${envPrefix(name)}_URL`, value: urlOf(target, ports, name)!, why });
        variables.push({ key: `${prefix}_${envPrefix(name)}_PORT`, value: String(port), why });
      }
    }
    for (const variable of target.database === undefined ? [] : engineOf(target.database.engine).urlVariables) {
      byVariable.set(variable, [...(byVariable.get(variable) ?? []), dependency]);
    }
  }
  // DATABASE_URL / REDIS_URL only when unambiguous: with two SQL database dependencies, use <NAME>_URL.
  for (const [variable, [dependency, ...others]] of byVariable) {
    if (dependency === undefined || others.length > 0) continue;
    const target = services.find((candidate) => candidate.name === dependency)!;
    variables.push({ key: variable, value: urlOf(target, portPlan.get(dependency)!)!, why: `dependency ${dependency}` });
  }
  return variables;
}

/** Resolves `${port}`, `${services.x.url|port|host}` and `${VAR}` (from `env`, the layers so far). */
/**
 * Where a template points, seen from the process that reads it: from the host, everything is on
 * 127.0.0.1 at its published port; from inside a container service, another container of the
 * stack is reachable by its name at its port inside the container (they share the stack's network).
 */
type View = 'host' | 'container';

function containerAddress(input: ServiceEnvInput, view: View, ref: Extract<TemplateRef, { type: 'service' }>): string | undefined {
  if (view !== 'container') return undefined;
  const target = input.services.find((candidate) => candidate.name === ref.service);
  if (target?.container === undefined) return undefined;
  const port = ref.port === undefined ? target.ports[0] : target.ports.find((candidate) => candidate.name === ref.port);
  if (ref.field === 'host') return target.name;
  if (port?.container === undefined) return undefined;
  return ref.field === 'port' ? String(port.container) : `${port.scheme}://${target.name}:${port.container}`;
}

function templateLookup(input: ServiceEnvInput, env: Readonly<Record<string, string>>, view: View): (name: string) => string | undefined {
  return (name) => {
    const ref = parseTemplateRef(name);
    if (ref.type === 'service') {
      const inside = containerAddress(input, view, ref);
      if (inside !== undefined) return inside;
    }
    switch (ref.type) {
      case 'own-port': {
        const own = input.ports.get(input.service.name);
        return portText(ref.port === undefined ? mainPort(own) : own?.get(ref.port));
      }
      case 'service': {
        if (ref.field === 'host') return LOCAL_HOST;
        const ports = input.ports.get(ref.service);
        if (ref.field === 'port') return portText(ref.port === undefined ? mainPort(ports) : ports?.get(ref.port));
        const target = input.services.find((candidate) => candidate.name === ref.service);
        return target === undefined || ports === undefined ? undefined : urlOf(target, ports, ref.port, ref.database);
      }
      case 'env':
        return env[ref.name];
      case 'invalid':
        return undefined; // rejected when the config was resolved
      default:
        return unreachable(ref);
    }
  };
}

function portText(port: number | undefined): string | undefined {
  return port === undefined ? undefined : String(port);
}

export interface ExpandedProbe {
  readonly probe: ResolvedProbe;
  /** `${VAR}` references in the probe's target that nothing defines (they became empty). */
  readonly unset: readonly string[];
}

/** The probe with its templates expanded against the service's final environment and ports. */
export function expandProbe(probe: ResolvedProbe, input: ServiceEnvInput, env: Readonly<Record<string, string>>): ExpandedProbe {
  // Probes run on the host, whatever the service is.
  const lookup = templateLookup(input, env, 'host');
  const unset: string[] = [];
  const expand = (text: string): string => interpolate(text, lookup, (name) => unset.push(name));
  if (probe.type === 'http') return { probe: { ...probe, url: expand(probe.url) }, unset };
  if ('target' in probe) return { probe: { ...probe, target: expand(probe.target) }, unset };
  return { probe, unset };
}

/** process.env without undefined values (the type Node gives it allows them). */
export function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  return result;
}
