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
import { CONVENTIONAL_URL_VARIABLE, envPrefix, LOCAL_HOST, parseTemplateRef, serviceUrl, urlOf } from '../config/templates.js';
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
  readonly ports: ReadonlyMap<string, number>;
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

  const lookup = templateLookup(input, env);
  const unset: { key: string; name: string }[] = [];
  for (const [key, value] of Object.entries(service.env)) {
    set(
      key,
      interpolate(value, lookup, (name) => unset.push({ key, name })),
      { type: 'config' },
    );
  }

  const ownPort = input.ports.get(service.name);
  if (ownPort !== undefined)
    set('PORT', String(ownPort), { type: 'devstack', why: service.port === 'auto' ? 'port (auto: a free one at each up)' : 'port' });
  const byVariable = new Map<string, string[]>();
  for (const dependency of service.dependsOn) {
    const port = input.ports.get(dependency);
    const target = input.services.find((candidate) => candidate.name === dependency);
    if (port === undefined || target === undefined) continue;
    const why = `dependency ${dependency}`;
    set(`${envPrefix(dependency)}_URL`, urlOf(target, port), { type: 'devstack', why });
    set(`${envPrefix(dependency)}_PORT`, String(port), { type: 'devstack', why });
    if (target.database) {
      const variable = CONVENTIONAL_URL_VARIABLE[target.database.engine];
      byVariable.set(variable, [...(byVariable.get(variable) ?? []), dependency]);
    }
  }
  // DATABASE_URL / REDIS_URL only when unambiguous: with two SQL database dependencies, use <NAME>_URL.
  for (const [variable, [dependency, ...others]] of byVariable) {
    if (dependency === undefined || others.length > 0) continue;
    const target = input.services.find((candidate) => candidate.name === dependency)!;
    set(variable, urlOf(target, input.ports.get(dependency)!), { type: 'devstack', why: `dependency ${dependency}` });
  }
  for (const [key, value] of Object.entries(input.injected)) set(key, value, { type: 'devstack', why: 'run marker' });
  return ok({ env, sources, unset });
}

/** Resolves `${port}`, `${services.x.url|port|host}` and `${VAR}` (from `env`, the layers so far). */
function templateLookup(input: ServiceEnvInput, env: Readonly<Record<string, string>>): (name: string) => string | undefined {
  return (name) => {
    const ref = parseTemplateRef(name);
    switch (ref.type) {
      case 'own-port':
        return portText(input.ports.get(input.service.name));
      case 'service':
        if (ref.field === 'host') return LOCAL_HOST;
        if (ref.field === 'port') return portText(input.ports.get(ref.service));
        return mapDefined(input.ports.get(ref.service), (port) => {
          const target = input.services.find((candidate) => candidate.name === ref.service);
          return target === undefined ? serviceUrl(port) : urlOf(target, port);
        });
      case 'env':
        return env[ref.name];
      case 'invalid':
        return undefined; // rejected when the config was resolved
    }
  };
}

function portText(port: number | undefined): string | undefined {
  return port === undefined ? undefined : String(port);
}

function mapDefined<T, U>(value: T | undefined, map: (value: T) => U): U | undefined {
  return value === undefined ? undefined : map(value);
}

export interface ExpandedProbe {
  readonly probe: ResolvedProbe;
  /** `${VAR}` references in the probe's target that nothing defines (they became empty). */
  readonly unset: readonly string[];
}

/** The probe with its templates expanded against the service's final environment and ports. */
export function expandProbe(probe: ResolvedProbe, input: ServiceEnvInput, env: Readonly<Record<string, string>>): ExpandedProbe {
  const lookup = templateLookup(input, env);
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
