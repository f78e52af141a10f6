/**
 * One connection to a SQL database (Postgres through pg, MySQL/MariaDB through mysql2) with the
 * few operations provisioning needs, so provision.ts does not care which engine it talks to.
 */
import type { ResolvedDatabase } from '../config/resolved.js';
import { LOCAL_HOST } from '../config/templates.js';
import { loadMysql, loadPg, mysqlConnectionOptions } from '../health/database-probes.js';

export interface SqlSession {
  listDatabases(): Promise<Set<string>>;
  createDatabase(name: string): Promise<void>;
  /** A whole script, every statement, as `psql -f` / `mysql < file` would send it. */
  runScript(text: string): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** Connects (to `name`, or the server's maintenance database), runs `use`, always disconnects. */
export async function withSqlSession<T>(database: ResolvedDatabase, port: number, name: string | undefined, use: (session: SqlSession) => Promise<T>): Promise<T> {
  const password = database.password ?? '';
  if (database.engine === 'postgres') {
    const pg = await loadPg();
    const client = new pg.Client({ host: LOCAL_HOST, port, user: database.user, password, database: name ?? 'postgres', connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('error', () => undefined); // a server going away mid-session must not throw later
    try {
      await client.connect();
      return await use({
        listDatabases: async () => new Set((await client.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((row) => row.datname)),
        createDatabase: async (created) => void (await client.query(`CREATE DATABASE ${pg.escapeIdentifier(created)}`)),
        // One simple-protocol query runs every statement of the text.
        runScript: async (text) => void (await client.query(text)),
      });
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  const options = { ...mysqlConnectionOptions({ target: `${LOCAL_HOST}:${port}`, user: database.user, password }, CONNECT_TIMEOUT_MS, name), multipleStatements: true };
  const mysql = await loadMysql();
  const connection = await mysql.createConnection(options);
  connection.on('error', () => undefined);
  try {
    return await use({
      listDatabases: async () => new Set(((await connection.query('SHOW DATABASES'))[0] as { Database: string }[]).map((row) => row.Database)),
      createDatabase: async (created) => void (await connection.query(`CREATE DATABASE ${mysql.escapeId(created)}`)),
      runScript: async (text) => void (await connection.query(text)),
    });
  } finally {
    await connection.end().catch(() => undefined);
  }
}
