/**
 * Pure: a schema-valid UserConfig + where it came from → ResolvedConfig. Adds what the schema
 * cannot know: service names are usable as file names, dependencies exist, no cycles, no two
 * services on one port.
 */
import { resolveProxy } from './resolve-proxy.js';
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { DevstackError } from '../errors.js';
import { findCycle, formatCycle } from '../graph/graph.js';
import { parseCommandLine } from '../util/shell-words.js';
import { parseSizeBytes } from '../util/size.js';
import { configError } from './config-error.js';
import { checkAcrossServices } from './cross-checks.js';
import type { ServiceConfig, UserConfig, WatchOptions } from './define-config.js';
import { resolveContainer } from './resolve-containers.js';
import { resolveDatabase } from './resolve-databases.js';
import { durationMs, resolveDependsOn, resolveHealth } from './resolve-parts.js';
import {
  DEFAULT_DASHBOARD_PORT,
  DEFAULT_DEBOUNCE_MS,
  DEFAULT_LOG_ROTATION,
  DEFAULT_STOP_TIMEOUT_MS,
  type LogRotation,
  type ResolvedConfig,
  type ResolvedDashboard,
  type ResolvedPort,
  type ResolvedService,
  type ResolvedWatch,
} from './resolved.js';

export interface ResolveInput {
  readonly config: UserConfig;
  readonly file: string;
  readonly displayFile: string;
}

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** devstack's own files in the logs folder are devstack.log, devstack.pid, devstack.stderr.log… */
const RESERVED_NAME = /^devstack(\.|$)/i;

export function resolveConfig({ config, file, displayFile }: ResolveInput): ResolvedConfig {
  const root = resolvePath(file, '..');
  const serviceNames = Object.keys(config.services);
  if (serviceNames.length === 0) {
    throw configError(displayFile, 'services', 'expected at least one service, got an empty object');
  }
  const databaseNames = Object.keys(config.databases ?? {});
  const containerNames = Object.keys(config.containers ?? {});
  for (const name of serviceNames) checkServiceName(displayFile, name, 'services');
  const seen = new Map<string, string>(serviceNames.map((name) => [name, 'service']));
  for (const [section, names] of [
    ['databases', databaseNames],
    ['containers', containerNames],
  ] as const) {
    for (const name of names) {
      checkServiceName(displayFile, name, section);
      const other = seen.get(name);
      if (other !== undefined) {
        throw configError(
          displayFile,
          `${section}.${name}`,
          `"${name}" is also the name of a ${other}`,
          'services, databases and containers share one set of names; rename one',
        );
      }
      seen.set(name, section === 'databases' ? 'database' : 'container');
    }
  }
  // Databases and containers first: they usually start first, and `ps` lists them in this order.
  const names = [...databaseNames, ...containerNames, ...serviceNames];
  const services = [
    ...databaseNames.map((name) => resolveDatabase(name, config.databases![name]!, root, displayFile)),
    ...containerNames.map((name) => resolveContainer(name, config.containers![name]!, root, displayFile, names)),
    ...serviceNames.map((name) => resolveService(name, config.services[name]!, root, displayFile, names)),
  ];
  checkAcrossServices(displayFile, services);

  const cycle = findCycle(services);
  if (!cycle.ok) {
    const first = cycle.error[0]!;
    throw new DevstackError(
      'DEPENDENCY_CYCLE',
      `${displayFile}: services.${first}.dependsOn: dependency cycle ${formatCycle(cycle.error)}`,
      {
        file: displayFile,
        field: `services.${first}.dependsOn`,
        hint: 'remove one of these dependsOn entries to break the cycle',
      },
    );
  }

  const proxy = resolveProxy(config.proxy, root, displayFile, services);
  return {
    file,
    displayFile,
    root,
    logsDir: resolvePath(root, config.logsDir ?? 'logs'),
    services,
    logRotation: resolveLogRotation(config.logRotation),
    proxy,
    dashboard: resolveDashboard(config.dashboard, displayFile, services, proxy?.port),
  };
}

function resolveDashboard(
  dashboard: UserConfig['dashboard'],
  displayFile: string,
  services: readonly ResolvedService[],
  proxyPort: number | 'auto' | undefined,
): ResolvedDashboard | undefined {
  if (dashboard === false) return undefined;
  const port = dashboard === true || dashboard === undefined ? undefined : dashboard.port;
  if (port === undefined) return { port: DEFAULT_DASHBOARD_PORT, fallback: true };
  const holder = port === proxyPort ? 'the proxy' : services.find((service) => service.ports.some((entry) => entry.port === port))?.name;
  if (port !== 'auto' && holder !== undefined)
    throw configError(
      displayFile,
      'dashboard.port',
      `port ${port} is already ${holder === 'the proxy' ? holder : `service "${holder}"`}'s`,
      "choose another port, or 'auto'",
    );
  return { port, fallback: false };
}

function resolveLogRotation(rotation: UserConfig['logRotation']): LogRotation | undefined {
  if (rotation === false) return undefined;
  return {
    maxBytes: rotation?.maxSize === undefined ? DEFAULT_LOG_ROTATION.maxBytes : parseSizeBytes(rotation.maxSize)!,
    keep: rotation?.keep ?? DEFAULT_LOG_ROTATION.keep,
  };
}

function checkServiceName(displayFile: string, name: string, section: 'services' | 'databases' | 'containers'): void {
  if (!SERVICE_NAME.test(name)) {
    throw configError(
      displayFile,
      `${section}.${name}`,
      `expected a service name of letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`,
      'rename the service; its name is used for log and PID file names',
    );
  }
  if (RESERVED_NAME.test(name)) {
    throw configError(
      displayFile,
      `${section}.${name}`,
      `"${name}" is reserved: devstack's own files in the logs folder are named devstack.*`,
      'rename it',
    );
  }
}

function resolveService(
  name: string,
  service: ServiceConfig,
  root: string,
  displayFile: string,
  names: readonly string[],
): ResolvedService {
  const field = `services.${name}`;
  const dependsOn = resolveDependsOn(field, name, service.dependsOn, names, displayFile);

  if (service.type === 'task') {
    if (service.health !== undefined)
      throw configError(
        displayFile,
        `${field}.health`,
        'a task is done when it exits with code 0; it has no health check',
        'remove health, or make it a service',
      );
    if (service.restart !== undefined)
      throw configError(
        displayFile,
        `${field}.restart`,
        'a task is not restarted when it exits',
        'remove restart; "devstack restart" runs a task again',
      );
  }
  const cwd = service.cwd === undefined ? root : resolvePath(root, service.cwd);
  return {
    name,
    command: parseCommandLine(service.command),
    cwd,
    env: Object.fromEntries(Object.entries(service.env ?? {}).map(([key, value]) => [key, String(value)])),
    ports: resolvePorts(field, service, displayFile),
    profiles: service.profiles ?? [],
    health: service.health === undefined ? undefined : resolveHealth(service.health),
    dependsOn,
    stopSignal: service.stopSignal ?? 'SIGTERM',
    stopTimeoutMs: durationMs(service.stopTimeout, DEFAULT_STOP_TIMEOUT_MS),
    watch: resolveWatch(service.watch, cwd),
    restartDependents: service.restartDependents ?? false,
    type: service.type ?? 'service',
    restart: service.restart ?? (service.type === 'task' ? 'no' : 'on-failure'),
    maxRestarts: service.maxRestarts ?? Infinity,
  };
}

function resolvePorts(field: string, service: ServiceConfig, displayFile: string): ResolvedPort[] {
  if (service.port !== undefined && service.ports !== undefined) {
    throw configError(
      displayFile,
      `${field}.ports`,
      'a service has either port or ports, not both',
      'move the port into ports (the first one is the main port)',
    );
  }
  if (service.port !== undefined) return [{ name: 'http', port: service.port, scheme: 'http' }];
  return Object.entries(service.ports ?? {}).map(([name, setting]) =>
    typeof setting === 'object' ? { name, port: setting.port, scheme: setting.scheme ?? 'http' } : { name, port: setting, scheme: 'http' },
  );
}

function resolveWatch(watch: boolean | string[] | WatchOptions | undefined, cwd: string): ResolvedWatch | undefined {
  if (watch === undefined || watch === false) return undefined;
  const options: WatchOptions = watch === true ? {} : Array.isArray(watch) ? { paths: watch } : watch;
  const paths = options.paths ?? ['.'];
  return {
    paths: paths.map((path) => (isAbsolute(path) ? path : resolvePath(cwd, path))),
    ignore: options.ignore ?? [],
    debounceMs: options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
    workspace: options.paths === undefined,
  };
}
