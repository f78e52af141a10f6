/**
 * References inside config strings (env values, health URLs and TCP targets):
 *   ${port}, ${ports.<port>}                    this service's main port, or a named one
 *   ${services.<name>.url|port|host}            another service's main port (a database's own URL: postgres://…)
 *   ${services.<name>.urls.<port>}, .ports.<port>   one of its named ports
 *   ${databases.<name>.url}, .url.<database>    a database's URL, to its default or another of its databases
 *   ${VAR} / ${VAR:-default}                    a variable of the layers below (devstack's environment, .env files)
 * Write them in plain quotes in services.config.ts ('${port}'), not in a JS template literal.
 */
import { engineOf } from '../databases/engines/index.js';
import { LOCAL_HOST } from '../util/local-host.js';
import type { ResolvedService } from './resolved.js';

export { LOCAL_HOST };

export type TemplateRef =
  /** `port` undefined: the main port. */
  | { readonly type: 'own-port'; readonly port: string | undefined }
  | {
      readonly type: 'service';
      readonly service: string;
      readonly field: 'url' | 'port' | 'host';
      /** A named port; undefined: the main one. */
      readonly port: string | undefined;
      /** `${databases.x.url.<database>}`: the URL to another database of that server. */
      readonly database: string | undefined;
    }
  | { readonly type: 'env'; readonly name: string };

const ENV_NAME = /^[A-Za-z_]\w*$/;
const NAME = '[A-Za-z0-9][A-Za-z0-9._-]*';
const OWN_PORT = /^ports\.([A-Za-z][\w-]*)$/;
const SERVICE = new RegExp(`^services\\.(${NAME})\\.(url|port|host)$`);
const SERVICE_PORT = new RegExp(`^services\\.(${NAME})\\.(urls|ports)\\.([A-Za-z][\\w-]*)$`);
const DATABASE = new RegExp(`^databases\\.(${NAME})\\.(url|port|host)(?:\\.([A-Za-z_][\\w$-]*))?$`);

/** Parses the inside of `${…}` (without any `:-default`); `invalid` when it is not a valid reference. */
export function parseTemplateRef(inside: string): TemplateRef | { readonly type: 'invalid'; readonly problem: string } {
  const name = inside.split(':-')[0]!;
  if (name === 'port') return { type: 'own-port', port: undefined };
  const own = OWN_PORT.exec(name);
  if (own) return { type: 'own-port', port: own[1] };
  // Service names may contain dots (`api.v2`): a named port (`.urls.<port>`) is tried first.
  const servicePort = SERVICE_PORT.exec(name);
  if (servicePort)
    return {
      type: 'service',
      service: servicePort[1]!,
      field: servicePort[2] === 'urls' ? 'url' : 'port',
      port: servicePort[3],
      database: undefined,
    };
  const service = SERVICE.exec(name);
  if (service)
    return { type: 'service', service: service[1]!, field: service[2] as 'url' | 'port' | 'host', port: undefined, database: undefined };
  const database = DATABASE.exec(name);
  if (database && (database[3] === undefined || database[2] === 'url')) {
    return {
      type: 'service',
      service: database[1]!,
      field: database[2] as 'url' | 'port' | 'host',
      port: undefined,
      database: database[3],
    };
  }
  if (name.startsWith('services.') || name.startsWith('databases.') || name.startsWith('ports.')) {
    return {
      type: 'invalid',
      problem: `expected \${services.<name>.url}, .port, .host, .urls.<port> or .ports.<port>, \${databases.<name>.url[.<database>]} or \${ports.<port>}, got \${${inside}}`,
    };
  }
  if (ENV_NAME.test(name)) return { type: 'env', name };
  return { type: 'invalid', problem: `expected \${port}, \${services.<name>.url} or \${VARIABLE}, got \${${inside}}` };
}

/** The `${…}` insides found in a string. */
export function templateRefsIn(value: string): string[] {
  return [...value.matchAll(/(?<!\\)\$\{([^}]*)\}/g)].map((match) => match[1]!);
}

/** A service's ports for one run: port name → number, the main one first. */
export type ServicePorts = ReadonlyMap<string, number>;

/** Every selected service's ports for one run. */
export type PortPlan = ReadonlyMap<string, ServicePorts>;

export function mainPort(ports: ServicePorts | undefined): number | undefined {
  return ports?.values().next().value;
}

/**
 * What `${services.<name>.url}` and `<NAME>_URL` mean: a database's own URL (postgres://…,
 * amqp://…) for its main port, else `<scheme>://127.0.0.1:<port>` of the port asked for.
 */
export function urlOf(service: ResolvedService, ports: ServicePorts, portName?: string, database?: string): string | undefined {
  const name = portName ?? service.ports[0]?.name;
  const port = name === undefined ? undefined : ports.get(name);
  if (port === undefined) return undefined;
  if (service.database !== undefined && name === service.ports[0]?.name)
    return engineOf(service.database.engine).url(service.database, port, database);
  const scheme = service.ports.find((candidate) => candidate.name === name)?.scheme ?? 'http';
  return `${scheme}://${LOCAL_HOST}:${port}`;
}

/** `auth-service` → `AUTH_SERVICE` (for AUTH_SERVICE_URL / AUTH_SERVICE_PORT). */
export function envPrefix(serviceName: string): string {
  return serviceName.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
