/**
 * The example stack has fixed ports (8080, 4000–4100) and one config in the repository: two test
 * files running it at once (vitest runs files in two workers) would meet each other's ports and
 * processes. They take turns through this lock: a folder made atomically, holding the holder's pid
 * so a lock left by a killed test run is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK = join(tmpdir(), 'devstack-tests-example-stack.lock');

function holderAlive(): boolean {
  try {
    process.kill(Number(readFileSync(join(LOCK, 'pid'), 'utf8')), 0);
    return true;
  } catch {
    return false; // no pid file yet, or its process is gone
  }
}

export async function withExampleStack<T>(run: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`the example stack's lock ${LOCK} was held for 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      // A holder that died without releasing (a killed run); checked after a wait, as the pid is written just after the folder.
      if (!holderAlive()) rmSync(LOCK, { recursive: true, force: true });
    }
  }
  try {
    return await run();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
