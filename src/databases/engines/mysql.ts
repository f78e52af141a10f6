/**
 * MySQL and MariaDB (two engines, one file: same protocol, same setup; each runs whichever of the
 * two servers is installed natively, the engine picks the image). Initialised on first use
 * (mariadb-install-db, or mysqld --initialize-insecure), then the server on 127.0.0.1 with
 * `--no-defaults`, so the machine's /etc/mysql config (its socket in /run, its log file) never
 * applies. The configured user and password are (re)applied by an init file at every start: a
 * password changed in the config takes effect at the next `up`.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ResolvedDatabase } from '../../config/resolved.js';
import { LOCAL_HOST } from '../../util/local-host.js';
import { err, ok, problem } from '../../util/result.js';
import { credentialsUrl, type Engine, type NativeServer } from '../engine.js';
import { findOnPath, SERVER_DIRS } from '../find-program.js';
import { chownTo, unprivilegedUser } from '../run-as.js';
import { runCommand } from '../run-command.js';
import { createSqlDatabases, runSqlScript } from '../sql-provision.js';
import { initFailedBefore, serverDataDir } from '../storage.js';
import { writeStorageState } from '../storage-state.js';

/** Unix socket paths are limited to 108 bytes; a deep project folder gets one in /tmp instead. */
const MAX_SOCKET_PATH = 100;

/** `mariadbd` or `mysqld`, the one named like the engine first; either serves both engines. */
async function findNative(engine: 'mysql' | 'mariadb', pathVariable: string | undefined): ReturnType<Engine['findNative']> {
  const dirs = [...SERVER_DIRS, '/usr/local/mysql/bin'];
  for (const program of engine === 'mariadb' ? ['mariadbd', 'mysqld'] : ['mysqld', 'mariadbd']) {
    const server = findOnPath(program, pathVariable, dirs);
    if (server === undefined) continue;
    const probe = await runCommand(server, ['--version'], { timeoutMs: 10_000 });
    const flavor = /mariadb/i.test(probe.stdout) ? 'mariadb' : 'mysql';
    const version = /Ver\s+(\d+\.\d+)/.exec(probe.stdout)?.[1];
    const installer =
      flavor === 'mariadb'
        ? (findOnPath('mariadb-install-db', pathVariable, ['/usr/bin', dirname(server)]) ??
          findOnPath('mysql_install_db', pathVariable, ['/usr/bin', dirname(server)]))
        : undefined;
    if (flavor === 'mariadb' && installer === undefined) return err(`native: ${server} is MariaDB, but mariadb-install-db was not found`);
    return ok({
      binDir: dirname(server),
      program: server,
      flavor,
      version,
      helpers: installer === undefined ? ({} as Record<string, string>) : { installer },
    });
  }
  return err(`native: no mariadbd or mysqld on PATH or in ${dirs.join(', ')}`);
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The configured account, for both host names a 127.0.0.1 connection can match. */
function accountSql(database: ResolvedDatabase): string {
  const password = quote(database.password ?? '');
  return ['localhost', '127.0.0.1']
    .flatMap((host) => {
      const account = `${quote(database.user ?? 'root')}@${quote(host)}`;
      return [
        `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${password};`,
        `ALTER USER ${account} IDENTIFIED BY ${password};`,
        `GRANT ALL PRIVILEGES ON *.* TO ${account} WITH GRANT OPTION;`,
      ];
    })
    .join('\n')
    .concat('\n');
}

const prepareNative: Engine['prepareNative'] = async (input, server: NativeServer) => {
  const { database, ports, log, mode } = input;
  const port = ports.values().next().value!;
  const runAs = unprivilegedUser('mysql');
  const dataDir = serverDataDir(database, runAs, log);
  if (existsSync(join(dataDir, 'mysql')) && initFailedBefore(database)) {
    log(['devstack: the init scripts failed last time: creating the database afresh']);
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (!existsSync(join(dataDir, 'mysql'))) {
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chownTo(dataDir, runAs);
    log([`devstack: initialising ${server.flavor ?? 'mysql'} data in ${dataDir}`]);
    const userFlag = runAs === undefined ? [] : [`--user=${runAs.name}`];
    const installer = server.helpers['installer'];
    const initialised =
      installer !== undefined
        ? await runCommand(
            installer,
            ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...userFlag],
            {
              timeoutMs: 300_000,
            },
          )
        : await runCommand(server.program, ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, ...userFlag], {
            timeoutMs: 300_000,
          });
    log([...initialised.stdout.split('\n'), ...initialised.stderr.split('\n')].filter((line) => line.trim() !== ''));
    if (!initialised.ok) {
      rmSync(dataDir, { recursive: true, force: true });
      return problem(`initialising ${server.flavor ?? 'mysql'} failed: ${initialised.problem}`);
    }
    writeStorageState(database.dataDir, { mode, initialized: database.init === undefined });
  }
  const initFile = join(dataDir, 'devstack-init.sql');
  writeFileSync(initFile, accountSql(database), { mode: 0o600 });
  chownTo(initFile, runAs);
  const socketInData = join(dataDir, 'mysqld.sock');
  const socket = socketInData.length <= MAX_SOCKET_PATH ? socketInData : `/tmp/devstack-${database.containerName}.sock`;
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--port=${port}`,
    `--bind-address=${LOCAL_HOST}`,
    `--socket=${socket}`,
    `--pid-file=${join(dataDir, 'mysqld.pid')}`,
    `--init-file=${initFile}`,
    // MySQL 8's X protocol would listen on 33060 for every project at once.
    ...(server.flavor === 'mysql' ? ['--mysqlx=OFF'] : []),
  ];
  return ok({ command: { type: 'argv', file: server.program, args }, runAs, cwd: dataDir, env: {} });
};

function mysqlFamily(name: 'mysql' | 'mariadb'): Engine {
  return {
    name,
    title: name === 'mysql' ? 'MySQL' : 'MariaDB',
    ports: () => ({ mysql: { default: 3306, container: 3306, scheme: 'mysql' } }),
    user: 'root',
    password: 'mysql',
    defaultDatabase: () => 'app',
    modes: ['native', 'container'],
    image: (version) => (name === 'mysql' ? `mysql:${version ?? '8.4'}` : `mariadb:${version ?? '11'}`),
    stopSignal: 'SIGTERM',
    urlVariables: ['DATABASE_URL'],
    // mariadb clients read mysql:// URLs too.
    url: (database, port, databaseName) =>
      credentialsUrl(
        'mysql',
        LOCAL_HOST,
        port,
        database.user,
        database.password,
        `/${encodeURIComponent(databaseName ?? database.database ?? 'app')}`,
      ),
    probe: (database, target) => ({ type: 'mysql', target, user: database.user ?? 'root', password: database.password ?? '' }),
    nativeInstall:
      name === 'mysql' ? 'install MySQL or MariaDB (apt-get install mariadb-server)' : 'install MariaDB (apt-get install mariadb-server)',
    initScriptKinds: ['.sql'],
    findNative: (_database, pathVariable) => findNative(name, pathVariable),
    prepareNative,
    container: (database) => {
      // The official mysql and mariadb images both read MYSQL_*; passwords come from the client's environment.
      const password = database.password ?? '';
      const args = ['--env', 'MYSQL_ROOT_PASSWORD', '--env', `MYSQL_DATABASE=${database.database ?? 'app'}`];
      if (database.user !== undefined && database.user !== 'root')
        args.push('--env', `MYSQL_USER=${database.user}`, '--env', 'MYSQL_PASSWORD');
      return {
        args,
        command: [],
        env: { MYSQL_ROOT_PASSWORD: password, MYSQL_PASSWORD: password },
        dataPath: '/var/lib/mysql',
        mounts: [],
      };
    },
    createDatabases: (input) => createSqlDatabases('mysql', input),
    runInitScript: (input, script) => runSqlScript('mysql', input, script),
    // What the mysql/mariadb command-line clients read.
    clientEnv: (database, port) => ({
      MYSQL_HOST: LOCAL_HOST,
      MYSQL_TCP_PORT: String(port),
      MYSQL_PWD: database.password ?? '',
      USER: database.user ?? 'root',
    }),
  };
}

export const mysql: Engine = mysqlFamily('mysql');
export const mariadb: Engine = mysqlFamily('mariadb');
