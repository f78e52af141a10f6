/** What the rest of devstack works with: validated, defaulted, absolute. */
import type { CommandLine } from '../util/shell-words.js';

export type StatusRange = { readonly min: number; readonly max: number };

export interface ProbeTimingMs {
  readonly startPeriodMs: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly readyTimeoutMs: number;
}

/** What a readiness probe checks; ResolvedProbe adds its timing. */
export type ProbeSpec =
  /** The URL may hold templates (`${port}`), expanded at start. */
  | { readonly type: 'http'; readonly url: string; readonly expectStatus: readonly StatusRange[] }
  /** `host:port`, possibly with templates (`127.0.0.1:${port}`), expanded at start. */
  | { readonly type: 'tcp'; readonly target: string }
  | { readonly type: 'log'; readonly pattern: RegExp }
  | { readonly type: 'command'; readonly command: CommandLine }
  /** Logs in and runs `SELECT 1`; `target` as for tcp. */
  | { readonly type: 'postgres'; readonly target: string; readonly user: string; readonly password: string; readonly database: string }
  /** Logs in and runs `SELECT 1` over the MySQL protocol. */
  | { readonly type: 'mysql'; readonly target: string; readonly user: string; readonly password: string }
  /** Sends PING (after AUTH when a password is set) and expects PONG. */
  | { readonly type: 'redis'; readonly target: string; readonly password: string | undefined }
  /** Opens an AMQP 0-9-1 connection (protocol header, login, vhost) and closes it. */
  | { readonly type: 'amqp'; readonly target: string; readonly user: string; readonly password: string; readonly vhost: string }
  /** Sends `hello` over the MongoDB wire protocol (OP_MSG) and expects `ok: 1`. */
  | { readonly type: 'mongodb'; readonly target: string };

export type ResolvedProbe = ProbeTimingMs & ProbeSpec;

export type DatabaseEngine = 'postgres' | 'redis' | 'mysql' | 'mariadb' | 'rabbitmq' | 'mongodb';
export type DatabaseMode = 'native' | 'embedded' | 'container';

export interface ResolvedDatabase {
  readonly engine: DatabaseEngine;
  /** Major version asked for; undefined for "the newest found". */
  readonly version: string | undefined;
  /** The modes allowed, in the order they are tried. */
  readonly modes: readonly DatabaseMode[];
  readonly image: string;
  /** The login; undefined for engines without users (Redis, MongoDB without auth). */
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** The database in the injected URL; undefined for engines without named databases. */
  readonly database: string | undefined;
  /** Every database to create when missing, the main one first (empty without named databases). */
  readonly databases: readonly string[];
  /** Absolute path of the init folder or file. */
  readonly init: string | undefined;
  readonly optional: boolean;
  /** Project-local data folder for native and embedded modes. */
  readonly dataDir: string;
  /** Container and volume names, unique to this project and database. */
  readonly containerName: string;
  readonly volumeName: string;
  /** The label value every container and volume of this project carries. */
  readonly projectId: string;
  /** RabbitMQ: serve the management UI and HTTP API too. */
  readonly management: boolean;
}

export interface ResolvedContainer {
  readonly image: string;
  /** A build context (absolute); the image is built from it when it is missing. */
  readonly build: string | undefined;
  /** Overrides the image's command. */
  readonly command: readonly string[] | undefined;
  /** Named volumes as folders under .devstack/data/<service>/<name>, bind-mounted at `path`. */
  readonly volumes: readonly { readonly name: string; readonly path: string; readonly host: string }[];
  readonly containerName: string;
  /** The label value every container of this project carries. */
  readonly projectId: string;
  readonly optional: boolean;
}

export interface ResolvedWatch {
  /** Absolute paths. */
  readonly paths: readonly string[];
  /** The user's patterns, matched against paths relative to the service's cwd (see watch/ignore.ts). */
  readonly ignore: readonly string[];
  readonly debounceMs: number;
  /**
   * `watch: true` (no paths given): the service's folder and, when it is a workspace package, the
   * local packages it depends on (read from the workspace graph when the stack starts).
   */
  readonly workspace: boolean;
}

export interface ResolvedService {
  readonly name: string;
  readonly command: CommandLine;
  readonly cwd: string;
  /** As written: values may hold templates, expanded at start (env/service-env.ts). */
  readonly env: Readonly<Record<string, string>>;
  /** Named ports, the main one first (empty: the service has no port). */
  readonly ports: readonly ResolvedPort[];
  readonly profiles: readonly string[];
  readonly health: ResolvedProbe | undefined;
  readonly dependsOn: readonly string[];
  readonly stopSignal: NodeJS.Signals;
  readonly stopTimeoutMs: number;
  readonly watch: ResolvedWatch | undefined;
  readonly restartDependents: boolean;
  readonly type: 'service' | 'task';
  readonly restart: 'no' | 'on-failure' | 'always';
  /** Infinity when unlimited. */
  readonly maxRestarts: number;
  /** Set for a database: its `command` is only a placeholder, the real one is found at start (databases/). */
  readonly database?: ResolvedDatabase;
  /** Set for a container service: its `command` is only a placeholder (`docker run` is built at start). */
  readonly container?: ResolvedContainer;
}

export interface ResolvedPort {
  /** `http` for a service's single `port`, the engine's name for a database's main port. */
  readonly name: string;
  readonly port: number | 'auto';
  /** The scheme of URLs to it. */
  readonly scheme: string;
  /** The port inside a container (databases in container mode, container services); 0: not published. */
  readonly container?: number | undefined;
}

/** The main port of a service, as configured. */
export function mainPortOf(service: ResolvedService): ResolvedPort | undefined {
  return service.ports[0];
}

export interface ResolvedConfig {
  /** Absolute path of the config file. */
  readonly file: string;
  /** How to name the config file in messages (relative to where devstack was run). */
  readonly displayFile: string;
  /** The config file's folder: relative paths are resolved against it. */
  readonly root: string;
  /** PID files, service logs and devstack's own log. */
  readonly logsDir: string;
  /** Services in config order. */
  readonly services: readonly ResolvedService[];
  /** Undefined: logs grow without limit. */
  readonly logRotation: LogRotation | undefined;
  /** The reverse proxy in front of the stack, when configured. */
  readonly proxy?: ResolvedProxy | undefined;
  /** The web dashboard; undefined when it is off. */
  readonly dashboard?: ResolvedDashboard | undefined;
}

export interface ResolvedDashboard {
  readonly port: number | 'auto';
  /** The default port: taken → a free one instead of an error. */
  readonly fallback: boolean;
}

export const DEFAULT_DASHBOARD_PORT = 7410;

export interface ResolvedProxyRoute {
  /** `/api` (no trailing slash), or `/`. */
  readonly prefix: string;
  readonly service: string;
  readonly stripPrefix: boolean;
}

export interface ResolvedProxy {
  readonly port: number | 'auto';
  /** Longest prefix first: the first that matches wins. */
  readonly routes: readonly ResolvedProxyRoute[];
  /** Host name (lower case, no port) → service: `<service>.localhost` for every service with an HTTP port, and the configured ones. */
  readonly hosts: Readonly<Record<string, string>>;
  readonly holdTimeoutMs: number;
  readonly maxHeld: number;
  readonly accessLog: boolean;
  /** HTTPS beside HTTP: own certificate files (absolute), or mkcert's when undefined. */
  readonly https: { readonly port: number | 'auto'; readonly cert?: string | undefined; readonly key?: string | undefined } | undefined;
  readonly engine: 'auto' | 'nginx' | 'node';
}

export const DEFAULT_PROXY_HTTPS_PORT = 8443;

export const DEFAULT_PROXY_PORT = 8080;

export interface LogRotation {
  readonly maxBytes: number;
  /** Rotated files kept besides the current one. */
  readonly keep: number;
}

export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 20 * 1024 * 1024, keep: 3 };

export const DEFAULT_PROBE_TIMING: ProbeTimingMs = {
  startPeriodMs: 0,
  intervalMs: 1000,
  timeoutMs: 2000,
  readyTimeoutMs: 60_000,
};
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;
/** A database gets longer to shut down cleanly: SIGKILL can cost it a crash recovery. */
export const DEFAULT_DATABASE_STOP_TIMEOUT_MS = 30_000;
export const DEFAULT_DEBOUNCE_MS = 50;
