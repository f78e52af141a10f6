/**
 * Everything devstack knows about one kind of database or broker, in one place: its ports and
 * URL, its defaults, how it proves it is ready, how to find and run it natively, how its official
 * image is driven, how to create databases and run init scripts in it. Each engine is one file in
 * databases/engines/; adding an engine is adding a file and a line in engines/index.ts. The config
 * layer reads the facts, the lifecycle the rest; nothing else branches on engine names.
 */
import type { DatabaseConfig } from '../config/define-config.js';
import type { DatabaseEngine, DatabaseMode, ProbeSpec, ResolvedDatabase } from '../config/resolved.js';
import type { Launch } from '../supervisor/lifecycle.js';
import type { Problem, Result } from '../util/result.js';

export type EngineName = DatabaseEngine;

export interface EnginePort {
  /** The host port when the config says nothing: a well-known one, or `auto` for internal ones. */
  readonly default: number | 'auto';
  /** The port inside the official image. */
  readonly container: number;
  /** The scheme of URLs to this port (`amqp`, `http`). */
  readonly scheme: string;
}

/** A server found on this machine (natively or in an embedded package). */
export interface NativeServer {
  /** Folder of the server binary (and its helpers: initdb, mariadb-install-db…). */
  readonly binDir: string;
  /** The server program itself. */
  readonly program: string;
  /** Major version, as far as it is known. */
  readonly version: string | undefined;
  /** `mariadb` or `mysql` when one engine can run either. */
  readonly flavor?: string | undefined;
  /** Named helper programs (`installer`: mariadb-install-db). */
  readonly helpers: Readonly<Record<string, string>>;
}

/** A server found, or what was tried (one clause of the "cannot run here" message). */
export type Found<T> = Result<T, string>;

/** The engine's ports for this run: port name → number, the main one first. */
export type PortNumbers = ReadonlyMap<string, number>;

export interface PrepareInput {
  readonly name: string;
  readonly database: ResolvedDatabase;
  readonly mode: 'native' | 'embedded';
  readonly ports: PortNumbers;
  /** Writes lines to the database's log file (initdb's output, volume creation…). */
  readonly log: (lines: readonly string[]) => void;
  /** The server's PATH (initdb finds its helpers through it). */
  readonly pathVariable: string | undefined;
}

/** How the engine's official image is run: its environment contract, data path and command. */
export interface ContainerContract {
  /** `docker run` flags before the image (`--env NAME` takes the value from `env`, not argv). */
  readonly args: readonly string[];
  /** Arguments after the image (its command), if any. */
  readonly command: readonly string[];
  /** Values for the `--env NAME` flags: passwords never appear in argv. */
  readonly env: Readonly<Record<string, string>>;
  /** Where the image keeps its data (the named volume is mounted there). */
  readonly dataPath: string;
  /** Read-only mounts: host path → path in the container (init scripts the image runs itself). */
  readonly mounts: readonly { readonly host: string; readonly container: string }[];
}

export interface ProvisionInput {
  readonly database: ResolvedDatabase;
  readonly ports: PortNumbers;
  /** The config file's folder, for naming scripts in messages. */
  readonly root: string;
  /** The environment init commands start from. */
  readonly env: Readonly<Record<string, string>>;
  readonly log: (lines: readonly string[]) => void;
  readonly mode: DatabaseMode;
}

export type Step = Result<undefined, Problem>;

export interface Engine {
  readonly name: EngineName;
  /** For messages: `PostgreSQL`, `RabbitMQ`. */
  readonly title: string;
  /** Named ports, the main one first; a config setting may add some (RabbitMQ's management UI). */
  ports(config: DatabaseConfig): Readonly<Record<string, EnginePort>>;
  /** Default login; undefined: the engine has no users (Redis: a password only). */
  readonly user: string | undefined;
  /** Default password; undefined: none unless set. */
  readonly password: string | undefined;
  /** The database in the URL when none is configured; undefined: no named databases. */
  defaultDatabase(user: string | undefined): string | undefined;
  /** Modes that exist for it, in the order `auto` tries them. */
  readonly modes: readonly DatabaseMode[];
  /** The official image for a major version (or the engine's default tag). */
  image(version: string | undefined, config: DatabaseConfig): string;
  readonly stopSignal: NodeJS.Signals;
  /** The variables its client libraries read, injected when only one dependency would set them. */
  readonly urlVariables: readonly string[];
  /** The URL of the main port, to `name` (a named database) or the default one. */
  url(database: ResolvedDatabase, port: number, name?: string): string;
  /** Ready means usable: a login, a protocol handshake. `target` is `127.0.0.1:${port}`. */
  probe(database: ResolvedDatabase, target: string): ProbeSpec;
  /** How to get it natively, for the "cannot run here" hint. */
  readonly nativeInstall: string;
  /** Init script extensions run through the database itself (`.sql`, `.js`); `.sh` and executables always work. */
  readonly initScriptKinds: readonly string[];
  findNative(database: ResolvedDatabase, pathVariable: string | undefined): Promise<Found<NativeServer>>;
  findEmbedded?(database: ResolvedDatabase, root: string): Found<NativeServer>;
  /** Storage (created the first time) and the command that runs the server natively. */
  prepareNative(input: PrepareInput, server: NativeServer): Promise<Result<Launch, Problem>>;
  container(database: ResolvedDatabase, ports: PortNumbers, init: readonly string[] | undefined): ContainerContract;
  /** Creates the configured databases that are missing (every start). */
  createDatabases?(input: ProvisionInput): Promise<Step>;
  /** Runs one init script of the engine's own kinds (`.sql`, `.js`). */
  runInitScript?(input: ProvisionInput, script: string): Promise<Step>;
  /** What an init command (.sh) gets besides `<URL variable>`: `PG*`, `MYSQL_*`. */
  clientEnv(database: ResolvedDatabase, port: number): Record<string, string>;
  /** The container runs the init scripts itself (mounted), not devstack. */
  readonly imageRunsInit?: boolean;
}

/** `postgres://user:pass@host:port/db` with the parts URL-encoded; no user part when there is none. */
export function credentialsUrl(
  scheme: string,
  host: string,
  port: number,
  user: string | undefined,
  password: string | undefined,
  path: string,
): string {
  const secret = password === undefined || password === '' ? '' : `:${encodeURIComponent(password)}`;
  const login = user === undefined || user === '' ? (secret === '' ? '' : `${secret}@`) : `${encodeURIComponent(user)}${secret}@`;
  return `${scheme}://${login}${host}:${port}${path}`;
}
