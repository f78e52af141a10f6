// Hot restart on file change, crash recovery with back-off, and one-shot tasks, on real files and
// real processes.
import { appendFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, type PsRow, type TempProject, createTempProject, fixture } from '../helpers/project.js';
import { isAlive } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

type Row = PsRow;

const ps = (p: TempProject): Promise<Row[]> => p.ps();

async function row(p: TempProject, name: string): Promise<Row> {
  return (await ps(p)).find((candidate) => candidate.name === name)!;
}

/** A watched service whose code lives in the project: src/server.js runs the http-service fixture. */
function watchedProject(extra: string = '', more: string = ''): TempProject {
  const p = createTempProject(`export default {
    services: {
      api: { command: 'node src/server.js', port: 'auto', health: 'http://127.0.0.1:\${port}/health', watch: { paths: ['src'], ignore: ['*.tmp'] }${extra} },
      ${more}
    },
  };`);
  p.write('src/server.js', `import '${FIXTURES}/http-service.js';\n`);
  return p;
}

describe('hot restart on file change', () => {
  it('restarts a service when a watched file changes: new pid, ready again, one line saying why', async () => {
    project = watchedProject();
    const up = project.start(['up']);
    await waitFor(() => up.output().includes('api ready'), 'api to be ready');
    const before = await row(project, 'api');
    appendFileSync(project.path('src/server.js'), '// edited\n');
    await waitFor(() => /api restarted \(src\/server\.js changed\) — ready in \d+ ms/.test(up.output()), 'the restart line');
    // One line for the whole restart: no "stopped", "started" or "ready" lines in between.
    const afterReady = up.output().slice(up.output().indexOf('api ready')).split('\n').slice(1);
    expect(afterReady.filter((line) => line.startsWith('devstack |'))).toEqual([
      expect.stringMatching(/^devstack \| api restarted \(src\/server\.js changed\)/),
    ]);
    const after = await row(project, 'api');
    expect(after.pid).not.toBe(before.pid);
    expect(after.state).toBe('ready');
    expect(after.restarts).toBe(1);
    expect(isAlive(before.pid!)).toBe(false);
  });

  it('does not restart for ignored paths: node_modules, logs, watch.ignore patterns', async () => {
    project = watchedProject();
    expect((await project.run(['up', '-d'])).code).toBe(0);
    project.write('src/node_modules/x/index.js', 'x');
    project.write('src/notes.tmp', 'x');
    project.write('src/logs/today.log', 'x');
    project.write('logs/extra.txt', 'x');
    // A watched change afterwards is the control: exactly one restart, so the others caused none.
    await new Promise((resolve) => setTimeout(resolve, 400));
    project.write('src/feature.js', 'export {};');
    await waitFor(async () => (await row(project!, 'api')).restarts === 1 && (await row(project!, 'api')).state === 'ready', 'one restart');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await row(project, 'api')).restarts).toBe(1);
  });

  it('a formatter rewriting five files in 30 ms restarts it once; a burst of 100 writes, once or twice', async () => {
    project = watchedProject();
    for (let i = 0; i < 5; i++) project.write(`src/formatted-${i}.js`, `export const n = ${i};\n`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    // As a formatter does: five files, one after the other, well within 30 ms.
    for (let i = 0; i < 5; i++) writeFileSync(project.path(`src/formatted-${i}.js`), `export const n = ${i + 1};\n`);
    await waitFor(async () => (await row(project!, 'api')).restarts >= 1 && (await row(project!, 'api')).state === 'ready', 'the restart');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await row(project, 'api')).toMatchObject({ state: 'ready', restarts: 1 });

    // A new file: chokidar reports its creation and a later write as two events, which may land on
    // either side of the new process's start.
    for (let i = 0; i < 100; i++) writeFileSync(project.path('src/burst.js'), `export const n = ${i};\n`);
    await waitFor(
      async () => (await row(project!, 'api')).restarts >= 2 && (await row(project!, 'api')).state === 'ready',
      'the second restart',
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    const { restarts, state } = await row(project, 'api');
    expect(state).toBe('ready');
    expect(restarts).toBeGreaterThanOrEqual(2);
    expect(restarts).toBeLessThanOrEqual(3);
  });

  it('restarts dependents after the service is ready again when restartDependents is set', async () => {
    project = watchedProject(
      ', restartDependents: true',
      `web: { command: '${fixture('forever.js')} web', dependsOn: ['api'] }, other: { command: '${fixture('forever.js')} other' },`,
    );
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const before = await ps(project);
    appendFileSync(project.path('src/server.js'), '// edited\n');
    await waitFor(
      async () => (await row(project!, 'web')).restarts === 1 && (await row(project!, 'web')).state === 'ready',
      'web to be restarted',
    );
    const after = await ps(project);
    const pid = (rows: Row[], name: string): number | undefined => rows.find((r) => r.name === name)!.pid;
    expect(pid(after, 'api')).not.toBe(pid(before, 'api'));
    expect(pid(after, 'web')).not.toBe(pid(before, 'web'));
    expect(pid(after, 'other')).toBe(pid(before, 'other'));
    const restarted = project.events().flatMap((event) => (event.type === 'restarted' && event.service === 'web' ? [event.cause] : []));
    expect(restarted).toEqual([{ type: 'dependency', service: 'api' }]);
  });

  it('detects a service that rewrites its own watched files and stops the loop', async () => {
    project = createTempProject(`export default {
      services: {
        // Writes into its own watched folder shortly after it is up, like a generator or a log in src/.
        gen: { command: 'sh -c "(sleep 0.1; date +%N > src/generated.txt) & exec node ${FIXTURES}/forever.js gen"', watch: ['src'], health: { log: 'forever' } },
      },
    };`);
    project.write('src/generated.txt', '');
    const up = project.start(['up']);
    await waitFor(() => up.output().includes('rewrites src/generated.txt in its own watched folder'), 'the loop to be reported', 20_000);
    const { restarts, state } = await row(project, 'gen');
    expect(state).toBe('ready'); // still running, just no longer restarted on its own writes
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await row(project, 'gen')).restarts).toBe(restarts);
    expect(restarts).toBeLessThanOrEqual(3);
  });
});

describe('changes while the watcher starts', () => {
  it('restarts a service once for a file written right after it spawned, while the watcher still read the folders', async () => {
    project = createTempProject(`export default {
      services: {
        // On its first start only, writes a watched file at once: before chokidar reports anything.
        gen: { command: 'sh -c "[ -e .once ] || { touch .once; echo // >> src/a.js; }; exec node ${FIXTURES}/forever.js gen"', watch: ['src'], health: { log: 'forever' } },
      },
    };`);
    project.write('src/a.js', 'x\n'); // written before up: read by the first start, restarts nothing
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const restarted = (): unknown[] => project!.events().flatMap((event) => (event.type === 'restarted' ? [event.cause] : []));
    // The event is written once the new process is ready; ps counts the restart from its spawn.
    await waitFor(() => restarted().length > 0, 'gen to be restarted');
    expect(restarted()).toEqual([{ type: 'change', file: 'src/a.js' }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await row(project, 'gen')).restarts).toBe(1);
  });
});

describe('crash recovery', () => {
  it('restarts a crashed service with back-off, shows it in ps, and gives up after maxRestarts', async () => {
    project = createTempProject(`export default {
      services: {
        steady: { command: '${fixture('forever.js')}' },
        flaky: { command: '${fixture('crash.js')}', env: { LINES: '1', DELAY_MS: '300' }, maxRestarts: 2 },
      },
    };`);
    const up = project.start(['up']);
    await waitFor(() => up.output().includes('flaky crashed (exited with code 3): restarting in 500 ms (attempt 1)'), 'the first back-off');
    const backingOff = await waitFor(async () => {
      const flaky = await row(project!, 'flaky');
      return flaky.state === 'backoff' ? flaky : undefined;
    }, 'ps to show the back-off');
    expect(backingOff.message).toMatch(/^exited with code 3; restart \d in [\d.]+ m?s$/);
    await waitFor(() => up.output().includes('restarting in 1.0 s (attempt 2)'), 'the second, longer back-off', 10_000);
    await waitFor(async () => (await row(project!, 'flaky')).state === 'failed', 'devstack to give up', 10_000);
    const flaky = await row(project, 'flaky');
    expect(flaky.restarts).toBe(2);
    expect(flaky.message).toBe(
      'crash loop: 2 restarts in a row did not last a minute (last: exited with code 3); not restarting (maxRestarts 2)',
    );
    expect((await row(project, 'steady')).state).toBe('ready');
  });

  it('brings a crashed service back and reports it', async () => {
    project = createTempProject(
      `export default { services: { once: { command: 'sh -c "test -f crashed && exec node ${FIXTURES}/forever.js || { touch crashed; sleep 0.3; exit 1; }"' } } };`,
    );
    const up = project.start(['up']);
    await waitFor(() => /once restarted after a crash \(attempt 1\) — ready in \d+ ms/.test(up.output()), 'the crash restart');
    expect((await row(project, 'once')).state).toBe('ready');
  });
});

describe('one-shot tasks', () => {
  it('runs a task to completion before its dependents start', async () => {
    project = createTempProject(`export default {
      services: {
        migrate: { type: 'task', command: 'sh -c "sleep 0.3; echo migrated > schema.txt"' },
        api: { command: 'sh -c "cat schema.txt && exec node ${FIXTURES}/forever.js api"', dependsOn: ['migrate'], health: { log: 'forever' } },
      },
    };`);
    const up = await project.run(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    expect(project.read('logs/api.log')).toContain('out migrated');
    const rows = await ps(project);
    expect(rows.map((r) => [r.name, r.state])).toEqual([
      ['migrate', 'exited'],
      ['api', 'ready'],
    ]);
    // devstack restart runs a task again.
    expect((await project.run(['restart', 'migrate'])).code).toBe(0);
    expect(project.read('logs/migrate.log').match(/started \(pid/g)).toHaveLength(2);
  });

  it('fails up when a task fails, with its exit code and log tail, and never starts its dependents', async () => {
    project = createTempProject(`export default {
      services: {
        migrate: { type: 'task', command: 'sh -c "echo applying 001; echo relation users already exists >&2; exit 2"' },
        api: { command: '${fixture('forever.js')}', dependsOn: ['migrate'] },
      },
    };`);
    const up = await project.run(['up']);
    expect(up.code).toBe(1);
    expect(up.stderr).toBe(
      'error: service "migrate" failed to start: exited with code 2\nlast 2 log lines of "migrate":\n  applying 001\n  relation users already exists\n',
    );
    expect(up.stdout).not.toContain('api started');
  });

  it('rejects a health check or restart policy on a task', async () => {
    project = createTempProject("export default { services: { migrate: { type: 'task', command: 'x', health: { log: 'done' } } } };");
    const result = await project.run(['up']);
    expect(result.stderr).toBe(
      'error: services.config.ts: services.migrate.health: a task is done when it exits with code 0; it has no health check\nhint: remove health, or make it a service\n',
    );
  });
});
