// Bad input gets one clear line (plus a hint), exit code 1, and never a stack trace.
import { chmodSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, fixture, type TempProject } from '../helpers/project.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

const VALID = `export default { services: { postgres: { command: '${fixture('forever.js')}' }, api: { command: '${fixture('forever.js')}', dependsOn: ['postgres'] } } };`;

describe('user errors', () => {
  it.each([
    [
      'a config error',
      "export default { services: { api: { command: 'x', dependsOn: ['postgress'] }, postgres: { command: 'y' } } };",
      ['up'],
      'error: services.config.ts: services.api.dependsOn[0]: unknown service "postgress" — did you mean "postgres"?\nhint: known services: api, postgres\n',
    ],
    [
      'a TypeScript syntax error',
      'export default { services: { api: { command: "x" as number, } }\n',
      ['ps'],
      'error: services.config.ts: syntax error (line 2, column 1): Unexpected token, expected ","\nhint: fix the error in the config file and run again\n',
    ],
    [
      'an unknown service name',
      VALID,
      ['up', 'ap'],
      'error: unknown service "ap" — did you mean "api"?\nhint: services in services.config.ts: postgres, api\n',
    ],
    [
      'an unknown command',
      VALID,
      ['dwon'],
      'error: unknown command "dwon" — did you mean "down"?\nhint: run "devstack --help" for the list of commands\n',
    ],
    ['an unknown option', VALID, ['up', '--detatch'], 'error: Unknown option "--detatch"\nhint: run "devstack up --help"\n'],
    [
      'a bad line count',
      VALID,
      ['logs', '-n', 'ten'],
      'error: -n/--lines: expected a whole number of lines, got "ten"\nhint: pass e.g. -n 100\n',
    ],
    [
      'restart without a running stack',
      VALID,
      ['restart', 'api'],
      'error: no devstack supervisor is running for services.config.ts\nhint: start the stack with "devstack up"\n',
    ],
    [
      'a missing binary',
      "export default { services: { api: { command: 'no-such-binary --flag' } } };",
      ['up'],
      'error: service "api" failed to start: command not found: no-such-binary (is it installed and on PATH?)\n(service "api" printed nothing)\n',
    ],
    [
      'a missing working directory',
      "export default { services: { api: { command: 'node x.js', cwd: 'apps/nope' } } };",
      ['up'],
      'error: service "api" failed to start: working directory does not exist: <dir>/apps/nope\n(service "api" printed nothing)\n',
    ],
    [
      'a misspelt template in a health URL',
      "export default { services: { api: { command: 'x', port: 4000, health: 'http://127.0.0.1:${prot}/health' } } };",
      ['up'],
      'error: services.config.ts: services.api.health.http: ${prot} is not set (in devstack\'s environment or the .env files) — did you mean "${port}"?\nhint: use ${port} for the service\'s own port, or define prot in a .env file\n',
    ],
    [
      'an unknown profile',
      "export default { services: { api: { command: 'x' }, worker: { command: 'y', profiles: ['workers'] } } };",
      ['up', '--profile', 'worker'],
      'error: --profile worker: no service in services.config.ts has the profile "worker" — did you mean "workers"?\nhint: profiles in services.config.ts: workers\n',
    ],
    [
      'a profile in a config without profiles',
      "export default { services: { api: { command: 'x' } } };",
      ['up', '--profile', 'nope'],
      'error: --profile nope: no service in services.config.ts has the profile "nope"\nhint: add profiles: [...] to a service, or leave out --profile\n',
    ],
    [
      'a bad --timeout',
      VALID,
      ['up', '-d', '--timeout', 'soon'],
      'error: --timeout: expected a duration such as 90s or 5m, got "soon"\nhint: pass e.g. --timeout 2m\n',
    ],
  ])('%s', async (_name, config, args, expected) => {
    project = createTempProject(config);
    const result = await project.run(args);
    expect(result.code).toBe(1);
    expect(result.stderr.replaceAll(project.dir, '<dir>')).toBe(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('says early that a health check keeps getting the same answer, and how to accept it', async () => {
    const port = 40000 + Math.floor(Math.random() * 20000);
    project = createTempProject(
      `export default { services: { locked: { command: '${fixture('http-service.js')}', port: ${port}, env: { HEALTH_STATUS: 401 }, health: { http: 'http://127.0.0.1:${port}/health', readyTimeout: '8s' } } } };`,
    );
    const started = Date.now();
    const up = project.start(['up', '--wait']);
    await waitFor(() => up.output().includes('answered 401 every time'), 'the early warning', 7000);
    expect(Date.now() - started).toBeLessThan(7000); // before the 8 s timeout
    expect(up.output()).toMatch(
      new RegExp(
        `devstack \\| locked: GET http://127\\.0\\.0\\.1:${port}/health answered 401 every time for \\d s \\(if 401 means it is up, accept it: health: \\{ http: '…', expectStatus: \\['2xx', 401\\] \\}\\)`,
      ),
    );
    const result = await up.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^hint: if 401 means it is up, accept it/m);
  });

  it('warns once that a watched service restarts itself (nodemon through an npm script)', async () => {
    project = createTempProject(
      `export default { services: { api: { command: 'npm run dev', watch: true, health: { log: 'forever' } } } };`,
    );
    project.write(
      'package.json',
      JSON.stringify({ scripts: { dev: 'npm run start:dev', 'start:dev': `nodemon --help >/dev/null; ${fixture('forever.js')}` } }),
    );
    project.write('node_modules/.bin/nodemon', '#!/bin/sh\nexit 0\n');
    chmodSync(project.path('node_modules/.bin/nodemon'), 0o755);
    const up = await project.run(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout.match(/runs nodemon/g)).toHaveLength(1);
    expect(up.stdout).toContain(
      "devstack | api: its command runs nodemon, which restarts it on changes by itself; with devstack's watch too, each change restarts it twice (remove watch from services.api (devstack still restarts it after a crash), or run it without nodemon's own watching)",
    );
  });

  it('reports a logs folder that cannot be written', async () => {
    project = createTempProject(VALID);
    project.write('logs', 'a file where the logs folder should be');
    const result = await project.run(['up']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: cannot write to the logs folder logs (EEXIST)\nhint: make logs a writable folder, or set logsDir in the config to one\n',
    );
  });

  it('finds the config from a subfolder and honours -c', async () => {
    project = createTempProject(VALID);
    project.write('apps/api/.keep', '');
    project.write('other/alt.config.ts', `export default { services: { solo: { command: '${fixture('forever.js')}' } } };`);
    const fromSubfolder = await project.run(['ps'], {});
    expect(fromSubfolder.code).toBe(0);
    const alt = await project.run(['up', '-d', '-c', 'other/alt.config.ts']);
    expect(alt.code, alt.stderr).toBe(0);
    expect((await project.run(['ps', '--json', '-c', 'other/alt.config.ts'])).stdout).toContain('"name": "solo"');
    expect((await project.run(['down', '-c', 'other/alt.config.ts'])).stdout).toBe('devstack: stopped solo\n');
  });

  it('prints help for every command', async () => {
    project = createTempProject(VALID);
    for (const command of ['up', 'down', 'logs', 'ps', 'restart']) {
      const result = await project.run([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`$ devstack ${command}`);
    }
    expect((await project.run(['up', '--help'])).stdout).toContain('-d, --detach');
  });
});
