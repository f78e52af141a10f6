/** Pure pieces of resolution shared by services and containers: dependencies, durations, health checks. */
import { parseDurationMs } from '../util/duration.js';
import { parseCommandLine } from '../util/shell-words.js';
import { LOCAL_HOST } from '../util/local-host.js';
import { didYouMean } from '../util/suggest.js';
import { configError } from './config-error.js';
import type { Duration, HealthCheck, StatusMatcher } from './define-config.js';
import { DEFAULT_PROBE_TIMING, type ResolvedProbe, type StatusRange } from './resolved.js';

/** `dependsOn` checked: known names, not itself, none twice. */
export function resolveDependsOn(
  field: string,
  name: string,
  dependsOn: readonly string[] | undefined,
  names: readonly string[],
  displayFile: string,
): string[] {
  const list = [...(dependsOn ?? [])];
  list.forEach((dependency, index) => {
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
    if (list.indexOf(dependency) !== index) throw configError(displayFile, at, `"${dependency}" is listed twice`);
  });
  return list;
}

export function durationMs(value: Duration | undefined, fallback: number): number {
  // The schema has already rejected malformed durations.
  return value === undefined ? fallback : (parseDurationMs(value) ?? fallback);
}

const DEFAULT_EXPECT_STATUS: readonly StatusMatcher[] = ['2xx', '3xx'];

function toStatusRange(matcher: StatusMatcher): StatusRange {
  if (typeof matcher === 'number') return { min: matcher, max: matcher };
  const hundreds = Number(matcher[0]) * 100;
  return { min: hundreds, max: hundreds + 99 };
}

export function resolveHealth(health: string | HealthCheck): ResolvedProbe {
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
