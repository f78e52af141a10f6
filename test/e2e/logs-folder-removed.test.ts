// Regression: a PID file write that failed (its folder gone) threw out of the service runner and
// crashed the supervisor, orphaning every service. It is now reported, and the stack carries on.
import { rmSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { createTempProject, fixture, type TempProject } from '../helpers/project.js';
import { isAlive } from '../helpers/processes.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

it('keeps supervising when the logs folder is deleted under a running stack', async () => {
  project = createTempProject(`export default { services: { api: { command: '${fixture('forever.js')}' } } };`);
  expect((await project.run(['up', '-d'])).code).toBe(0);
  rmSync(project.path('logs'), { recursive: true, force: true });
  const restart = await project.run(['restart', 'api']);
  expect(restart.code, restart.stderr).toBe(0);
  const [row] = JSON.parse((await project.run(['ps', '--json'])).stdout) as { pid: number; state: string }[];
  expect(row!.state).toBe('ready');
  const down = await project.run(['down']);
  expect(down.stdout).toBe('devstack: stopped api\n');
  expect(isAlive(row!.pid)).toBe(false);
});
