/**
 * Pure: a schema-valid UserConfig + where it came from → ResolvedConfig. Adds what the schema
 * cannot know: service names are usable as file names, dependencies exist, no cycles, no two
 * services on one port.
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import { DevstackError } from '../errors.js';
import { findCycle, formatCycle } from '../graph/graph.js';
import { parseDurationMs } from '../util/duration.js';
import { parseCommandLine } from '../util/shell-words.js';
import { LOCAL_HOST } from './templates.js';
import { checkAcrossServices } from './cross-checks.js';
import { didYouMean } from '../util/suggest.js';
import { resolveDatabase } from './resolve-databases.js';
import { configError } from './config-error.js';
import type { Duration, HealthCheck, ServiceConfig, StatusMatcher, UserConfig, WatchOptions } from './define-config.js';
import { parseSizeBytes } from '../util/size.js';
import {
  DEFAULT_LOG_ROTATION,
  type LogRotation,
  DEFAULT_DEBOUNCE_MS,
  DEFAULT_PROBE_TIMING,
  DEFAULT_STOP_TIMEOUT_MS,
  type ResolvedConfig,
  type ResolvedProbe,
  type ResolvedService,
  type ResolvedWatch,
  type StatusRange,
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
  for (const name of serviceNames) checkServiceName(displayFile, name, 'services');
  for (const name of databaseNames) {
    checkServiceName(displayFile, name, 'databases');
    if (serviceNames.includes(name)) {
      throw configError(
        displayFile,
        `databases.${name}`,
        `"${name}" is also the name of a service`,
        'services and databases share one set of names; rename one',
      );
    }
  }
  // Databases first: they usually start first, and `ps` lists them in this order.
  const names = [...databaseNames, ...serviceNames];
  const services = [
    ...databaseNames.map((name) => resolveDatabase(name, config.databases![name]!, root, displayFile)),
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

  return {
    file,
    displayFile,
    root,
    logsDir: resolvePath(root, config.logsDir ?? 'logs'),
    services,
    logRotation: resolveLogRotation(config.logRotation),
  };
}

function resolveLogRotation(rotation: UserConfig['logRotation']): LogRotation | undefined {
  if (rotation === false) return undefined;
  return {
    maxBytes: rotation?.maxSize === undefined ? DEFAULT_LOG_ROTATION.maxBytes : parseSizeBytes(rotation.maxSize)!,
    keep: rotation?.keep ?? DEFAULT_LOG_ROTATION.keep,
  };
}

function checkServiceName(displayFile: string, name: string, section: 'services' | 'databases'): void {
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
  const dependsOn = service.dependsOn ?? [];
  dependsOn.forEach((dependency, index) => {
    const at = `${field}.dependsOn[${index}]`;
    if (dependency === name) throw configError(displayFile, at, `service "${name}" cannot depend on itself`);
    if (!names.includes(dependency)) {
      throw configError(
        displayFile,
        at,
        `unknown service "${dependency}"${didYouMean(dependency, names)}`,
        `known services: ${names.join(', ')}`,
      );
    }
    if (dependsOn.indexOf(dependency) !== index) throw configError(displayFile, at, `"${dependency}" is listed twice`);
  });

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
    port: service.port,
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

function durationMs(value: Duration | undefined, fallback: number): number {
  // The schema has already rejected malformed durations.
  return value === undefined ? fallback : (parseDurationMs(value) ?? fallback);
}

const DEFAULT_EXPECT_STATUS: readonly StatusMatcher[] = ['2xx', '3xx'];

function toStatusRange(matcher: StatusMatcher): StatusRange {
  if (typeof matcher === 'number') return { min: matcher, max: matcher };
  const hundreds = Number(matcher[0]) * 100;
  return { min: hundreds, max: hundreds + 99 };
}

function resolveHealth(health: string | HealthCheck): ResolvedProbe {
  if (typeof health === 'string') {
    return { type: 'http', url: health, expectStatus: DEFAULT_EXPECT_STATUS.map(toStatusRange), ...DEFAULT_PROBE_TIMING };
  }
  const timing = {
    startPeriodMs: durationMs(health.startPeriod, DEFAULT_PROBE_TIMING.startPeriodMs),
    intervalMs: durationMs(health.interval, DEFAULT_PROBE_TIMING.intervalMs),
    timeoutMs: durationMs(health.timeout, DEFAULT_PROBE_TIMING.timeoutMs),
    readyTimeoutMs: durationMs(health.readyTimeout, DEFAULT_PROBE_TIMING.readyTimeoutMs),
  };
  if ('http' in health) {
    return { type: 'http', url: health.http, expectStatus: (health.expectStatus ?? DEFAULT_EXPECT_STATUS).map(toStatusRange), ...timing };
  }
  if ('tcp' in health) {
    return { type: 'tcp', target: typeof health.tcp === 'number' ? `${LOCAL_HOST}:${health.tcp}` : health.tcp, ...timing };
  }
  if ('log' in health) {
    return { type: 'log', pattern: typeof health.log === 'string' ? new RegExp(health.log) : health.log, ...timing };
  }
  return { type: 'command', command: parseCommandLine(health.command), ...timing };
}

function resolveWatch(watch: boolean | string[] | WatchOptions | undefined, cwd: string): ResolvedWatch | undefined {
  if (watch === undefined || watch === false) return undefined;
  const options: WatchOptions = watch === true ? {} : Array.isArray(watch) ? { paths: watch } : watch;
  const paths = options.paths ?? ['.'];
  return {
    paths: paths.map((path) => (isAbsolute(path) ? path : resolvePath(cwd, path))),
    ignore: options.ignore ?? [],
    debounceMs: options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
  };
}
