/**
 * Provisioning over SQL, for Postgres and the MySQL family: create the configured databases that
 * are missing, run a `.sql` init script as one batch (every statement, as `psql -f` or `mysql < file`
 * would send it). Connections come from health/database-probes.ts.
 */
import { readFileSync } from 'node:fs';
import type { ResolvedDatabase } from '../config/resolved.js';
import { describeDatabaseError, withMysql, withPostgres, type SqlLogin } from '../health/database-probes.js';
import { LOCAL_HOST } from '../util/local-host.js';
import { ok, problem } from '../util/result.js';
import type { ProvisionInput, Step } from './engine.js';

export type SqlDialect = 'postgres' | 'mysql';

interface SqlSession {
  listDatabases(): Promise<Set<string>>;
  createDatabase(name: string): Promise<void>;
  runScript(text: string): Promise<void>;
}

const TIMEOUTS = { connectMs: 10_000 };

/** Connects (to `name`, or the server's maintenance database), runs `use`, always disconnects. */
function withSession<T>(
  dialect: SqlDialect,
  database: ResolvedDatabase,
  port: number,
  name: string | undefined,
  use: (session: SqlSession) => Promise<T>,
): Promise<T> {
  const login: SqlLogin = { target: `${LOCAL_HOST}:${port}`, user: database.user ?? '', password: database.password ?? '', database: name };
  if (dialect === 'postgres') {
    return withPostgres(login, TIMEOUTS, (client, pg) =>
      use({
        listDatabases: async () =>
          new Set((await client.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((row) => row.datname)),
        createDatabase: async (created) => void (await client.query(`CREATE DATABASE ${pg.escapeIdentifier(created)}`)),
        // One simple-protocol query runs every statement of the text.
        runScript: async (text) => void (await client.query(text)),
      }),
    );
  }
  return withMysql(login, TIMEOUTS, (connection, mysql) =>
    use({
      listDatabases: async () =>
        new Set(((await connection.query('SHOW DATABASES'))[0] as { Database: string }[]).map((row) => row.Database)),
      createDatabase: async (created) => void (await connection.query(`CREATE DATABASE ${mysql.escapeId(created)}`)),
      runScript: async (text) => void (await connection.query(text)),
    }),
  );
}

function mainPort(input: ProvisionInput): number {
  return input.ports.values().next().value!;
}

export async function createSqlDatabases(dialect: SqlDialect, input: ProvisionInput): Promise<Step> {
  const { database, log } = input;
  try {
    await withSession(dialect, database, mainPort(input), undefined, async (session) => {
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

export async function runSqlScript(dialect: SqlDialect, input: ProvisionInput, script: string): Promise<Step> {
  try {
    await withSession(dialect, input.database, mainPort(input), input.database.database, (session) =>
      session.runScript(readFileSync(script, 'utf8')),
    );
    return ok(undefined);
  } catch (error) {
    return problem(describeDatabaseError(error));
  }
}
