// Start, restart and stop never race into a wrong state: operations that overlap in time, on real
// processes through the CLI.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type PsRow, type TempProject, createTempProject, fixture, httpService } from '../helpers/project.js';
import { isAlive, processesUnder } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

type Row = PsRow;

const ps = (p: TempProject): Promise<Row[]> => p.ps();

describe('overlapping operations', () => {
  it('restart of a dependency while up is still starting it: dependents start once it is really ready, and up says ready only then', async () => {
    project = createTempProject(`export default {
      services: {
        ${await httpService('db', ", env: { READY_DELAY_MS: '1500' }")}
        ${await httpService('api', ", dependsOn: ['db']")}
        ${await httpService('web', ", dependsOn: ['api']")}
      },
    };`);
    const up = project.start(['up', '-d']);
    await waitFor(() => up.output().includes('db started'), 'db to be starting');
    const restart = await project.run(['restart', 'db']);
    expect(restart.code, restart.stderr).toBe(0);
    const result = await up.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('3 services ready');
    expect((await ps(project)).map((row) => [row.name, row.state])).toEqual([
      ['db', 'ready'],
      ['api', 'ready'],
      ['web', 'ready'],
    ]);
  });

  it('refuses to restart a service while its dependency is not running, saying which and how to start it', async () => {
    project = createTempProject(`export default {
      services: {
        api: { command: '${fixture('crash.js')}', env: { LINES: '1', DELAY_MS: '800' }, restart: 'no' },
        web: { command: '${fixture('forever.js')} web', dependsOn: ['api'] },
      },
    };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    await waitFor(async () => (await ps(project!)).find((row) => row.name === 'api')?.state === 'failed', 'api to crash');
    const before = (await ps(project)).find((row) => row.name === 'web')!.pid;
    const refused = await project.run(['restart', 'web']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'error: cannot restart "web": its dependency "api" is failed\nhint: start it with "devstack start web", which starts "api" first\n',
    );
    expect((await ps(project)).find((row) => row.name === 'web')!.pid).toBe(before);
  });

  it('down during a restart: everything stops, nothing is started again', async () => {
    // Slow to be ready, so that `down` (a CLI start on a busy machine) lands during the restart.
    project = createTempProject(`export default { services: { ${await httpService('api', ", env: { READY_DELAY_MS: '4000' }")} } };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const restart = project.start(['restart', 'api']);
    await waitFor(async () => (await ps(project!))[0]?.state === 'starting', 'the restart to be under way');
    const down = await project.run(['down']);
    expect(down.code).toBe(0);
    const restarted = await restart.done;
    expect(restarted.code).toBe(1);
    expect(restarted.stderr).toMatch(/^error: the restart of "api" was interrupted: /);
    expect(processesUnder(project.dir).filter((found) => found.command.includes('http-service'))).toEqual([]);
  });

  it('stop during a crash back-off: the service stays stopped, the timer never fires a restart', async () => {
    project = createTempProject(`export default {
      services: {
        steady: { command: '${fixture('forever.js')}' },
        flaky: { command: '${fixture('crash.js')}', env: { LINES: '1', DELAY_MS: '200' } },
      },
    };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const inBackoff = await waitFor(async () => {
      const flaky = (await ps(project!)).find((row) => row.name === 'flaky');
      // From the third back-off on (2 s) a stop cannot lose the race against the timer.
      return flaky?.state === 'backoff' && flaky.restarts >= 2 ? flaky : undefined;
    }, 'the third back-off');
    expect((await project.run(['stop', 'flaky'])).stdout).toBe('devstack: stopped flaky (start again: devstack start <service>)\n');
    await new Promise((resolve) => setTimeout(resolve, 2500)); // past any back-off it was in
    expect((await ps(project)).find((row) => row.name === 'flaky')).toMatchObject({ state: 'stopped', restarts: inBackoff.restarts });
    expect((await project.run(['start', 'flaky'])).stdout).toBe('devstack: started flaky\n');
  });

  it('two restarts at once of the same service: one after the other, both reporting ready', async () => {
    project = createTempProject(`export default { services: { ${await httpService('api')} } };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const [first, second] = await Promise.all([project.run(['restart', 'api']), project.run(['restart', 'api'])]);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect((await ps(project))[0]).toMatchObject({ state: 'ready', restarts: 2 });
  });
});

describe('interrupting up -d and --wait', () => {
  it('Ctrl-C while waiting stops what was started, says so, and exits 130', async () => {
    project = createTempProject(`export default {
      services: {
        ${await httpService('db')}
        ${await httpService('slow', ", dependsOn: ['db'], env: { READY_DELAY_MS: '30000' }")}
      },
    };`);
    const up = project.start(['up', '--wait']);
    await waitFor(() => up.output().includes('slow started'), 'slow to be starting');
    up.child.kill('SIGINT');
    const result = await up.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('devstack: interrupted; stopped the stack, which was not ready yet (still starting: slow (starting))');
    await waitFor(() => processesUnder(project!.dir).length === 0, 'nothing to be left');
  });

  it('--timeout gives up on a stack that is not ready in time, naming what was pending', async () => {
    project = createTempProject(`export default {
      services: {
        ${await httpService('slow', ", env: { READY_DELAY_MS: '30000' }")}
        ${await httpService('after', ", dependsOn: ['slow']")}
      },
    };`);
    const result = await project.run(['up', '-d', '--timeout', '1s']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: the stack was not ready within 1.0 s: still starting: slow (starting), after (waiting on slow)\nhint: everything that had started was stopped; see "devstack logs" for why, or raise --timeout\n',
    );
    await waitFor(() => processesUnder(project!.dir).length === 0, 'nothing to be left');
  });

  it('a background supervisor that dies during up -d is reported with where to look, never as an internal error', async () => {
    project = createTempProject(`export default { services: { ${await httpService('slow', ", env: { READY_DELAY_MS: '30000' }")} } };`);
    const up = project.start(['up', '-d']);
    await waitFor(() => up.output().includes('slow started'), 'slow to be starting');
    process.kill(project.supervisorPid(), 'SIGKILL');
    const result = await up.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: the background supervisor was killed by SIGKILL before startup finished\nhint: see logs/devstack.stderr.log and "devstack logs"; its guardian stops whatever it had started\n',
    );
    await waitFor(() => processesUnder(project!.dir).length === 0, 'the guardian to stop what had started');
  });
});

describe('processes in odd states', () => {
  it('a stopped (SIGSTOP) process gets SIGCONT with its stop signal and shuts down gracefully', async () => {
    project = createTempProject(`export default { services: { ${await httpService('api', ", stopTimeout: '20s'")} } };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const pid = (await ps(project))[0]!.pid!;
    process.kill(pid, 'SIGSTOP');
    const started = Date.now();
    expect((await project.run(['down'])).code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000); // not the 20 s stop timeout
    expect(project.read('logs/api.log')).toContain('got SIGTERM, exiting');
    expect(project.events().some((event) => event.type === 'stop-escalated')).toBe(false);
    expect(isAlive(pid)).toBe(false);
  });

  it('a shell command that is not found (no health check) fails up, and is not retried', async () => {
    project = createTempProject(`export default {
      services: {
        ok: { command: '${fixture('forever.js')}' },
        typo: { command: 'nosuchprogram --serve && echo never' },
      },
    };`);
    const result = await project.run(['up', '-d']);
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe('error: service "typo" failed to start: command not found (the shell exited with code 127)');
    expect(result.stderr).toContain('nosuchprogram: not found');
    expect(
      project.events().filter((event) => event.type === 'state' && event.service === 'typo' && event.state.type === 'backoff'),
    ).toEqual([]);
  });
});

describe('the wrong user', () => {
  it('another local user can neither connect to a stack nor create its socket; a foreign runtime folder is refused', async () => {
    project = createTempProject(`export default { services: { api: { command: '${fixture('forever.js')}' } } };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const socketDir = `/tmp/devstack-${process.getuid!()}`;
    // As uid 65534 (nobody): list, connect, and claim a name in the stack's runtime folder.
    const attempt = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const net = require('net');
         const results = [];
         try { fs.readdirSync(${JSON.stringify(socketDir)}); results.push('listed'); } catch (e) { results.push(e.code); }
         try { fs.writeFileSync(${JSON.stringify(`${socketDir}/claim.sock`)}, ''); results.push('created'); } catch (e) { results.push(e.code); }
         const files = (() => { try { return fs.readdirSync(${JSON.stringify(socketDir)}); } catch { return []; } })();
         const socket = net.connect(${JSON.stringify(socketDir)} + '/' + (files[0] || 'x.sock'));
         socket.on('connect', () => { results.push('connected'); console.log(results.join(' ')); process.exit(0); });
         socket.on('error', (e) => { results.push(e.code); console.log(results.join(' ')); process.exit(0); });`,
      ],
      { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    attempt.stdout.on('data', (chunk) => (output += String(chunk)));
    await new Promise((resolve) => attempt.on('close', resolve));
    expect(output.trim()).toBe('EACCES EACCES EACCES');

    // A runtime folder that is not private (made by someone else, or opened up) is refused.
    const foreign = `/tmp/devstack-foreign-${process.pid}-${Date.now()}`;
    const made = spawn('sh', ['-c', `mkdir -m 755 ${foreign}`], { uid: 65534, gid: 65534, cwd: '/' });
    await new Promise((resolve) => made.on('close', resolve));
    const ps = await project.run(['ps'], { env: { DEVSTACK_RUNTIME_DIR: foreign } });
    rmSync(foreign, { recursive: true, force: true });
    expect(ps.code).toBe(1);
    expect(ps.stderr).toMatch(
      new RegExp(
        `^error: the runtime folder ${foreign} belongs to uid 65534, not to you \\(uid 0\\): another user could reach your stacks through it\\n`,
      ),
    );
  });
});
