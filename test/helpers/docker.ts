/** Docker engine helpers for the tests that run stacks on it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const run = promisify(execFile);

/** The image the container tests run Node in, built by scripts/build-test-images.sh from Node's own binary. */
export const NODE_IMAGE = 'devstack-test/echo:1';

/** What docker-compose down does, by the project's labels (the file may be gone). */
export async function removeComposeProject(name: string): Promise<void> {
  const label = `label=com.docker.compose.project=${name}`;
  const containers = (await run('docker', ['ps', '-aq', '--filter', label])).stdout.trim().split('\n').filter(Boolean);
  if (containers.length > 0) await run('docker', ['rm', '-f', '-v', ...containers]);
  for (const kind of ['network', 'volume'] as const) {
    const ids = (await run('docker', [kind, 'ls', '-q', '--filter', label])).stdout.trim().split('\n').filter(Boolean);
    if (ids.length > 0) await run('docker', [kind, 'rm', ...ids]).catch(() => undefined);
  }
}
