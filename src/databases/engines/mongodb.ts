/**
 * MongoDB: native `mongod` from PATH, or the official image. Ready when it answers `hello` over
 * its wire protocol (OP_MSG). By default without authentication (a development database on
 * 127.0.0.1); with `user` and `password`, the image creates that root user on first start
 * (MONGO_INITDB_ROOT_*) and the URL authenticates against `admin`. Init scripts (`.js`) run once:
 * in a container the image runs them itself (they are mounted into /docker-entrypoint-initdb.d, as
 * its contract says), natively through `mongosh`.
 *
 * Not run for real on devstack's machines: no MongoDB server or image can be had there. The probe
 * is tested against an in-test server speaking enough of the wire protocol; the rest against these
 * facts (README, "what was tested for real").
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LOCAL_HOST } from '../../util/local-host.js';
import { err, ok, problem } from '../../util/result.js';
import { credentialsUrl, type Engine } from '../engine.js';
import { findOnPath } from '../find-program.js';
import { runCommand } from '../run-command.js';
import { ensureDataRoot, writeStorageState } from '../storage-state.js';

export const mongodb: Engine = {
  name: 'mongodb',
  title: 'MongoDB',
  ports: () => ({ mongodb: { default: 27017, container: 27017, scheme: 'mongodb' } }),
  user: undefined,
  password: undefined,
  defaultDatabase: () => 'app',
  modes: ['native', 'container'],
  image: (version) => `mongo:${version ?? '7'}`,
  stopSignal: 'SIGTERM',
  urlVariables: ['MONGODB_URL', 'MONGO_URL'],
  url: (database, port, name) =>
    credentialsUrl(
      'mongodb',
      LOCAL_HOST,
      port,
      database.user,
      database.password,
      `/${encodeURIComponent(name ?? database.database ?? 'app')}`,
    ) + (database.user === undefined ? '' : '?authSource=admin'),
  probe: (_database, target) => ({ type: 'mongodb', target }),
  nativeInstall: 'install MongoDB (mongod on PATH: https://www.mongodb.com/docs/manual/installation/)',
  initScriptKinds: ['.js'],
  imageRunsInit: true,

  async findNative(_database, pathVariable) {
    const program = findOnPath('mongod', pathVariable, ['/usr/bin', '/usr/local/bin']);
    if (program === undefined) return err('native: no mongod on PATH');
    const probe = await runCommand(program, ['--version'], { timeoutMs: 10_000 });
    return ok({ binDir: dirname(program), program, version: /v(\d+\.\d+)/.exec(probe.stdout)?.[1], helpers: {} });
  },

  async prepareNative({ database, ports, mode }, server) {
    if (database.user !== undefined) {
      return problem(
        'native MongoDB runs without authentication here (its root user would need mongosh to create)',
        "leave user and password unset, or use mode: 'container'",
      );
    }
    const { dataDir } = database;
    ensureDataRoot(dirname(dataDir));
    const created = !existsSync(dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (created) writeStorageState(dataDir, { mode, initialized: database.init === undefined });
    const port = ports.values().next().value!;
    return ok({
      command: { type: 'argv', file: server.program, args: ['--dbpath', dataDir, '--port', String(port), '--bind_ip', LOCAL_HOST] },
      runAs: undefined,
      cwd: dataDir,
      env: {},
    });
  },

  container: (database, _ports, init) => ({
    args: [
      '--env',
      `MONGO_INITDB_DATABASE=${database.database ?? 'app'}`,
      ...(database.user === undefined
        ? []
        : ['--env', `MONGO_INITDB_ROOT_USERNAME=${database.user}`, '--env', 'MONGO_INITDB_ROOT_PASSWORD']),
    ],
    command: [],
    env: database.password === undefined ? ({} as Record<string, string>) : { MONGO_INITDB_ROOT_PASSWORD: database.password },
    dataPath: '/data/db',
    mounts: (init ?? []).map((script) => ({ host: script, container: `/docker-entrypoint-initdb.d/${script.split('/').pop()!}` })),
  }),

  async runInitScript({ database, ports, env }, script) {
    const mongosh = findOnPath('mongosh', env['PATH']) ?? findOnPath('mongo', env['PATH']);
    if (mongosh === undefined) return problem(`${script}: running .js init scripts natively needs mongosh on PATH`);
    const result = await runCommand(mongosh, [mongodb.url(database, ports.values().next().value!), '--quiet', script], {
      env,
      timeoutMs: 10 * 60_000,
    });
    return result.ok ? ok(undefined) : problem(result.problem);
  },
  clientEnv: () => ({}),
};
