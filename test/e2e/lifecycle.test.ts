// The built `devstack` bin on real processes: start order, readiness, failures, detached mode.
import { afterEach, describe, expect, it } from 'vitest';
import { type TempProject, createTempProject, fixture, freePort, httpService } from '../helpers/project.js';
import { isAlive } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** The `at=<ms>` timestamp a fixture printed on the line containing `marker`. */
function timeOf(project: TempProject, service: string, marker: string): number {
  const line = project
    .read(`logs/${service}.log`)
    .split('\n')
    .find((l) => l.includes(marker));
  const at = line && /at=(\d+)/.exec(line);
  if (!at) throw new Error(`no "${marker}" line in ${service}.log:\n${project.read(`logs/${service}.log`)}`);
  return Number(at[1]);
}

describe('devstack up', () => {
  it('starts each service the moment its own dependencies are ready, independent ones in parallel', async () => {
    project = createTempProject(`export default {
      services: {
        ${await httpService('slow', ", env: { READY_DELAY_MS: '1500' }")}
        ${await httpService('fast')}
        ${await httpService('after-fast', ", dependsOn: ['fast']")}
        ${await httpService('after-slow', ", dependsOn: ['slow']")}
      },
    };`);
    const result = await project.run(['up', '--wait']);
    expect(result.code, result.stderr).toBe(0);

    const slowBoot = timeOf(project, 'slow', 'booting');
    const fastBoot = timeOf(project, 'fast', 'booting');
    // No dependency between them: started together (one after the other would be ≥ 1.5 s apart).
    expect(Math.abs(slowBoot - fastBoot)).toBeLessThan(1000);
    expect(timeOf(project, 'after-fast', 'booting')).toBeGreaterThanOrEqual(timeOf(project, 'fast', 'listening'));
    // Not level by level: after-fast does not wait for slow, which is in the same "level" as fast.
    expect(timeOf(project, 'after-fast', 'booting')).toBeLessThan(timeOf(project, 'slow', 'listening'));
    expect(timeOf(project, 'after-slow', 'booting')).toBeGreaterThanOrEqual(timeOf(project, 'slow', 'listening'));
  });

  it('starts only the requested service and its dependencies', async () => {
    project = createTempProject(`export default {
      services: {
        ${await httpService('db')}
        ${await httpService('api', ", dependsOn: ['db']")}
        ${await httpService('unrelated')}
      },
    };`);
    const result = await project.run(['up', 'api', '-d']);
    expect(result.code, result.stderr).toBe(0);
    const ps = await project.run(['ps', '--json']);
    const rows = JSON.parse(ps.stdout) as { name: string; state: string }[];
    expect(rows.map((row) => [row.name, row.state])).toEqual([
      ['db', 'ready'],
      ['api', 'ready'],
    ]);
  });

  it('fails when a service exits during startup, naming it with its last 20 log lines, and stops the rest', async () => {
    project = createTempProject(`export default {
      services: {
        ${await httpService('db')}
        broken: { command: '${fixture('crash.js')}', dependsOn: ['db'], health: { tcp: 1 } },
        ${await httpService('never-started', ", dependsOn: ['broken']")}
      },
    };`);
    const result = await project.run(['up']);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('error: service "broken" failed to start: exited with code 3 before it was ready');
    expect(lines[1]).toBe('last 20 log lines of "broken":');
    expect(lines.slice(2)).toEqual([...Array.from({ length: 19 }, (_, i) => `  line ${i + 7} of 25`), '  fatal: something went wrong']);
    expect(result.stdout).toContain('db stopped');
    expect(result.stdout).not.toContain('never-started started');
  });

  it('fails a service that never becomes ready within readyTimeout, with the last probe failure', async () => {
    const port = await freePort();
    project = createTempProject(`export default {
      services: {
        mute: { command: '${fixture('forever.js')}', health: { http: 'http://127.0.0.1:${port}/health', readyTimeout: '1s' } },
      },
    };`);
    const result = await project.run(['up', '-d']);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toMatch(
      new RegExp(
        `^error: service "mute" failed to start: not ready after 1\\.\\d s: GET http://127\\.0\\.0\\.1:${port}/health: connection refused$`,
      ),
    );
    expect(result.stderr).toContain('forever pid=');
  });

  it('accepts a configured non-2xx status (an API that answers 401 everywhere)', async () => {
    const port = await freePort();
    project = createTempProject(`export default {
      services: {
        locked: { command: '${fixture('http-service.js')}', port: ${port}, env: { HEALTH_STATUS: 401 },
                  health: { http: 'http://127.0.0.1:${port}/health', expectStatus: ['2xx', 401] } },
      },
    };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
  });

  it('supports log-line and command probes', async () => {
    project = createTempProject(`export default {
      services: {
        worker: { command: '${fixture('forever.js')} worker', health: { log: 'forever pid=\\\\d+ worker' } },
        checked: { command: '${fixture('forever.js')}', health: { command: 'test -f ready.flag', interval: 100 }, dependsOn: ['worker'] },
      },
    };`);
    project.write('ready.flag', '');
    const result = await project.run(['up', '-d']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/worker ready in \d+ ms/);
    expect(result.stdout).toMatch(/checked ready in \d+ ms/);
  });

  it('refuses a second up on a running stack and starts nothing twice', async () => {
    project = createTempProject(`export default { services: { ${await httpService('api')} } };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const pid = JSON.parse((await project.run(['ps', '--json'])).stdout)[0].pid as number;
    const second = await project.run(['up']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^error: the stack of services\.config\.ts is already running \(supervisor pid \d+; api ready\)\n/);
    expect(second.stderr).toContain('hint: use "devstack ps"');
    expect(JSON.parse((await project.run(['ps', '--json'])).stdout)[0].pid).toBe(pid);
  });

  it('lets exactly one of two simultaneous ups win', async () => {
    project = createTempProject(`export default { services: { ${await httpService('api')} } };`);
    const [a, b] = await Promise.all([project.run(['up', '-d']), project.run(['up', '-d'])]);
    expect([a.code, b.code].sort()).toEqual([0, 1]);
    expect((a.code === 1 ? a : b).stderr).toMatch(/already running/);
  });
});

describe('detached stack from other terminals', () => {
  it('ps, logs, restart and down work against an up -d stack', async () => {
    project = createTempProject(`export default {
      services: {
        ${await httpService('db')}
        ${await httpService('api', ", dependsOn: ['db']")}
      },
    };`);
    const up = await project.run(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(
      /devstack: 2 services ready in \d+ ms\n\n  db +http:\/\/127\.0\.0\.1:\d+\n  api +http:\/\/127\.0\.0\.1:\d+\n\n  dashboard +http:\/\/127\.0\.0\.1:\d+\/\?token=\S+\n\n  supervisor pid \d+; stop: devstack down/,
    );

    const before = JSON.parse((await project.run(['ps', '--json'])).stdout) as {
      name: string;
      pid: number;
      state: string;
      restarts: number;
    }[];
    expect(before.map((row) => row.state)).toEqual(['ready', 'ready']);
    const oldPid = before[1]!.pid;
    expect(project.read('logs/api.pid')).toContain(`"pid":${oldPid}`);

    const restart = await project.run(['restart', 'api']);
    expect(restart.code, restart.stderr).toBe(0);
    expect(restart.stdout).toMatch(/^api restarted — ready in \d+ ms\n$/);
    const after = JSON.parse((await project.run(['ps', '--json'])).stdout) as typeof before;
    expect(after[1]!.pid).not.toBe(oldPid);
    expect(after[1]!.restarts).toBe(1);
    expect(isAlive(oldPid)).toBe(false);

    const logs = await project.run(['logs', 'api']);
    expect(logs.stdout.match(/^booting api/gm)).toHaveLength(2); // appended across restarts
    // The last line of each log: what devstack last said about each, as in the foreground view.
    const merged = await project.run(['logs', '-n', '1']);
    expect(merged.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^devstack \| db ready in \d+ ms$/),
      expect.stringMatching(/^devstack \| api restarted \(devstack restart\) — ready in \d+ ms$/),
    ]);
    const lastOutput = await project.run(['logs', '-n', '3']);
    expect(lastOutput.stdout).toMatch(/^db +\| listening on/m);
    expect(lastOutput.stdout).toMatch(/^api +\| listening on/m);

    const down = await project.run(['down']);
    expect(down.code).toBe(0);
    expect(down.stdout).toBe('devstack: stopped db, api\n');
    expect(isAlive(after[0]!.pid) || isAlive(after[1]!.pid)).toBe(false);
    expect((await project.run(['down'])).stdout).toBe('devstack: nothing is running\n');
    expect((await project.run(['ps'])).stdout).toBe('devstack: nothing is running\n');
  });

  it('logs -f follows new lines until the stack stops', async () => {
    project = createTempProject(`export default { services: { ${await httpService('api')} } };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const follow = project.start(['logs', '-f', 'api']);
    await waitFor(() => follow.output().includes('listening on'), 'the existing lines');
    await project.run(['restart', 'api']);
    await waitFor(() => (follow.output().match(/booting api/g) ?? []).length === 2, 'the restarted service to show up in logs -f');
    await project.run(['down']);
    const result = await follow.done;
    expect(result.code).toBe(0);
  });
});

describe('foreground up', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ] as const)('%s stops every service in reverse order and exits %d', async (signal, code) => {
    project = createTempProject(`export default {
      services: {
        ${await httpService('db')}
        ${await httpService('api', ", dependsOn: ['db']")}
      },
    };`);
    const up = project.start(['up']);
    await waitFor(() => up.output().includes('api ready'), 'api to be ready');
    const pids = ['db', 'api'].map((name) => JSON.parse(project!.read(`logs/${name}.pid`)).pid as number);
    up.child.kill(signal);
    const result = await up.done;
    expect(result.code).toBe(code);
    expect(result.stdout).toMatch(/api stopped[\s\S]*db stopped/);
    expect(result.stdout).toMatch(/db +\| got SIGTERM, exiting/);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it('reports a service that crashes after it was ready, keeps the rest, and exits once nothing runs', async () => {
    project = createTempProject(`export default {
      services: {
        steady: { command: '${fixture('forever.js')}' },
        flaky: { command: '${fixture('crash.js')}', env: { LINES: '1', DELAY_MS: '1500' }, restart: 'no' },
      },
    };`);
    const up = project.start(['up']);
    await waitFor(() => up.output().includes('service "flaky" failed: exited with code 3'), 'the crash to be reported');
    const rows = JSON.parse((await project.run(['ps', '--json'])).stdout) as { name: string; state: string; message?: string }[];
    expect(rows).toMatchObject([
      { name: 'steady', state: 'ready' },
      { name: 'flaky', state: 'failed', message: 'exited with code 3' },
    ]);
    await project.run(['down', 'steady']);
    const result = await up.done;
    expect(result.code).toBe(1); // a service failed during the run
  });
});
