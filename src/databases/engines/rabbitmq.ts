/**
 * RabbitMQ: native from Debian's rabbitmq-server (its real start script in /usr/lib/rabbitmq, in the
 * foreground, not the /usr/sbin wrapper that writes to /var/log and su's), or the official image.
 * Natively everything it would put under /var/lib/rabbitmq lives in .devstack/data/<name>: its
 * config, plugins file, Mnesia database, Erlang cookie (HOME). Every port binds 127.0.0.1 only, and
 * each stack gets its own node name, distribution port and epmd port, so two stacks (or a system
 * RabbitMQ) never meet. epmd daemonizes out of the service's group; it carries the run marker and
 * is stopped with the rest. Ready when an AMQP connection opens (handshake, login, vhost).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_HOST } from '../../util/local-host.js';
import { err, ok, problem } from '../../util/result.js';
import { credentialsUrl, type Engine } from '../engine.js';
import { findOnPath } from '../find-program.js';
import { ensureDataRoot, writeStorageState } from '../storage-state.js';

const LIB_ROOT = '/usr/lib/rabbitmq';

/** A value on one line of rabbitmq.conf: no newline, and no `#` (the format's comment sign). */
function confValue(value: string, what: string): string | undefined {
  return /[\n\r#]/.test(value) ? `the RabbitMQ ${what} cannot contain a newline or "#" (its config file format would cut it)` : undefined;
}

export const rabbitmq: Engine = {
  name: 'rabbitmq',
  title: 'RabbitMQ',
  ports: (config) => ({
    amqp: { default: 5672, container: 5672, scheme: 'amqp' },
    ...(config.management === true ? { management: { default: 15672, container: 15672, scheme: 'http' } } : {}),
    // Native only: Erlang distribution and a private epmd, on free ports each up.
    dist: { default: 'auto', container: 0, scheme: 'tcp' },
    epmd: { default: 'auto', container: 0, scheme: 'tcp' },
  }),
  user: 'guest',
  password: 'guest',
  defaultDatabase: () => undefined,
  modes: ['native', 'container'],
  image: (version, config) => `rabbitmq:${version ?? '3'}${config.management === true ? '-management' : ''}`,
  stopSignal: 'SIGTERM',
  urlVariables: ['AMQP_URL', 'RABBITMQ_URL'],
  url: (database, port) => credentialsUrl('amqp', LOCAL_HOST, port, database.user, database.password, ''),
  probe: (database, target) => ({
    type: 'amqp',
    target,
    user: database.user ?? 'guest',
    password: database.password ?? 'guest',
    vhost: '/',
  }),
  nativeInstall: 'install RabbitMQ (apt-get install rabbitmq-server)',
  initScriptKinds: [],

  async findNative(_database, pathVariable) {
    const versions = existsSync(join(LIB_ROOT, 'lib'))
      ? readdirSync(join(LIB_ROOT, 'lib')).filter((name) => name.startsWith('rabbitmq_server-'))
      : [];
    const script = existsSync(join(LIB_ROOT, 'bin', 'rabbitmq-server'))
      ? join(LIB_ROOT, 'bin', 'rabbitmq-server')
      : findOnPath('rabbitmq-server', pathVariable);
    if (script === undefined) return err(`native: no ${LIB_ROOT}/bin/rabbitmq-server or rabbitmq-server on PATH`);
    const version = /rabbitmq_server-(\d+\.\d+)/.exec(versions.sort().at(-1) ?? '')?.[1];
    return ok({ binDir: join(script, '..'), program: script, version, helpers: {} });
  },

  async prepareNative({ database, ports, mode }, server) {
    for (const [value, what] of [
      [database.user ?? '', 'user'],
      [database.password ?? '', 'password'],
    ] as const) {
      const invalid = confValue(value, what);
      if (invalid !== undefined) return problem(invalid, `change databases.<name>.${what}`);
    }
    const { dataDir } = database;
    ensureDataRoot(join(dataDir, '..'));
    const created = !existsSync(join(dataDir, 'mnesia'));
    for (const dir of ['mnesia', 'log', 'home']) mkdirSync(join(dataDir, dir), { recursive: true, mode: 0o700 });
    if (created) writeStorageState(dataDir, { mode, initialized: database.init === undefined });
    const port = (name: string): number => ports.get(name)!;
    const management = ports.has('management');
    const lines = [
      `listeners.tcp.1 = ${LOCAL_HOST}:${port('amqp')}`,
      `default_user = ${database.user ?? 'guest'}`,
      `default_pass = ${database.password ?? 'guest'}`,
      // Every listener is on loopback already; the default "guest only from localhost" rule would
      // also refuse a container's connection through the host.
      'loopback_users = none',
      'log.console = true',
      'log.console.level = info',
      'log.file = false',
      ...(management ? [`management.tcp.port = ${port('management')}`, `management.tcp.ip = ${LOCAL_HOST}`] : []),
    ];
    writeFileSync(join(dataDir, 'rabbitmq.conf'), `${lines.join('\n')}\n`, { mode: 0o600 });
    writeFileSync(join(dataDir, 'enabled_plugins'), management ? '[rabbitmq_management].\n' : '[].\n');
    const env = {
      HOME: join(dataDir, 'home'),
      RABBITMQ_NODENAME: `rabbit-${database.containerName.replace(/[^A-Za-z0-9-]/g, '-')}@localhost`,
      RABBITMQ_CONFIG_FILE: join(dataDir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(dataDir, 'advanced.config'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dataDir, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: join(dataDir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dataDir, 'log'),
      RABBITMQ_PID_FILE: join(dataDir, 'rabbit.pid'),
      // The machine's /etc/rabbitmq/rabbitmq-env.conf must not apply.
      RABBITMQ_CONF_ENV_FILE: join(dataDir, 'rabbitmq-env.conf'),
      RABBITMQ_NODE_IP_ADDRESS: LOCAL_HOST,
      RABBITMQ_DIST_PORT: String(port('dist')),
      ERL_EPMD_PORT: String(port('epmd')),
      ERL_EPMD_ADDRESS: LOCAL_HOST,
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
    return ok({ command: { type: 'argv', file: server.program, args: [] }, runAs: undefined, cwd: dataDir, env });
  },

  container: (database) => ({
    // A fixed host name: the image keeps its data under mnesia/rabbit@<hostname>, so a new
    // container with a new random name would not find the old data.
    args: ['--hostname', 'devstack-rabbitmq', '--env', 'RABBITMQ_DEFAULT_USER', '--env', 'RABBITMQ_DEFAULT_PASS'],
    command: [],
    env: { RABBITMQ_DEFAULT_USER: database.user ?? 'guest', RABBITMQ_DEFAULT_PASS: database.password ?? 'guest' },
    dataPath: '/var/lib/rabbitmq',
    mounts: [],
  }),
  clientEnv: () => ({}),
};
