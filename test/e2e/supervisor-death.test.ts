// When the supervisor dies unexpectedly, nothing is left half-alive: its guardian stops the stack
// in reverse order with the services' stop signals, with nobody running `down`; `down` still
// works when the guardian died too, and `ps` never reports a service whose processes are gone.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, fixture, type TempProject } from '../helpers/project.js';
import { isAlive, processesUnder } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** db ← api ← web, each recording when it got its stop signal. */
function chainProject(extra = ''): TempProject {
  const recorder = (name: string, deps: string): string =>
    `'${name}': { command: '${fixture('stop-recorder.js', name)}', health: { log: 'ready ${name}' }, env: { STOP_LOG: 'STOPS' }${deps}${extra} },`;
  const created = createTempProject(`export default {
    services: {
      ${recorder('db', '')}
      ${recorder('api', ", dependsOn: ['db']")}
      ${recorder('web', ", dependsOn: ['api']")}
    },
  };`);
  // The env value is relative to nothing useful: point it at the project.
  created.write('services.config.ts', created.read('services.config.ts').replaceAll("'STOPS'", `'${created.path('stops.txt')}'`));
  return created;
}

function pidsOf(project: TempProject, names: readonly string[]): number[] {
  return names.map((name) => (JSON.parse(project.read(`logs/${name}.pid`)) as { pid: number }).pid);
}

function stopOrder(project: TempProject): string[] {
  return readFileSync(project.path('stops.txt'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[0]!);
}

describe('the supervisor dies', () => {
  it('SIGKILLed in the background: the guardian stops the stack in reverse order at once, no down needed', async () => {
    project = chainProject();
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const pids = pidsOf(project, ['db', 'api', 'web']);
    const guardian = project.guardianPid();
    expect(guardian).toBeDefined();
    const killedAt = Date.now();
    process.kill(project.supervisorPid(), 'SIGKILL');
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 'every service to be stopped', 10_000);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    expect(stopOrder(project)).toEqual(['web', 'api', 'db']); // their own stop signal, dependents first
    await waitFor(() => !isAlive(guardian!), 'the guardian to finish');
    expect(project.events().at(-1)).toMatchObject({
      type: 'warning',
      message: expect.stringMatching(/^the supervisor \(pid \d+\) died without stopping its stack: its guardian stopped db, api, web$/),
    });
    expect((await project.run(['ps'])).stdout).toBe('devstack: nothing is running\n');
    expect((await project.run(['up', '-d'])).code).toBe(0); // nothing left to refuse a new up
  });

  it('SIGKILLed in the foreground: the same', async () => {
    project = chainProject();
    const up = project.start(['up']);
    await waitFor(() => up.output().includes('ready in'), 'the stack to be ready');
    await waitFor(() => up.output().includes('services ready'), 'the stack to be ready');
    const pids = pidsOf(project, ['db', 'api', 'web']);
    up.child.kill('SIGKILL');
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 'every service to be stopped', 10_000);
    expect(stopOrder(project)).toEqual(['web', 'api', 'db']);
  });

  it('a service that logs after its supervisor died is stopped, not killed by EPIPE', async () => {
    project = chainProject(", env: { PRINT_EVERY_MS: '20', STOP_LOG: 'STOPS' }");
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const pids = pidsOf(project, ['db', 'api', 'web']);
    process.kill(project.supervisorPid(), 'SIGKILL');
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 'every service to be gone', 10_000);
    // Gone either way; what matters is that nothing lingers half-alive and nothing needs a down.
    expect((await project.run(['down'])).stdout).toBe('devstack: nothing is running\n');
  });

  it('guardian killed too: down stops everything from the record and markers; ps shows only what still runs', async () => {
    project = chainProject();
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const [db, api, web] = pidsOf(project, ['db', 'api', 'web']) as [number, number, number];
    process.kill(project.guardianPid()!, 'SIGKILL');
    process.kill(project.supervisorPid(), 'SIGKILL');
    await waitFor(() => project!.guardianPid() === undefined, 'the guardian to be gone');
    expect([db, api, web].every(isAlive)).toBe(true); // nobody stopped them: the orphan case
    process.kill(web, 'SIGKILL'); // one of them dies on its own
    await waitFor(() => !isAlive(web), 'web to die');

    const ps = await project.run(['ps', '--json']);
    const rows = JSON.parse(ps.stdout) as { name: string; state: string }[];
    expect(rows.map((row) => [row.name, row.state])).toEqual([
      ['db', 'orphaned'],
      ['api', 'orphaned'],
    ]);
    const refused = await project.run(['up']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: processes from a previous run are still running: db \(pid \d+\), api \(pid \d+\)/);

    const down = await project.run(['down']);
    expect(down.stdout).toBe('devstack: stopped db, api (no supervisor was running)\n');
    expect([db, api].filter(isAlive)).toEqual([]);
    expect(stopOrder(project)).toEqual(['api', 'db']);
  });

  it('finds the stack without its PID files, or after its logs folder moved in the config, and refuses a duplicate', async () => {
    project = chainProject();
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const pids = pidsOf(project, ['db', 'api', 'web']);
    // The logs folder is moved in the config while the stack runs: the running stack is still found.
    project.write(
      'services.config.ts',
      project.read('services.config.ts').replace('export default {', "export default { logsDir: 'other-logs',"),
    );
    const second = await project.run(['up', '-d']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^error: the stack of services\.config\.ts is already running/);
    // Without its supervisor, its guardian and its PID files, down still finds every process by its marker.
    process.kill(project.guardianPid()!, 'SIGKILL');
    process.kill(project.supervisorPid(), 'SIGKILL');
    await waitFor(() => project!.guardianPid() === undefined, 'the guardian to be gone');
    for (const name of ['db', 'api', 'web']) project.write(`logs/${name}.pid`, '');
    const third = await project.run(['up', '-d']);
    expect(third.code).toBe(1);
    expect(third.stderr).toMatch(
      /^error: processes from a previous run are still running: db \(pid \d+\), api \(pid \d+\), web \(pid \d+\)/,
    );
    const down = await project.run(['down']);
    expect(down.stdout).toBe('devstack: stopped db, api, web (no supervisor was running)\n');
    expect(pids.filter(isAlive)).toEqual([]);
  });
});

describe('the CLI goes before its background supervisor has anything to run', () => {
  const supervisorsOf = (dir: string) => processesUnder(dir).filter((found) => found.command.includes('supervisor-main'));

  it('killed while its config loads: the waiting supervisor exits, nothing started, nothing left', async () => {
    project = createTempProject(`await new Promise((resolve) => setTimeout(resolve, 4000));
      export default { services: { api: { command: '${fixture('forever.js')}' } } };`);
    const cli = project.start(['up', '-d']);
    await waitFor(() => supervisorsOf(project!.dir).length === 1, 'the background supervisor to be spawned');
    const [supervisor] = supervisorsOf(project.dir);
    cli.child.kill('SIGKILL');
    await waitFor(() => !isAlive(supervisor!.pid), 'the supervisor to notice its CLI is gone', 3000);
    await waitFor(() => processesUnder(project!.dir).length === 0, 'no process of the project to be left', 3000);
    expect((await project.run(['ps'])).stdout).toBe('devstack: nothing is running\n');
  });

  it('arguments that only looked like a detached up (help, a usage error) leave no supervisor behind', async () => {
    project = createTempProject(`export default { services: { api: { command: '${fixture('forever.js')}' } } };`);
    const help = await project.run(['up', '-d', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--detach');
    const wrong = await project.run(['up', '-d', '--no-such-flag']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: .*no-such-flag/);
    const valueLikeAFlag = await project.run(['up', '--mode', '-d'], { timeoutMs: 10_000 });
    expect(valueLikeAFlag.code).toBe(1); // "-d" is no mode name
    // A cancelled supervisor is SIGKILLed as the CLI exits: gone a moment later (while it dies, its
    // command line already reads empty).
    await waitFor(() => processesUnder(project!.dir).length === 0, 'no process of the project to be left', 3000);
  });
});
