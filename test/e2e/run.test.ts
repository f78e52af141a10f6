// `devstack run -- <command>`: start, wait, run with the stack's URLs, exit with the command's code,
// and always tear down — on success, failure, a start failure, a timeout, SIGINT and SIGTERM.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, fixture, httpService, type TempProject } from '../helpers/project.js';
import { processesUnder } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;

afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** `node -e <code>` as the command after `--`. */
const node = (code: string): string[] => ['--', process.execPath, '-e', code];

async function twoServices(): Promise<TempProject> {
  return createTempProject(`export default {
    services: {
      ${await httpService('api')}
      web: { command: '${fixture('http-service.js')}', port: 'auto', dependsOn: ['api'], health: 'http://127.0.0.1:\${port}/health' },
      extra: { command: '${fixture('forever.js')}' },
    },
  };`);
}

describe('devstack run', () => {
  it("runs the command with every service's URL and port, exits with its code, and leaves nothing running", async () => {
    project = await twoServices();
    const printUrls = node(
      `console.log(JSON.stringify({ api: process.env.API_URL, web: process.env.WEB_URL, port: process.env.WEB_PORT }))`,
    );
    const passed = await project.run(['run', ...printUrls]);
    expect(passed.code, passed.stderr).toBe(0);
    // stdout is the command's alone; devstack's lines are on stderr.
    const urls = JSON.parse(passed.stdout) as { api: string; web: string; port: string };
    expect(urls.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.web).toBe(`http://127.0.0.1:${urls.port}`);
    expect(passed.stderr).toMatch(/devstack: api, web, extra ready in .*; running: /);
    expect(passed.stderr).toContain('devstack: stopped the stack');
    expect(processesUnder(project.dir)).toEqual([]);

    const failed = await project.run(['run', ...node('process.exit(3)')]);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain('devstack: stopped the stack');
    expect(processesUnder(project.dir)).toEqual([]);

    const missing = await project.run(['run', '--', 'no-such-command-anywhere']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('devstack: command not found: no-such-command-anywhere');
    expect(processesUnder(project.dir)).toEqual([]);
  });

  it('--with starts only those services and their dependencies', async () => {
    project = await twoServices();
    const result = await project.run([
      'run',
      '--with',
      'web',
      ...node('console.log(process.env.EXTRA_URL ?? "none", process.env.API_URL ? "api" : "")'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('none api\n');
    expect(result.stderr).toMatch(/devstack: api, web ready/);
    expect(project.events().some((event) => event.type === 'state' && event.service === 'extra' && event.state.type === 'starting')).toBe(
      false,
    );
  });

  it('a start failure prints the reason and log tail, never runs the command, and stops what started', async () => {
    project = createTempProject(`export default {
      services: {
        ok: { command: '${fixture('forever.js')}' },
        broken: { command: 'node -e "console.log(\\'cannot connect to the queue\\'); process.exit(4)"', dependsOn: ['ok'], health: { tcp: 1 } },
      },
    };`);
    const result = await project.run(['run', ...node(`require('fs').writeFileSync('ran', '')`)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: service "broken" failed to start: exited with code 4');
    expect(result.stderr).toContain('cannot connect to the queue');
    expect(existsSync(project.path('ran'))).toBe(false);
    expect(processesUnder(project.dir)).toEqual([]);
  });

  it('--timeout gives up on a stack that is not ready, without running the command', async () => {
    project = createTempProject(`export default {
      services: { ${await httpService('slow', ", env: { READY_DELAY_MS: '30000' }")} },
    };`);
    const result = await project.run(['run', '--timeout', '1500ms', ...node(`require('fs').writeFileSync('ran', '')`)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the stack was not ready within 1.5 s: still starting: slow (starting)');
    expect(existsSync(project.path('ran'))).toBe(false);
    expect(processesUnder(project.dir)).toEqual([]);
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal} while the command runs: the command gets it, the stack is torn down, exit ${code}`, async () => {
      project = await twoServices();
      const waitsForSignal = node(
        `process.on('${signal}', () => { require('fs').writeFileSync('got-signal', ''); process.exit(0); }); require('fs').writeFileSync('running', ''); setInterval(() => {}, 1000);`,
      );
      const running = project.start(['run', ...waitsForSignal]);
      await waitFor(() => existsSync(project!.path('running')), 'the command to run');
      running.child.kill(signal);
      const result = await running.done;
      expect(result.code).toBe(code);
      expect(existsSync(project!.path('got-signal'))).toBe(true);
      expect(result.stderr).toContain('devstack: stopped the stack');
      expect(processesUnder(project!.dir)).toEqual([]);
    });
  }

  it('Ctrl-C while the stack starts stops what started and never runs the command', async () => {
    project = createTempProject(`export default {
      services: { ${await httpService('slow', ", env: { READY_DELAY_MS: '30000' }")} },
    };`);
    const running = project.start(['run', ...node(`require('fs').writeFileSync('ran', '')`)]);
    await waitFor(() => running.output().includes('slow started'), 'slow to be starting');
    running.child.kill('SIGINT');
    const result = await running.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('devstack: interrupted before the stack was ready; stopped it (still starting: slow (starting))');
    expect(existsSync(project.path('ran'))).toBe(false);
    await waitFor(() => processesUnder(project!.dir).length === 0, 'nothing to be left');
  });

  it('stops what the command left running in the background', async () => {
    project = await twoServices();
    const result = await project.run(['run', '--', 'sh', '-c', `${process.execPath} -e "setInterval(() => {}, 1000)" & echo started`]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('devstack: stopped 1 process(es) the command left running');
    expect(processesUnder(project.dir)).toEqual([]);
  });

  it('reuses a running stack without restarting it and leaves it up; --keep leaves a new one up', async () => {
    project = await twoServices();
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const before = await project.ps();
    expect((await project.run(['stop', 'extra'])).code).toBe(0);
    const result = await project.run(['run', ...node('console.log(process.env.API_URL)')]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/using the running stack .*; it stays up/);
    const after = await project.ps();
    // api and web kept their processes; extra, which was stopped, was started for the command.
    for (const name of ['api', 'web'])
      expect(after.find((row) => row.name === name)?.pid).toBe(before.find((row) => row.name === name)?.pid);
    expect(after.every((row) => row.state === 'ready')).toBe(true);
    expect((await project.run(['down'])).code).toBe(0);

    const kept = await project.run(['run', '--keep', ...node('')]);
    expect(kept.code).toBe(0);
    expect(kept.stderr).toContain('the stack keeps running (--keep)');
    expect((await project.ps()).every((row) => row.state === 'ready')).toBe(true);
  });

  it('refuses a missing command and an unknown --with service with one line each', async () => {
    project = await twoServices();
    const none = await project.run(['run']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('error: devstack run: no command to run\nhint: put the command after "--": devstack run -- npm test\n');
    const unknown = await project.run(['run', '--with', 'wbe', ...node('')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('error: unknown service "wbe" — did you mean "web"?');
    const option = await project.run(['run', 'npm', 'test', '--coverage']);
    expect(option.code).toBe(1);
    expect(option.stderr).toContain('hint: put the command after "--"');
  });
});
