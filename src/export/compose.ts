/**
 * Pure: the stack as one Compose file, for when it outgrows one machine. Services run their command
 * in a Node image with the repository mounted at /app (its node_modules included: the same Linux
 * build), in their folder; databases and infrastructure run their images with named volumes.
 * `dependsOn` becomes `depends_on` with `service_healthy` where a healthcheck exists (translated
 * from the devstack probe), `service_completed_successfully` for tasks, `service_started` else.
 * Every port is published on 127.0.0.1; injected URLs name the Compose service
 * (`http://auth-service:8001`); values that look secret go to an env file beside the Compose file
 * instead of into it. What cannot be translated is listed in `notes`.
 */
import type { ResolvedConfig, ResolvedService } from '../config/resolved.js';
import { engineOf } from '../databases/engines/index.js';
import { isSecretName, looksLikeSecretValue } from '../util/secrets.js';

export interface ComposeInput {
  readonly config: ResolvedConfig;
  /** Each service's environment for the chosen mode, as devstack would give it (ports of `ports`). */
  readonly envOf: (service: ResolvedService) => Readonly<Record<string, string>>;
  /** The port each service listens on inside its container (its own, or one chosen for 'auto'). */
  readonly ports: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly nodeImage: string;
  /** The repository relative to the Compose file's folder (`.` when it is written at the root). */
  readonly repoFromComposeDir: string;
  /** The env file of a service's secrets, relative to the Compose file's folder. */
  readonly secretsFile: (service: string) => string;
}

export interface ComposeExport {
  readonly compose: Record<string, unknown>;
  /** Per service: the secret variables its env file holds. */
  readonly secrets: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** What was approximated or left out, one line each. */
  readonly notes: readonly string[];
}

type Healthcheck = { test: string[]; interval: string; timeout: string; retries: number; start_period: string };

const seconds = (ms: number): string => `${Math.max(1, Math.round(ms / 1000))}s`;

/** Compose interpolates `$VAR` in every value: a `$` meant for the shell or the program is written `$$`. */
const literal = (value: string): string => value.replaceAll('$', '$$$$');

/** Engines whose official images run the scripts of /docker-entrypoint-initdb.d on first start. */
const INITDB_ENGINES = new Set(['postgres', 'mysql', 'mariadb', 'mongodb']);

function healthcheckOf(service: ResolvedService, port: number | undefined, notes: string[]): Healthcheck | undefined {
  const probe = service.health;
  if (probe === undefined) return undefined;
  const timing = {
    interval: seconds(probe.intervalMs),
    timeout: seconds(probe.timeoutMs),
    retries: Math.max(3, Math.ceil(probe.readyTimeoutMs / probe.intervalMs)),
    start_period: seconds(probe.startPeriodMs),
  };
  const node = (script: string): Healthcheck => ({ test: ['CMD', 'node', '-e', script], ...timing });
  switch (probe.type) {
    case 'http': {
      // The probe's URL names the host's port; inside the container the service listens on its own.
      const path = probe.url.replace(/^[a-z]+:\/\/[^/]+/i, '') || '/';
      const target = `http://127.0.0.1:${port ?? 80}${path.replace(/\$\{port\}/g, String(port))}`;
      const ok = probe.expectStatus.map((range) => `(s>=${range.min}&&s<=${range.max})`).join('||');
      return node(`fetch(${JSON.stringify(target)}).then(r=>{const s=r.status;process.exitCode=${ok}?0:1},()=>{process.exitCode=1})`);
    }
    case 'tcp':
      return node(
        `require('net').connect(${port ?? 80},'127.0.0.1').on('connect',function(){this.destroy()}).on('error',()=>{process.exitCode=1})`,
      );
    case 'command':
      return {
        test: ['CMD-SHELL', probe.command.type === 'shell' ? probe.command.script : [probe.command.file, ...probe.command.args].join(' ')],
        ...timing,
      };
    case 'log':
      notes.push(
        `${service.name}: its readiness is a log line (${probe.pattern.source}), which Compose cannot watch: dependents wait only for it to start`,
      );
      return undefined;
    case 'postgres':
      return { test: ['CMD-SHELL', 'pg_isready -U "${POSTGRES_USER:-postgres}" -d "${POSTGRES_DB:-postgres}"'], ...timing };
    case 'mysql':
      return { test: ['CMD-SHELL', 'mysqladmin ping -h 127.0.0.1 --silent || healthcheck.sh --connect'], ...timing };
    case 'redis':
      return { test: ['CMD-SHELL', 'redis-cli ${REDIS_PASSWORD:+-a "$REDIS_PASSWORD"} ping | grep -q PONG'], ...timing };
    case 'amqp':
      return { test: ['CMD', 'rabbitmq-diagnostics', '-q', 'ping'], ...timing };
    case 'mongodb':
      return { test: ['CMD', 'mongosh', '--quiet', '--eval', "db.adminCommand('ping').ok"], ...timing };
  }
}

/** `127.0.0.1:8001` → `auth-service:8001` (its port inside its container) for every service: what a container must use. */
function toServiceNames(value: string, hosts: ReadonlyMap<number, { readonly name: string; readonly inside: number }>): string {
  return value.replace(/\b(?:127\.0\.0\.1|localhost):(\d{1,5})\b/g, (whole, port: string) => {
    const host = hosts.get(Number(port));
    return host === undefined ? whole : `${host.name}:${host.inside}`;
  });
}

/** The port a service listens on inside its container: a container's own, else the planned one. */
function insidePort(service: ResolvedService, name: string, planned: number): number {
  return service.ports.find((candidate) => candidate.name === name)?.container || planned;
}

function isSecret(key: string, value: string): boolean {
  return isSecretName(key) || looksLikeSecretValue(value) || /:\/\/[^/@\s]+:[^/@\s]+@/.test(value);
}

export function composeOf(input: ComposeInput): ComposeExport {
  const { config } = input;
  const notes: string[] = [];
  const secrets = new Map<string, Record<string, string>>();
  const hosts = new Map<number, { name: string; inside: number }>();
  for (const service of config.services)
    for (const [portName, port] of input.ports.get(service.name) ?? [])
      hosts.set(port, { name: service.name, inside: insidePort(service, portName, port) });
  const services: Record<string, unknown> = {};
  const volumes: Record<string, Record<string, never>> = {};
  const watched: string[] = [];

  for (const service of config.services) {
    const ports = input.ports.get(service.name) ?? new Map<string, number>();
    const main = ports.values().next().value;
    const entry: Record<string, unknown> = {};
    const environment: Record<string, string> = {};
    const secret: Record<string, string> = {};
    // A database's ports that its image does not serve (container 0: RabbitMQ's epmd and distribution ports) are not published.
    const published = [...ports.entries()]
      .filter(([name]) => service.ports.find((candidate) => candidate.name === name)?.container !== 0)
      .map(([name, port]) => `127.0.0.1:${port}:${insidePort(service, name, port)}`);

    if (service.database !== undefined) {
      const database = service.database;
      const spec = engineOf(database.engine).container(database, ports, undefined);
      entry['image'] = database.image;
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
          entry['hostname'] = value;
        }
      }
      if (spec.command.length > 0) entry['command'] = [...spec.command];
      const volume = `${service.name}-data`;
      volumes[volume] = {};
      entry['volumes'] = [`${volume}:${spec.dataPath}`];
      if (database.init !== undefined) {
        if (INITDB_ENGINES.has(database.engine)) {
          const init = `${input.repoFromComposeDir}/${database.init.slice(config.root.length + 1)}`;
          (entry['volumes'] as string[]).push(`${init}:/docker-entrypoint-initdb.d:ro`);
        } else notes.push(`${service.name}: its init scripts are not run by the exported file`);
      }
    } else if (service.container !== undefined) {
      const container = service.container;
      entry['image'] = container.image;
      if (container.command !== undefined) entry['command'] = [...container.command];
      if (container.volumes.length > 0) {
        entry['volumes'] = container.volumes.map((volume) => {
          volumes[`${service.name}-${volume.name}`] = {};
          return `${service.name}-${volume.name}:${volume.path}`;
        });
      }
      for (const [key, value] of Object.entries(service.env))
        (isSecret(key, value) ? secret : environment)[key] = toServiceNames(value, hosts);
    } else {
      entry['image'] = input.nodeImage;
      const cwd = service.cwd === config.root ? '' : service.cwd.slice(config.root.length + 1);
      entry['working_dir'] = cwd === '' ? '/app' : `/app/${cwd}`;
      entry['command'] =
        service.command.type === 'shell' ? ['sh', '-c', service.command.script] : [service.command.file, ...service.command.args];
      entry['volumes'] = [`${input.repoFromComposeDir}:/app`];
      // Services listen on 127.0.0.1 on the host; in a container they must accept the others.
      environment['HOST'] = '0.0.0.0';
      const env = input.envOf(service);
      for (const key of Object.keys(env).sort()) {
        if (key.startsWith('DEVSTACK_')) continue; // devstack's run markers mean nothing to Compose
        const value = toServiceNames(env[key]!, hosts);
        (isSecret(key, value) ? secret : environment)[key] = value;
      }
      if (service.watch !== undefined) watched.push(service.name);
    }

    if (Object.keys(environment).length > 0)
      entry['environment'] = Object.fromEntries(Object.entries(environment).sort(([a], [b]) => a.localeCompare(b)));
    if (Object.keys(secret).length > 0) {
      secrets.set(service.name, secret);
      entry['env_file'] = [input.secretsFile(service.name)];
    }
    if (published.length > 0) entry['ports'] = published;
    const healthcheck = healthcheckOf(
      service,
      service.database !== undefined || service.container !== undefined ? (service.ports[0]?.container ?? main) : main,
      notes,
    );
    if (healthcheck !== undefined) entry['healthcheck'] = healthcheck;
    if (service.dependsOn.length > 0) {
      entry['depends_on'] = Object.fromEntries(
        service.dependsOn.map((name) => {
          const dependency = config.services.find((candidate) => candidate.name === name)!;
          const condition =
            dependency.type === 'task'
              ? 'service_completed_successfully'
              : dependency.health !== undefined && dependency.health.type !== 'log'
                ? 'service_healthy'
                : 'service_started';
          return [name, { condition }];
        }),
      );
    }
    entry['stop_signal'] = service.stopSignal;
    entry['stop_grace_period'] = seconds(service.stopTimeoutMs);
    if (service.type !== 'task')
      entry['restart'] = service.restart === 'no' ? 'no' : service.restart === 'always' ? 'always' : 'on-failure';
    services[service.name] = entry;
  }
  if (watched.length > 0)
    notes.push(`hot restart (watch) is not exported: docker compose restart <service> after an edit (${watched.join(', ')})`);
  escapeValues(services);
  // No top-level `name`: docker-compose 1.x refuses it; the project is named after the file's folder (or -p).
  const compose: Record<string, unknown> = { services };
  if (Object.keys(volumes).length > 0) compose['volumes'] = volumes;
  return { compose, secrets, notes };
}

/** Every command, environment value and healthcheck of every service, `$` escaped for Compose. */
function escapeValues(services: Record<string, unknown>): void {
  for (const entry of Object.values(services) as Record<string, unknown>[]) {
    if (Array.isArray(entry['command'])) entry['command'] = (entry['command'] as string[]).map(literal);
    const environment = entry['environment'] as Record<string, string> | undefined;
    if (environment !== undefined) for (const key of Object.keys(environment)) environment[key] = literal(environment[key]!);
    const healthcheck = entry['healthcheck'] as Healthcheck | undefined;
    if (healthcheck !== undefined) healthcheck.test = healthcheck.test.map(literal);
  }
}
