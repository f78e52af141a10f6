// The README's run command on the repository's own example stack: six services, Postgres, Redis
// and RabbitMQ, a dependency chain four deep, real HTTP calls, an event over AMQP, data that
// survives down/up, and nothing left after `down`.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../helpers/project.js';
import { isAlive } from '../helpers/processes.js';

function devstack(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function orders(): Promise<{ totalCents: number; views: number }> {
  const response = await fetch('http://127.0.0.1:4100/api/orders');
  return (await response.json()) as { totalCents: number; views: number };
}

describe('example stack', () => {
  it('comes up in dependency order, serves a page through four services, and goes down cleanly', async () => {
    const up = await devstack(['up', '--wait']);
    try {
      expect(up.code, up.stdout + up.stderr).toBe(0);
      const order = [...up.stdout.matchAll(/devstack +\| (\S+) ready/g)].map((match) => match[1]);
      expect(order.indexOf('auth-service')).toBeLessThan(order.indexOf('user-service'));
      expect(order.indexOf('user-service')).toBeLessThan(order.indexOf('order-service'));
      expect(order.indexOf('catalog-service')).toBeLessThan(order.indexOf('order-service'));
      expect(order.at(-1)).toBe('web');

      const page = await fetch('http://127.0.0.1:4100/');
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Orders of Ada Lovelace (pro)');
      expect(html).toMatch(/Viewed \d+ times \(counted in Redis\)/);
      // Orders live in Postgres: one written through web → order-service is there after down/up.
      const before = await orders();
      const created = await fetch('http://127.0.0.1:4100/api/orders?sku=mn-03&quantity=1', { method: 'POST' });
      expect(created.status).toBe(201);
      expect((await orders()).totalCents).toBe(before.totalCents + 28900);
      expect((await orders()).views).toBeGreaterThan(before.views);
      // The new order was announced over RabbitMQ: notification-service consumed it, the page shows it.
      const { id } = (await created.json()) as { id: number };
      const notified = async (): Promise<boolean> =>
        (await (await fetch('http://127.0.0.1:4100/')).text()).includes(`order ${id}: 1 × mn-03 for Ada Lovelace`);
      for (let i = 0; i < 50 && !(await notified()); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await notified()).toBe(true);
      expect((await devstack(['down'])).code).toBe(0);
      const again = await devstack(['up', '--wait']);
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect((await orders()).totalCents).toBe(before.totalCents + 28900);
    } finally {
      const ps = JSON.parse((await devstack(['ps', '--json'])).stdout || '[]') as { pid?: number }[];
      const down = await devstack(['down']);
      expect(down.code).toBe(0);
      for (const row of ps) if (row.pid !== undefined) expect(isAlive(row.pid)).toBe(false);
    }
  });
});
