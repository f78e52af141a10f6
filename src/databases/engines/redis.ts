/**
 * Redis: native `redis-server` from PATH with a generated config file (a password in argv would
 * show in every `ps`), or the official image. Ready when it answers PING (after AUTH): while it
 * loads its dump it answers "-LOADING". Saves and exits on SIGTERM.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LOCAL_HOST } from '../../util/local-host.js';
import { err, ok } from '../../util/result.js';
import { credentialsUrl, type Engine } from '../engine.js';
import { findOnPath } from '../find-program.js';
import { runCommand } from '../run-command.js';
import { initFailedBefore } from '../storage.js';
import { ensureDataRoot, writeStorageState } from '../storage-state.js';

export const redis: Engine = {
  name: 'redis',
  title: 'Redis',
  ports: () => ({ redis: { default: 6379, container: 6379, scheme: 'redis' } }),
  user: undefined,
  password: undefined,
  defaultDatabase: () => undefined,
  modes: ['native', 'container'],
  image: (version) => `redis:${version ?? '7'}`,
  stopSignal: 'SIGTERM',
  urlVariables: ['REDIS_URL'],
  url: (database, port) => credentialsUrl('redis', LOCAL_HOST, port, undefined, database.password, ''),
  probe: (database, target) => ({ type: 'redis', target, password: database.password }),
  nativeInstall: 'install Redis (apt-get install redis-server)',
  initScriptKinds: [],
  async findNative(_database, pathVariable) {
    const onPath = findOnPath('redis-server', pathVariable);
    if (onPath === undefined) return err('native: no redis-server on PATH');
    const probe = await runCommand(onPath, ['--version'], { timeoutMs: 10_000 });
    return ok({ binDir: dirname(onPath), program: onPath, version: /v=(\d+)/.exec(probe.stdout)?.[1], helpers: {} });
  },
  async prepareNative({ database, ports, log, mode }, server) {
    const port = ports.values().next().value!;
    const { dataDir } = database;
    if (existsSync(dataDir) && initFailedBefore(database)) {
      log(['devstack: the init scripts failed last time: starting with empty data']);
      rmSync(dataDir, { recursive: true, force: true });
    }
    const created = !existsSync(dataDir);
    ensureDataRoot(dirname(dataDir));
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (created) writeStorageState(dataDir, { mode, initialized: database.init === undefined });
    const configFile = `${dataDir}.conf`;
    const lines = [
      `port ${port}`,
      `bind ${LOCAL_HOST}`,
      `dir ${dataDir}`,
      'appendonly yes',
      'save 60 1',
      'daemonize no',
      'protected-mode yes',
    ];
    if (database.password !== undefined) lines.push(`requirepass "${database.password.replace(/["\\]/g, '\\$&')}"`);
    writeFileSync(configFile, `${lines.join('\n')}\n`, { mode: 0o600 });
    return ok({ command: { type: 'argv', file: server.program, args: [configFile] }, runAs: undefined, env: {} });
  },
  container: (database) => ({
    // The password comes from the environment (`--env REDIS_PASSWORD`, no value in argv), so a `ps`
    // on the host never shows it; the shell only adds --requirepass when one is set.
    args: database.password === undefined ? [] : ['--env', 'REDIS_PASSWORD'],
    // Connections arrive from the engine's bridge, not loopback: protected mode would refuse them.
    // Safe here because the port is published on 127.0.0.1 only (the official image does the same).
    command: [
      'sh',
      '-c',
      'exec redis-server "$@" ${REDIS_PASSWORD:+--requirepass "$REDIS_PASSWORD"}',
      'redis',
      '--appendonly',
      'yes',
      '--save',
      '60 1',
      '--protected-mode',
      'no',
    ],
    env: database.password === undefined ? ({} as Record<string, string>) : { REDIS_PASSWORD: database.password },
    dataPath: '/data',
    mounts: [],
  }),
  clientEnv: () => ({}),
};
