/**
 * Reads a Docker Compose file (and its override file) into plain data for `devstack init`: each
 * service's image or build folder, ports, environment, env files, depends_on conditions,
 * healthcheck, volumes and profiles, in every syntax Compose accepts for them. `${VAR}` is
 * resolved as Compose does, from the project's `.env` and the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readEnvFile } from '../env/env-file.js';
import { err, ok, type Result } from '../util/result.js';

export const COMPOSE_FILE_NAMES: readonly string[] = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface ComposePort {
  /** The published port on the host; undefined when Compose picks one. */
  readonly host: number | undefined;
  readonly container: number;
}

export type ComposeVolume =
  | { readonly type: 'named'; readonly name: string; readonly target: string }
  /** `source` relative to the repository root when it is inside it. */
  | { readonly type: 'bind'; readonly source: string; readonly target: string }
  | { readonly type: 'anonymous'; readonly target: string };

export interface ComposeService {
  readonly name: string;
  readonly image: string | undefined;
  /** The build context, relative to the repository root (`''` for the root). */
  readonly build: string | undefined;
  readonly ports: readonly ComposePort[];
  /** As written (with `${VAR}` left for devstack, which resolves it the same way). */
  readonly environment: Readonly<Record<string, string>>;
  /** env_file paths, relative to the repository root. */
  readonly envFiles: readonly string[];
  readonly dependsOn: readonly { readonly service: string; readonly condition: DependsCondition }[];
  /** The healthcheck's test as argv (`CMD-SHELL x` becomes ['sh', '-c', x]). */
  readonly healthcheck: readonly string[] | undefined;
  readonly volumes: readonly ComposeVolume[];
  readonly profiles: readonly string[];
  readonly command: string | undefined;
  /** The command as the argv Compose runs, when it was written as a list. */
  readonly commandArgv?: readonly string[] | undefined;
  readonly workingDir?: string | undefined;
}

export interface ComposeFile {
  /** Relative to the repository root. */
  readonly file: string;
  readonly services: readonly ComposeService[];
  /** Things that were read but cannot be carried over, one line each. */
  readonly skipped: readonly string[];
}

export function findComposeFile(root: string): string | undefined {
  return COMPOSE_FILE_NAMES.map((name) => join(root, name)).find((file) => existsSync(file));
}

type Vars = Readonly<Record<string, string | undefined>>;

/** Compose's interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`. */
export function interpolateCompose(value: string, vars: Vars): string {
  return value.replace(/\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_]\w*)/g, (match, braced, operator, operand, bare) => {
    if (match === '$$') return '$';
    const name = (braced ?? bare) as string;
    const current = vars[name];
    switch (operator as string | undefined) {
      case ':-':
        return current === undefined || current === '' ? String(operand) : current;
      case '-':
        return current === undefined ? String(operand) : current;
      default:
        return current ?? '';
    }
  });
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;

function parsePorts(value: unknown, service: string, skipped: string[]): ComposePort[] {
  return asList(value).flatMap((entry): ComposePort[] => {
    const long = asRecord(entry);
    if (long !== undefined) {
      const container = Number(long['target']);
      const published = long['published'] === undefined ? undefined : Number(long['published']);
      return Number.isInteger(container) ? [{ host: Number.isInteger(published) ? published : undefined, container }] : [];
    }
    const spec = text(entry)?.replace(/\/(tcp|udp)$/, '');
    if (spec === undefined) return [];
    const parts = spec.split(':');
    const container = Number(parts.at(-1));
    const host = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
    if (!Number.isInteger(container) || (host !== undefined && !Number.isInteger(host))) {
      skipped.push(`${service}: port "${spec}" (a range or an unusual form)`);
      return [];
    }
    return [{ host, container }];
  });
}

function parseEnvironment(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  const map = asRecord(value);
  if (map !== undefined) {
    for (const [key, item] of Object.entries(map)) {
      const itemText = text(item);
      if (itemText !== undefined) result[key] = itemText;
    }
    return result;
  }
  for (const entry of asList(value)) {
    const line = text(entry);
    if (line === undefined || !line.includes('=')) continue; // `- NAME` passes the host's NAME through: devstack does that anyway
    const index = line.indexOf('=');
    result[line.slice(0, index)] = line.slice(index + 1);
  }
  return result;
}

function parseDependsOn(value: unknown): { service: string; condition: DependsCondition }[] {
  const map = asRecord(value);
  if (map !== undefined) {
    return Object.entries(map).map(([service, options]) => {
      const condition = text(asRecord(options)?.['condition']);
      return {
        service,
        condition:
          condition === 'service_healthy' || condition === 'service_completed_successfully' ? condition : ('service_started' as const),
      };
    });
  }
  return asList(value).flatMap((entry) => (typeof entry === 'string' ? [{ service: entry, condition: 'service_started' as const }] : []));
}

function parseHealthcheck(value: unknown): string[] | undefined {
  const test = asRecord(value)?.['test'];
  if (typeof test === 'string') return ['sh', '-c', test];
  const argv = asList(test).map((item) => String(item));
  if (argv[0] === 'CMD') return argv.slice(1);
  if (argv[0] === 'CMD-SHELL') return ['sh', '-c', argv.slice(1).join(' ')];
  return undefined; // NONE, or absent
}

function parseVolumes(value: unknown, composeDir: string, root: string): ComposeVolume[] {
  return asList(value).flatMap((entry): ComposeVolume[] => {
    const long = asRecord(entry);
    const [source, target] =
      long !== undefined
        ? [text(long['source']), text(long['target'])]
        : ((): [string | undefined, string | undefined] => {
            const parts = (text(entry) ?? '').split(':');
            return parts.length === 1 ? [undefined, parts[0]] : [parts[0], parts[1]];
          })();
    if (target === undefined || target === '') return [];
    if (source === undefined || source === '') return [{ type: 'anonymous', target }];
    if (/^[.~/]/.test(source)) {
      const absolute = resolvePath(composeDir, source);
      const inside = relative(root, absolute);
      return [{ type: 'bind', source: inside.startsWith('..') ? absolute : inside.split('\\').join('/'), target }];
    }
    return [{ type: 'named', name: source, target }];
  });
}

/** The project's variables for `${VAR}`: its `.env` (next to the Compose file), then the environment. */
function composeVars(composeDir: string, env: Vars): Vars {
  const file = readEnvFile(join(composeDir, '.env'));
  return { ...(file?.ok ? file.value : {}), ...env };
}

function parseDocument(path: string): Result<Record<string, unknown>, string> {
  try {
    const parsed = asRecord(parseYaml(readFileSync(path, 'utf8')));
    return parsed === undefined ? err('expected a YAML mapping with "services"') : ok(parsed);
  } catch (error) {
    return err(error instanceof Error ? (error.message.split('\n')[0] ?? 'invalid YAML') : String(error));
  }
}

/** Compose's override file: its keys win; environment entries merge. */
function mergeServices(base: Record<string, unknown>, override: Record<string, unknown> | undefined): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [name, raw] of Object.entries(override ?? {})) {
    const extra = asRecord(raw) ?? {};
    const current = asRecord(merged[name]) ?? {};
    const environment = { ...parseEnvironment(current['environment']), ...parseEnvironment(extra['environment']) };
    merged[name] = { ...current, ...extra, environment };
  }
  return merged;
}

export function readComposeFile(path: string, root: string, env: Vars): Result<ComposeFile, string> {
  const document = parseDocument(path);
  if (!document.ok) return err(`${relative(root, path)}: ${document.error}`);
  const composeDir = dirname(path);
  const overridePath = path.replace(/\.(ya?ml)$/, '.override.$1');
  const override = existsSync(overridePath) ? parseDocument(overridePath) : undefined;
  const vars = composeVars(composeDir, env);
  const services = mergeServices(
    asRecord(document.value['services']) ?? {},
    override?.ok ? asRecord(override.value['services']) : undefined,
  );
  const skipped: string[] = [];
  const resolved = (value: unknown): string | undefined => {
    const raw = text(value);
    return raw === undefined ? undefined : interpolateCompose(raw, vars);
  };
  const result = Object.entries(services).map(([name, raw]): ComposeService => {
    const service = asRecord(raw) ?? {};
    const build = service['build'];
    const context = typeof build === 'string' ? build : text(asRecord(build)?.['context']);
    const command = service['command'];
    return {
      name,
      image: resolved(service['image']),
      build:
        context === undefined
          ? undefined
          : relative(root, resolvePath(composeDir, interpolateCompose(context, vars)))
              .split('\\')
              .join('/'),
      ports: parsePorts(
        asList(service['ports']).map((port) => (typeof port === 'string' ? interpolateCompose(port, vars) : port)),
        name,
        skipped,
      ),
      environment: parseEnvironment(service['environment']),
      envFiles: (typeof service['env_file'] === 'string' ? [service['env_file']] : asList(service['env_file']))
        .map((item) => text(asRecord(item)?.['path']) ?? text(item))
        .flatMap((item) => (item === undefined ? [] : [relative(root, resolvePath(composeDir, item)).split('\\').join('/')])),
      dependsOn: parseDependsOn(service['depends_on']),
      healthcheck: parseHealthcheck(service['healthcheck'])?.map((arg) => interpolateCompose(arg, vars)),
      volumes: parseVolumes(
        asList(service['volumes']).map((volume) => (typeof volume === 'string' ? interpolateCompose(volume, vars) : volume)),
        composeDir,
        root,
      ),
      profiles: asList(service['profiles']).flatMap((profile) => (typeof profile === 'string' ? [profile] : [])),
      command: Array.isArray(command) ? command.map(String).join(' ') : text(command),
      commandArgv: Array.isArray(command) ? command.map(String) : undefined,
      workingDir: resolved(service['working_dir']),
    };
  });
  return ok({ file: relative(root, path), services: result, skipped });
}

/** The value of one of a service's variables with `${VAR}` resolved as Compose would (for database settings). */
export function composeValue(service: ComposeService, key: string, root: string, composeFile: string, env: Vars): string | undefined {
  const raw = service.environment[key];
  return raw === undefined ? undefined : interpolateCompose(raw, composeVars(dirname(join(root, composeFile)), env));
}
