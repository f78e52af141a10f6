/**
 * After a database answers: create the configured databases that are missing (every start, so a
 * name added to the config appears at the next `up`), then, on storage that has not been through
 * them, run the init scripts once, in name order. A failing script fails `up` with its name and the
 * database's own error message.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import type { ResolvedDatabase } from '../config/resolved.js';
import { CONVENTIONAL_URL_VARIABLE, databaseUrl, LOCAL_HOST } from '../config/templates.js';
import { describeDatabaseError } from '../health/database-probes.js';
import { ok, problem, type Problem, type Result } from '../util/result.js';
import { runCommand } from './run-command.js';
import { withSqlSession } from './sql-session.js';
import { readStorageState, writeStorageState } from './storage-state.js';

export type Provisioned = Result<undefined, Problem>;

export interface ProvisionInput {
  readonly database: ResolvedDatabase;
  readonly port: number;
  /** The config file's folder, for naming scripts in messages. */
  readonly root: string;
  /** The environment init commands start from. */
  readonly env: Readonly<Record<string, string>>;
  readonly log: (lines: readonly string[]) => void;
}

export async function provision(input: ProvisionInput): Promise<Provisioned> {
  const { database } = input;
  if (database.databases.length > 0) {
    const created = await createMissingDatabases(input);
    if (!created.ok) return created;
  }
  const state = readStorageState(database.dataDir);
  if (database.init === undefined || state?.initialized !== false) return ok(undefined);
  const outcome = await runInitScripts(input);
  if (outcome.ok) writeStorageState(database.dataDir, { ...state, initialized: true });
  return outcome;
}

async function createMissingDatabases({ database, port, log }: ProvisionInput): Promise<Provisioned> {
  try {
    await withSqlSession(database, port, undefined, async (session) => {
      const existing = await session.listDatabases();
      for (const name of database.databases) {
        if (existing.has(name)) continue;
        await session.createDatabase(name);
        log([`devstack: created database ${name}`]);
      }
    });
    return ok(undefined);
  } catch (error) {
    return problem(`cannot create the databases ${database.databases.join(', ')}: ${describeDatabaseError(error)}`);
  }
}

/** The init folder's files in name order (or the one init file). */
export function initScripts(init: string): string[] | undefined {
  if (!existsSync(init)) return undefined;
  if (!statSync(init).isDirectory()) return [init];
  return readdirSync(init)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => join(init, name))
    .filter((path) => statSync(path).isFile());
}

async function runInitScripts(input: ProvisionInput): Promise<Provisioned> {
  const { database, root, log } = input;
  const scripts = initScripts(database.init!);
  if (scripts === undefined) {
    return problem(
      `init: ${relative(root, database.init!)} does not exist`,
      'create the folder of init scripts, or remove init from the database',
    );
  }
  for (const script of scripts) {
    const name = relative(root, script);
    const kind = scriptKind(script);
    if (kind === 'ignored') {
      log([`devstack: init: ignoring ${name} (not .sql, .sh or executable)`]);
      continue;
    }
    log([`devstack: init: running ${name}`]);
    const outcome = kind === 'sql' ? await runSqlScript(input, script) : await runInitCommand(input, script, kind);
    if (!outcome.ok) {
      return problem(
        `init script ${name} failed: ${outcome.error.message}`,
        'fix the script; the database is created afresh and init runs again at the next up',
      );
    }
  }
  return ok(undefined);
}

function scriptKind(path: string): 'sql' | 'sh' | 'executable' | 'ignored' {
  const extension = extname(path);
  if (extension === '.sql') return 'sql';
  if (extension === '.sh') return 'sh';
  return (statSync(path).mode & 0o111) !== 0 ? 'executable' : 'ignored';
}

async function runSqlScript({ database, port }: ProvisionInput, script: string): Promise<Provisioned> {
  if (database.engine === 'redis') return problem('.sql scripts need a SQL database, and this one is redis');
  try {
    await withSqlSession(database, port, database.database, (session) => session.runScript(readFileSync(script, 'utf8')));
    return ok(undefined);
  } catch (error) {
    return problem(describeDatabaseError(error));
  }
}

async function runInitCommand(
  { database, port, env, log }: ProvisionInput,
  script: string,
  kind: 'sh' | 'executable',
): Promise<Provisioned> {
  const url = databaseUrl(database, port);
  const variables: Record<string, string> = { ...env, [CONVENTIONAL_URL_VARIABLE[database.engine]]: url };
  if (database.engine === 'postgres') {
    Object.assign(variables, {
      PGHOST: LOCAL_HOST,
      PGPORT: String(port),
      PGUSER: database.user,
      PGPASSWORD: database.password ?? '',
      PGDATABASE: database.database ?? database.user,
    });
  } else if (database.engine !== 'redis') {
    // What the mysql/mariadb command-line clients read.
    Object.assign(variables, {
      MYSQL_HOST: LOCAL_HOST,
      MYSQL_TCP_PORT: String(port),
      MYSQL_PWD: database.password ?? '',
      USER: database.user,
    });
  }
  const [file, args] = kind === 'sh' ? ['/bin/sh', [script]] : [script, []];
  const result = await runCommand(file, args, { env: variables, timeoutMs: 10 * 60_000, cwd: dirname(script) });
  log(
    [...result.stdout.split('\n'), ...result.stderr.split('\n')]
      .filter((line) => line.trim() !== '')
      .map((line) => `${basename(script)}: ${line}`),
  );
  return result.ok ? ok(undefined) : problem(result.problem);
}
