/**
 * Pure: what every export shares — the readiness check a probe becomes inside a container, the
 * rewrite of injected URLs to the services' names, and which variables are secrets.
 */
import type { ResolvedConfig, ResolvedService, StatusRange } from '../config/resolved.js';
import { engineOf } from '../databases/engines/index.js';
import { isSecretName, looksLikeSecretValue } from '../util/secrets.js';

/** What every export needs from the CLI. */
export interface ExportInput {
  readonly config: ResolvedConfig;
  /** Each service's environment for the chosen mode, as devstack would give it (ports of `ports`). */
  readonly envOf: (service: ResolvedService) => Readonly<Record<string, string>>;
  /** Each service's planned ports (fixed ones, and one chosen for 'auto'). */
  readonly ports: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** The image services run their command in. */
  readonly nodeImage: string;
}

/** A container's variables, those that look secret apart. */
export interface Variables {
  readonly environment: Record<string, string>;
  readonly secret: Record<string, string>;
}

export type ReadinessCheck =
  | { readonly kind: 'http'; readonly path: string; readonly port: number; readonly ok: readonly StatusRange[] }
  | { readonly kind: 'tcp'; readonly port: number }
  | { readonly kind: 'shell'; readonly script: string }
  | { readonly kind: 'exec'; readonly argv: readonly string[] };

export interface Readiness {
  readonly check: ReadinessCheck;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly startPeriodMs: number;
  /** How many failures in a row before unhealthy: enough to cover readyTimeout. */
  readonly retries: number;
}

export const seconds = (ms: number): string => `${Math.max(1, Math.round(ms / 1000))}s`;

/** A check as one `node -e` line (images with Node but no curl): HTTP with the accepted statuses, or a TCP connect. */
export function nodeCheckScript(check: Extract<ReadinessCheck, { kind: 'http' | 'tcp' }>): string {
  if (check.kind === 'tcp')
    return `require('net').connect(${check.port},'127.0.0.1').on('connect',function(){this.destroy()}).on('error',()=>{process.exitCode=1})`;
  const ok = check.ok.map((range) => `(s>=${range.min}&&s<=${range.max})`).join('||');
  return `fetch(${JSON.stringify(`http://127.0.0.1:${check.port}${check.path}`)}).then(r=>{const s=r.status;process.exitCode=${ok}?0:1},()=>{process.exitCode=1})`;
}

/**
 * The probe as a check run inside the service's container, on the port it listens on there.
 * Undefined, with a note, for what cannot be checked from inside (a log line).
 */
export function readinessOf(
  service: ResolvedService,
  port: number | undefined,
  notes: string[],
  engineName: string,
): Readiness | undefined {
  const probe = service.health;
  if (probe === undefined) return undefined;
  // Each check is a process in the container, and keeps running once healthy: every second, the
  // example stack's nine checks cost about half a core for good (measured: its Swarm deploy then
  // missed its deadlines on two cores). devstack's own probes are in-process and stop once ready.
  const intervalMs = Math.max(probe.intervalMs, MIN_CHECK_INTERVAL_MS);
  const timing = {
    intervalMs,
    timeoutMs: probe.timeoutMs,
    startPeriodMs: probe.startPeriodMs,
    retries: Math.max(3, Math.ceil(probe.readyTimeoutMs / intervalMs)),
  };
  const at = port ?? 80;
  const check = ((): ReadinessCheck | undefined => {
    switch (probe.type) {
      case 'http': {
        // The probe's URL names the host's port; inside the container the service listens on its own.
        const path = (probe.url.replace(/^[a-z]+:\/\/[^/]+/i, '') || '/').replace(/\$\{port\}/g, String(at));
        return { kind: 'http', path, port: at, ok: probe.expectStatus };
      }
      case 'tcp':
        return { kind: 'tcp', port: at };
      case 'command':
        return probe.command.type === 'shell'
          ? { kind: 'shell', script: probe.command.script }
          : { kind: 'exec', argv: [probe.command.file, ...probe.command.args] };
      case 'log':
        notes.push(
          `${service.name}: its readiness is a log line (${probe.pattern.source}), which ${engineName} cannot watch: dependents wait only for it to start`,
        );
        return undefined;
      case 'postgres':
        return { kind: 'shell', script: 'pg_isready -U "${POSTGRES_USER:-postgres}" -d "${POSTGRES_DB:-postgres}"' };
      case 'mysql':
        return { kind: 'shell', script: 'mysqladmin ping -h 127.0.0.1 --silent || healthcheck.sh --connect' };
      case 'redis':
        return { kind: 'shell', script: 'redis-cli ${REDIS_PASSWORD:+-a "$REDIS_PASSWORD"} ping | grep -q PONG' };
      case 'amqp':
        // Not `ping`: that answers once the node runs, before its AMQP listener accepts (measured:
        // dependents then met ECONNREFUSED on 5672). devstack's own probe is a real AMQP connection.
        return { kind: 'exec', argv: ['rabbitmq-diagnostics', '-q', 'check_port_connectivity'] };
      case 'mongodb':
        return { kind: 'exec', argv: ['mongosh', '--quiet', '--eval', "db.adminCommand('ping').ok"] };
    }
  })();
  if (check === undefined) return undefined;
  // An engine's own CLI starts a runtime of its own (rabbitmq-diagnostics an Erlang VM, mongosh a
  // JavaScript shell): measured 1.5–3 s on a busy node, past devstack's 2 s for a connection.
  const heavy = check.kind === 'exec' && (check.argv[0] === 'rabbitmq-diagnostics' || check.argv[0] === 'mongosh');
  return { check, ...timing, timeoutMs: heavy ? Math.max(timing.timeoutMs, HEAVY_CHECK_TIMEOUT_MS) : timing.timeoutMs };
}

const HEAVY_CHECK_TIMEOUT_MS = 10_000;
const MIN_CHECK_INTERVAL_MS = 3000;

export type Hosts = ReadonlyMap<number, { readonly name: string; readonly inside: number }>;

/** The port a service listens on inside its container: a container's own, else the planned one. */
export function insidePort(service: ResolvedService, name: string, planned: number): number {
  return service.ports.find((candidate) => candidate.name === name)?.container || planned;
}

/** Every planned port → the service that has it and its port inside its container. */
export function hostsOf(services: readonly ResolvedService[], ports: ReadonlyMap<string, ReadonlyMap<string, number>>): Hosts {
  const hosts = new Map<number, { name: string; inside: number }>();
  for (const service of services)
    for (const [name, port] of ports.get(service.name) ?? [])
      hosts.set(port, { name: service.name, inside: insidePort(service, name, port) });
  return hosts;
}

/** `127.0.0.1:8001` → `auth-service:8001` (its port inside its container): what another container must use. */
export function toServiceNames(value: string, hosts: Hosts): string {
  return value.replace(/\b(?:127\.0\.0\.1|localhost):(\d{1,5})\b/g, (whole, port: string) => {
    const host = hosts.get(Number(port));
    return host === undefined ? whole : `${host.name}:${host.inside}`;
  });
}

/** By name, by shape, or a URL with a password in it. */
export function isSecret(key: string, value: string): boolean {
  return isSecretName(key) || looksLikeSecretValue(value) || /:\/\/[^/@\s]+:[^/@\s]+@/.test(value);
}

/** A database as its image runs it: the container-mode contract of its engine, as data. */
export interface DatabaseImage {
  readonly image: string;
  readonly environment: Record<string, string>;
  /** Passed by name, never in argv: passwords. */
  readonly secret: Record<string, string>;
  readonly hostname: string | undefined;
  readonly command: readonly string[];
  readonly dataPath: string;
}

export function databaseImageOf(service: ResolvedService, ports: ReadonlyMap<string, number>): DatabaseImage {
  const database = service.database!;
  const spec = engineOf(database.engine).container(database, ports, undefined);
  const environment: Record<string, string> = {};
  const secret: Record<string, string> = {};
  let hostname: string | undefined;
  for (let index = 0; index < spec.args.length; index++) {
    const flag = spec.args[index]!;
    const value = spec.args[index + 1] ?? '';
    if (flag === '--env') {
      index++;
      const equals = value.indexOf('=');
      if (equals === -1) secret[value] = spec.env[value] ?? '';
      else environment[value.slice(0, equals)] = value.slice(equals + 1);
    } else if (flag === '--hostname') {
      index++;
      hostname = value;
    }
  }
  return { image: database.image, environment, secret, hostname, command: spec.command, dataPath: spec.dataPath };
}

/** Adds `env` to `into`, secrets apart, URLs naming the services (devstack's run markers left out). */
export function addVariables(into: Variables, env: Readonly<Record<string, string>>, hosts: Hosts): void {
  for (const key of Object.keys(env).sort()) {
    if (key.startsWith('DEVSTACK_')) continue; // devstack's run markers mean nothing elsewhere
    const value = toServiceNames(env[key]!, hosts);
    (isSecret(key, value) ? into.secret : into.environment)[key] = value;
  }
}

/** A service run from the repository mounted at /app: its folder there and its command as argv. */
export function repoServiceOf(service: ResolvedService, root: string): { readonly workingDir: string; readonly command: string[] } {
  const cwd = service.cwd === root ? '' : service.cwd.slice(root.length + 1);
  return {
    workingDir: cwd === '' ? '/app' : `/app/${cwd}`,
    command: service.command.type === 'shell' ? ['sh', '-c', service.command.script] : [service.command.file, ...service.command.args],
  };
}
