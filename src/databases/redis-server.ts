/** Redis, native: a generated config file (no password in argv), data in the project. */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PrepareInput, Prepared } from './servers.js';
import { initFailedBefore } from './storage.js';
import { ensureDataRoot, writeStorageState } from './storage-state.js';

export async function prepareRedis(input: PrepareInput, binDir: string): Promise<Prepared> {
  const { database, port, log } = input;
  const { dataDir } = database;
  if (existsSync(dataDir) && initFailedBefore(database)) {
    log(['devstack: the init scripts failed last time: starting with empty data']);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const created = !existsSync(dataDir);
  ensureDataRoot(dirname(dataDir));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (created) writeStorageState(dataDir, { mode: 'native', initialized: database.init === undefined });
  // A config file rather than arguments: a password in argv would show in every `ps`.
  const configFile = `${dataDir}.conf`;
  const lines = [`port ${port}`, 'bind 127.0.0.1', `dir ${dataDir}`, 'appendonly yes', 'save 60 1', 'daemonize no', 'protected-mode yes'];
  if (database.password !== undefined) lines.push(`requirepass "${database.password.replace(/["\\]/g, '\\$&')}"`);
  writeFileSync(configFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  return {
    ok: true,
    value: { command: { type: 'argv', file: join(binDir, 'redis-server'), args: [configFile] }, runAs: undefined, env: {} },
  };
}
