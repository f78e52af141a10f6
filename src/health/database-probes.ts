/**
 * Readiness through a database's own protocol: an open port only says the server listens, not
 * that it accepts logins (Postgres listens during crash recovery and answers "the database system
 * is starting up"; a container's port is open as soon as docker's proxy is).
 */
import { connect } from 'node:net';
import type mysql from 'mysql2/promise';
import { PROBE_OK, probeFailed, type ProbeResult } from './probe-result.js';

// The drivers are loaded on first use: a stack without databases does not pay their ~15 MB each in
// the supervisor's memory.
export const loadPg = async (): Promise<typeof import('pg').default> => (await import('pg')).default;
export const loadMysql = async (): Promise<typeof mysql> => (await import('mysql2/promise')).default;

export function splitTarget(target: string): { host: string; port: number } {
  const separator = target.lastIndexOf(':');
  return { host: target.slice(0, separator), port: Number(target.slice(separator + 1)) };
}

/** A login; `database` undefined: Postgres's maintenance database, or none for MySQL. */
export interface SqlLogin {
  readonly target: string;
  readonly user: string;
  readonly password: string;
  readonly database?: string | undefined;
}

/**
 * Connects, runs `use`, always disconnects: the one place a Postgres or MySQL connection is
 * opened (readiness probes and provisioning). An error after connect (the server shutting down
 * under us) is swallowed by the client's error listener, never an uncaught exception.
 */
export interface SqlTimeouts {
  readonly connectMs: number;
  /** Per query; none for init scripts, which may take as long as they need. */
  readonly queryMs?: number;
}

export async function withPostgres<T>(
  login: SqlLogin,
  timeouts: SqlTimeouts,
  use: (client: import('pg').Client, pg: typeof import('pg').default) => Promise<T>,
): Promise<T> {
  const { host, port } = splitTarget(login.target);
  const pg = await loadPg();
  const queryTimeout = timeouts.queryMs === undefined ? {} : { query_timeout: timeouts.queryMs };
  const client = new pg.Client({
    host,
    port,
    user: login.user,
    password: login.password,
    database: login.database ?? 'postgres',
    connectionTimeoutMillis: timeouts.connectMs,
    ...queryTimeout,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client, pg);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The same for MySQL and MariaDB (several statements per query allowed, for init scripts). */
export async function withMysql<T>(
  login: SqlLogin,
  timeouts: SqlTimeouts,
  use: (connection: mysql.Connection, driver: typeof mysql) => Promise<T>,
): Promise<T> {
  const { host, port } = splitTarget(login.target);
  const driver = await loadMysql();
  const database = login.database === undefined ? {} : { database: login.database };
  const connection = await driver.createConnection({
    host,
    port,
    user: login.user,
    password: login.password,
    connectTimeout: timeouts.connectMs,
    multipleStatements: true,
    ...database,
  });
  connection.on('error', () => undefined);
  try {
    return await use(connection, driver);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/** Logs in and runs `SELECT 1` (Postgres, MySQL, MariaDB). */
export async function probeSql(engine: 'postgres' | 'mysql', login: SqlLogin, timeoutMs: number): Promise<ProbeResult> {
  try {
    const select = async (client: { query: (sql: string) => Promise<unknown> }): Promise<void> => void (await client.query('SELECT 1'));
    const timeouts = { connectMs: timeoutMs, queryMs: timeoutMs };
    await (engine === 'postgres' ? withPostgres(login, timeouts, select) : withMysql(login, timeouts, select));
    return PROBE_OK;
  } catch (error) {
    return probeFailed(`${engine} ${login.target}: ${describeDatabaseError(error)}`);
  }
}

export function describeDatabaseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  return message ?? String(error);
}

/** PING over RESP (after AUTH when a password is set); ready on `+PONG`. */
export function probeRedis(target: string, password: string | undefined, timeoutMs: number): Promise<ProbeResult> {
  const { host, port } = splitTarget(target);
  const commands = [...(password === undefined ? [] : [['AUTH', password]]), ['PING']];
  const payload = commands
    .map((words) => `*${words.length}\r\n${words.map((word) => `$${Buffer.byteLength(word)}\r\n${word}\r\n`).join('')}`)
    .join('');
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    let received = '';
    const done = (result: ProbeResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      const replies = received.split('\r\n').filter((line) => line !== '');
      const error = replies.find((line) => line.startsWith('-'));
      // "-LOADING Redis is loading the dataset in memory" while it reads its dump: not ready yet.
      if (error !== undefined) done(probeFailed(`redis ${target}: ${error.slice(1)}`));
      else if (replies.length >= commands.length)
        done(replies.at(-1) === '+PONG' ? PROBE_OK : probeFailed(`redis ${target}: unexpected reply ${JSON.stringify(replies.at(-1))}`));
    });
    socket.once('timeout', () => done(probeFailed(`redis ${target}: no answer within ${timeoutMs} ms`)));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(probeFailed(`redis ${target}: ${error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message)}`)),
    );
    socket.once('close', () => done(probeFailed(`redis ${target}: connection closed`)));
  });
}
