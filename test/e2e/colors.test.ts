// Prefixes are coloured on a terminal and plain with --no-color (and whenever output is not a TTY).
import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, createTempProject, fixture, type TempProject } from '../helpers/project.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** Runs the CLI under a pseudo-terminal (util-linux `script`), so stdout is a TTY. */
function inTerminal(dir: string, args: string): Promise<string> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.NO_COLOR;
    delete env.FORCE_COLOR;
    execFile('script', ['-qec', `${process.execPath} ${BIN} ${args}`, '/dev/null'], { cwd: dir, env }, (_error, stdout) => resolve(stdout));
  });
}

const ESC = '\u001b[';

describe('colours', () => {
  it('colours each service prefix on a terminal, and not with --no-color or without a TTY', async () => {
    project = createTempProject(
      `export default { services: { api: { command: '${fixture('forever.js')} api', health: { log: 'forever' } } } };`,
    );
    const coloured = await inTerminal(project.dir, 'up --wait');
    expect(coloured).toContain(`${ESC}36mapi      |${ESC}39m forever pid=`); // first service: cyan
    expect(coloured).toContain(`${ESC}32mapi ready in`);
    await project.run(['down']);

    const plain = await inTerminal(project.dir, 'up --wait --no-color');
    expect(plain).toContain('api      | forever pid=');
    expect(plain).not.toContain(ESC);
    await project.run(['down']);

    const piped = await project.run(['up', '--wait'], { env: { NO_COLOR: '' } });
    expect(piped.stdout).toContain('api      | forever pid=');
    expect(piped.stdout).not.toContain(ESC);
  });
});
