/**
 * Pure: the stack as one Compose file, for when it outgrows one machine. Services run their command
 * in a Node image with the repository mounted at /app (its node_modules included: the same Linux
 * build), in their folder; databases and infrastructure run their images with named volumes.
 * `dependsOn` becomes `depends_on` with `service_healthy` where a healthcheck exists (translated
 * from the devstack probe), `service_completed_successfully` for tasks, `service_started` else.
 * Every port is published on 127.0.0.1; injected URLs name the Compose service
 * (`http://auth-service:8001`); values that look secret go to an env file beside the Compose file
 * instead of into it. What cannot be translated is listed in `notes`.
 *
 * The `swarm` form is the same stack for `docker stack deploy` (one node or many): Swarm has no
 * startup order and no host IP on published ports (its routing mesh publishes on every node), so
 * `depends_on` becomes a plain list (documentation: Swarm ignores it) and services restart on
 * failure until what they need answers; restarts are `deploy.restart_policy`, tasks run once; the
 * repository is bound by its absolute path (it must be at that path on every node that runs a
 * service); and the stack's network is attachable, for `docker run --network` next to it.
 */
import type { ResolvedService } from '../config/resolved.js';
import {
  addVariables,
  databaseImageOf,
  hostsOf,
  insidePort,
  nodeCheckScript,
  readinessOf,
  repoServiceOf,
  seconds,
  type ExportInput,
} from './stack-model.js';

export interface ComposeInput extends ExportInput {
  /** `compose` for docker compose (one machine), `swarm` for docker stack deploy. */
  readonly target: 'compose' | 'swarm';
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

/** Compose interpolates `$VAR` in every value: a `$` meant for the shell or the program is written `$$`. */
const literal = (value: string): string => value.replaceAll('$', '$$$$');

/** Engines whose official images run the scripts of /docker-entrypoint-initdb.d on first start. */
export const INITDB_ENGINES: ReadonlySet<string> = new Set(['postgres', 'mysql', 'mariadb', 'mongodb']);

function healthcheckOf(service: ResolvedService, port: number | undefined, notes: string[]): Healthcheck | undefined {
  const readiness = readinessOf(service, port, notes, 'Compose');
  if (readiness === undefined) return undefined;
  const { check } = readiness;
  const test =
    check.kind === 'http' || check.kind === 'tcp'
      ? ['CMD', 'node', '-e', nodeCheckScript(check)]
      : check.kind === 'shell'
        ? ['CMD-SHELL', check.script]
        : ['CMD', ...check.argv];
  return {
    test,
    interval: seconds(readiness.intervalMs),
    timeout: seconds(readiness.timeoutMs),
    retries: readiness.retries,
    start_period: seconds(readiness.startPeriodMs),
  };
}

export function composeOf(input: ComposeInput): ComposeExport {
  const { config } = input;
  const notes: string[] = [];
  const secrets = new Map<string, Record<string, string>>();
  const hosts = hostsOf(config.services, input.ports);
  const services: Record<string, unknown> = {};
  const volumes: Record<string, Record<string, never>> = {};
  const watched: string[] = [];
  const swarm = input.target === 'swarm';
  const repo = swarm ? config.root : input.repoFromComposeDir;

  for (const service of config.services) {
    const ports = input.ports.get(service.name) ?? new Map<string, number>();
    const main = ports.values().next().value;
    const entry: Record<string, unknown> = {};
    const environment: Record<string, string> = {};
    const secret: Record<string, string> = {};
    // A database's ports that its image does not serve (container 0: RabbitMQ's epmd and distribution ports) are not published.
    const published = [...ports.entries()]
      .filter(([name]) => service.ports.find((candidate) => candidate.name === name)?.container !== 0)
      .map(([name, port]) => `${swarm ? '' : '127.0.0.1:'}${port}:${insidePort(service, name, port)}`);

    if (service.database !== undefined) {
      const database = service.database;
      const image = databaseImageOf(service, ports);
      entry['image'] = image.image;
      Object.assign(environment, image.environment);
      Object.assign(secret, image.secret);
      if (image.hostname !== undefined) entry['hostname'] = image.hostname;
      if (image.command.length > 0) entry['command'] = [...image.command];
      const spec = { dataPath: image.dataPath };
      const volume = `${service.name}-data`;
      volumes[volume] = {};
      entry['volumes'] = [`${volume}:${spec.dataPath}`];
      if (database.init !== undefined) {
        if (INITDB_ENGINES.has(database.engine)) {
          const init = `${repo}/${database.init.slice(config.root.length + 1)}`;
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
      addVariables({ environment, secret }, service.env, hosts);
    } else {
      const { workingDir, command } = repoServiceOf(service, config.root);
      entry['image'] = input.nodeImage;
      entry['working_dir'] = workingDir;
      entry['command'] = command;
      entry['volumes'] = [`${repo}:/app`];
      // Services listen on 127.0.0.1 on the host; in a container they must accept the others.
      environment['HOST'] = '0.0.0.0';
      addVariables({ environment, secret }, input.envOf(service), hosts);
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
    if (service.dependsOn.length > 0 && swarm) {
      entry['depends_on'] = [...service.dependsOn];
    } else if (service.dependsOn.length > 0) {
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
    if (swarm)
      entry['deploy'] = {
        restart_policy: {
          condition: service.type === 'task' || service.restart === 'no' ? 'none' : service.restart === 'always' ? 'any' : 'on-failure',
        },
      };
    else if (service.type !== 'task')
      entry['restart'] = service.restart === 'no' ? 'no' : service.restart === 'always' ? 'always' : 'on-failure';
    services[service.name] = entry;
  }
  if (watched.length > 0)
    notes.push(`hot restart (watch) is not exported: docker compose restart <service> after an edit (${watched.join(', ')})`);
  escapeValues(services);
  if (swarm && config.services.some((service) => service.dependsOn.length > 0))
    notes.push('swarm starts every service at once: those with dependencies restart on failure until what they need answers');
  // No top-level `name`: docker-compose 1.x refuses it; the project is named after the file's folder (or -p).
  // docker stack deploy still wants a `version` (its loader reads the file as Compose file format 3).
  const compose: Record<string, unknown> = swarm ? { version: '3.8', services } : { services };
  if (Object.keys(volumes).length > 0) compose['volumes'] = volumes;
  if (swarm) compose['networks'] = { default: { driver: 'overlay', attachable: true } };
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
