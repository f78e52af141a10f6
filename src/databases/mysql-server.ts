/**
 * MySQL and MariaDB, native: initialised on first use (mariadb-install-db, or mysqld
 * --initialize-insecure), then the server on 127.0.0.1 with `--no-defaults`, so the machine's
 * /etc/mysql config (its socket in /run, its log file) never applies. The configured user and
 * password are (re)applied by an init file at every start: a password changed in the config takes
 * effect at the next `up`.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedDatabase } from '../config/resolved.js';
import type { MysqlBinaries } from './runtimes.js';
import { problem } from '../util/result.js';
import { chownTo, unprivilegedUser } from './run-as.js';
import { runCommand } from './run-command.js';
import type { PrepareInput, Prepared } from './servers.js';
import { initFailedBefore, serverDataDir } from './storage.js';
import { writeStorageState } from './storage-state.js';

/** Unix socket paths are limited to 108 bytes; a deep project folder gets one in /tmp instead. */
const MAX_SOCKET_PATH = 100;

export async function prepareMysql(input: PrepareInput, binaries: MysqlBinaries): Promise<Prepared> {
  const { database, port, log, plan } = input;
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
    log([`devstack: initialising ${binaries.flavor} data in ${dataDir}`]);
    const userFlag = runAs === undefined ? [] : [`--user=${runAs.name}`];
    const initialised =
      binaries.installer !== undefined
        ? await runCommand(
            binaries.installer,
            ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...userFlag],
            { timeoutMs: 300_000 },
          )
        : await runCommand(binaries.server, ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, ...userFlag], {
            timeoutMs: 300_000,
          });
    log([...initialised.stdout.split('\n'), ...initialised.stderr.split('\n')].filter((line) => line.trim() !== ''));
    if (!initialised.ok) {
      rmSync(dataDir, { recursive: true, force: true });
      return problem(`initialising ${binaries.flavor} failed: ${initialised.problem}`);
    }
    writeStorageState(database.dataDir, { mode: plan.mode, initialized: database.init === undefined });
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
    '--bind-address=127.0.0.1',
    `--socket=${socket}`,
    `--pid-file=${join(dataDir, 'mysqld.pid')}`,
    `--init-file=${initFile}`,
    // MySQL 8's X protocol would listen on 33060 for every project at once.
    ...(binaries.flavor === 'mysql' ? ['--mysqlx=OFF'] : []),
  ];
  return { ok: true, value: { command: { type: 'argv', file: binaries.server, args }, runAs, cwd: dataDir, env: {} } };
}

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The configured account, for both host names a 127.0.0.1 connection can match. */
function accountSql(database: ResolvedDatabase): string {
  const password = quote(database.password ?? '');
  return ['localhost', '127.0.0.1']
    .flatMap((host) => {
      const account = `${quote(database.user)}@${quote(host)}`;
      return [
        `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${password};`,
        `ALTER USER ${account} IDENTIFIED BY ${password};`,
        `GRANT ALL PRIVILEGES ON *.* TO ${account} WITH GRANT OPTION;`,
      ];
    })
    .join('\n')
    .concat('\n');
}
