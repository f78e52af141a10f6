/**
 * One connection to a SQL database with the few operations provisioning needs, so provision.ts
 * does not care which engine it talks to. Connections come from health/database-probes.ts.
 */
import type { ResolvedDatabase } from '../config/resolved.js';
import { LOCAL_HOST } from '../config/templates.js';
import { withMysql, withPostgres, type SqlLogin } from '../health/database-probes.js';

export interface SqlSession {
  listDatabases(): Promise<Set<string>>;
  createDatabase(name: string): Promise<void>;
  /** A whole script, every statement, as `psql -f` / `mysql < file` would send it. */
  runScript(text: string): Promise<void>;
}

const TIMEOUTS = { connectMs: 10_000 };

/** Connects (to `name`, or the server's maintenance database), runs `use`, always disconnects. */
export function withSqlSession<T>(
  database: ResolvedDatabase,
  port: number,
  name: string | undefined,
  use: (session: SqlSession) => Promise<T>,
): Promise<T> {
  const login: SqlLogin = { target: `${LOCAL_HOST}:${port}`, user: database.user, password: database.password ?? '', database: name };
  if (database.engine === 'postgres') {
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
