/** Postgres, native or embedded: initdb on first use, then `postgres` on 127.0.0.1 only. */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CommandLine } from '../util/shell-words.js';
import { problem } from '../util/result.js';
import { chownTo, unprivilegedUser } from './run-as.js';
import { runCommand } from './run-command.js';
import type { PrepareInput, Prepared } from './servers.js';
import { initFailedBefore, serverDataDir } from './storage.js';
import { writeStorageState } from './storage-state.js';

export async function preparePostgres(input: PrepareInput, binDir: string, version: string | undefined): Promise<Prepared> {
  const { database, port, log, plan } = input;
  const runAs = unprivilegedUser('postgres');
  const dataDir = serverDataDir(database, runAs, log);
  const versionFile = join(dataDir, 'PG_VERSION');
  if (existsSync(versionFile) && initFailedBefore(database)) {
    log(['devstack: the init scripts failed last time: creating the database afresh']);
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (existsSync(versionFile)) {
    const dataVersion = readFileSync(versionFile, 'utf8').trim();
    if (version !== undefined && dataVersion.split('.')[0] !== version.split('.')[0]) {
      return problem(
        `${dataDir} holds PostgreSQL ${dataVersion} data, but the server found (${plan.mode}) is PostgreSQL ${version}`,
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
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', database.user, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'],
      { uid: runAs?.uid, gid: runAs?.gid, cwd: dataDir, env: { PATH: input.pathVariable ?? '/usr/bin:/bin', LC_ALL: 'C' } },
    );
    rmSync(passwordFile, { force: true });
    log([...initdb.stdout.split('\n'), ...initdb.stderr.split('\n')].filter((line) => line.trim() !== ''));
    if (!initdb.ok) {
      rmSync(dataDir, { recursive: true, force: true });
      return problem(`initdb failed: ${initdb.problem}`);
    }
    writeStorageState(database.dataDir, { mode: plan.mode, initialized: database.init === undefined });
  }
  const command: CommandLine = {
    type: 'argv',
    file: join(binDir, 'postgres'),
    // TCP on 127.0.0.1 only and no Unix socket: nothing in /var/run to own, nothing off the machine.
    args: [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'logging_collector=off',
    ],
  };
  return { ok: true, value: { command, runAs, cwd: dataDir, env: { LC_ALL: 'C' } } };
}
