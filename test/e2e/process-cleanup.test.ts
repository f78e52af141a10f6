// `down` leaves nothing running: grandchildren in the group, setsid grandchildren, double-forked
// daemons, SIGTERM-ignoring programs, and stacks whose supervisor was SIGKILLed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, fixture, type TempProject } from '../helpers/project.js';
import { isAlive } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** A stack whose one service starts a grandchild in its group, a setsid grandchild and a double-forked daemon. */
function treeProject(): TempProject {
  return createTempProject(`export default {
    services: {
      tree: { command: 'sh -c "${fixture('spawn-tree.js')}"', env: { PIDS_FILE: 'tree.pids' }, health: { log: 'tree ready' }, stopTimeout: '3s' },
    },
  };`);
}

async function treePids(project: TempProject): Promise<number[]> {
  return waitFor(() => {
    const pids = readFileSync(project.path('tree.pids'), 'utf8').trim().split('\n').map(Number);
    return pids.length === 4 ? pids : undefined;
  }, 'spawn-tree to record its 4 pids');
}

describe('devstack down', () => {
  it('stops grandchildren, setsid grandchildren and double-forked daemons', async () => {
    project = treeProject();
    const up = await project.run(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    const pids = await treePids(project);
    expect(pids.every(isAlive)).toBe(true);

    const down = await project.run(['down']);
    expect(down.code).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('SIGKILLs a service that ignores SIGTERM once its stopTimeout has passed', async () => {
    project = createTempProject(`export default {
      services: { stubborn: { command: '${fixture('ignore-sigterm.js')}', health: { log: 'ready' }, stopTimeout: 1000 } },
    };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const pid = JSON.parse(project.read('logs/stubborn.pid')).pid as number;
    const started = Date.now();
    const down = await project.run(['down']);
    const elapsed = Date.now() - started;
    expect(down.code).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(project.read('logs/stubborn.log')).toContain('ignoring SIGTERM');
    expect(project.events().filter((event) => event.type === 'stop-escalated')).toMatchObject([
      { service: 'stubborn', signal: 'SIGTERM', timeoutMs: 1000 },
    ]);
  });

  it('stops everything (setsid and double-forked helpers too) after the supervisor and its guardian were SIGKILLed', async () => {
    project = treeProject();
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const pids = await treePids(project);
    const supervisor = JSON.parse(project.read('logs/devstack.pid')).pid as number;
    process.kill(project.guardianPid()!, 'SIGKILL'); // else it would stop them itself (supervisor-death.test.ts)
    process.kill(supervisor, 'SIGKILL');
    await waitFor(() => !isAlive(supervisor), 'the supervisor to die');
    expect(pids.every(isAlive)).toBe(true); // services run on without it: that is the orphan case

    const ps = await project.run(['ps']);
    expect(ps.stdout).toMatch(/^tree +orphaned/m);
    const refused = await project.run(['up']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: processes from a previous run are still running: tree \(pid \d+\)/);
    expect(refused.stderr).toContain('hint: run "devstack down" to stop them');

    const down = await project.run(['down']);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^devstack: stopped tree \(no supervisor was running\)/);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('never signals an unrelated process that reuses a recorded pid', async () => {
    project = createTempProject(`export default { services: { api: { command: '${fixture('forever.js')}' } } };`);
    // An unrelated program (not started by devstack) now holds the pid a stale PID file names.
    const bystander = spawn(process.execPath, [fixture('forever.js').split(' ')[1]!, 'bystander'], { stdio: 'ignore' });
    try {
      await waitFor(() => bystander.pid !== undefined && isAlive(bystander.pid), 'the bystander to start');
      project.write(
        'logs/api.pid',
        JSON.stringify({
          service: 'api',
          pid: bystander.pid,
          pgid: bystander.pid,
          startTime: 1,
          runId: 'old-run',
          startedAt: new Date().toISOString(),
          port: null,
        }),
      );
      const down = await project.run(['down']);
      expect(down.code).toBe(0);
      expect(down.stdout).toBe('devstack: nothing is running\n');
      expect(isAlive(bystander.pid!)).toBe(true);
      // And a new up treats the stale file as stale, not as a running service.
      const up = await project.run(['up', '-d']);
      expect(up.code, up.stderr).toBe(0);
      expect(isAlive(bystander.pid!)).toBe(true);
    } finally {
      bystander.kill('SIGKILL');
    }
  });

  it('stops a service and its dependents only, leaving the rest running', async () => {
    project = createTempProject(`export default {
      services: {
        db: { command: '${fixture('forever.js')} db' },
        api: { command: '${fixture('forever.js')} api', dependsOn: ['db'] },
        other: { command: '${fixture('forever.js')} other' },
      },
    };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const down = await project.run(['down', 'db']);
    expect(down.stdout).toBe('devstack: stopped db, api\n');
    const rows = JSON.parse((await project.run(['ps', '--json'])).stdout) as { name: string; state: string }[];
    expect(rows.map((row) => [row.name, row.state])).toEqual([
      ['db', 'stopped'],
      ['api', 'stopped'],
      ['other', 'ready'],
    ]);
  });

  it('stops independent services in parallel, and dependents before their dependencies', async () => {
    project = createTempProject(`export default {
      services: {
        base: { command: '${fixture('ignore-sigterm.js')}', health: { log: 'ready' }, stopTimeout: 1000 },
        left: { command: '${fixture('ignore-sigterm.js')}', health: { log: 'ready' }, stopTimeout: 1000, dependsOn: ['base'] },
        right: { command: '${fixture('ignore-sigterm.js')}', health: { log: 'ready' }, stopTimeout: 1000, dependsOn: ['base'] },
      },
    };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    expect((await project.run(['down'])).code).toBe(0);
    // Timed from the supervisor's own log, not the CLI's wall clock (which includes its start-up).
    const at = (service: string, state: string): number =>
      project!.events().find((event) => event.type === 'state' && event.service === service && event.state.type === state)!.time;
    const stoppedAt = (service: string): number => at(service, 'stopped');
    // left and right stop side by side, each taking its full 1 s timeout; base only after both:
    // about 2 s in all, not the 3 s of one after the other.
    expect(Math.abs(at('left', 'stopping') - at('right', 'stopping'))).toBeLessThan(300);
    const total = stoppedAt('base') - Math.min(at('left', 'stopping'), at('right', 'stopping'));
    expect(total).toBeGreaterThanOrEqual(2000);
    expect(total).toBeLessThan(2900);
    expect(stoppedAt('base')).toBeGreaterThanOrEqual(Math.max(stoppedAt('left'), stoppedAt('right')));
  });
});
