/** The container engine for the last-resort mode: docker or podman, whichever answers. */
import { err, ok } from '../util/result.js';
import type { Found } from './engine.js';
import { findOnPath } from './find-program.js';
import { runCommand } from './run-command.js';

export interface ContainerRuntime {
  /** Absolute path of `docker` or `podman`. */
  readonly program: string;
  readonly name: 'docker' | 'podman';
}

let runtimeCache: Promise<Found<ContainerRuntime>> | undefined;

/** The first of docker and podman whose engine answers (a client alone is not enough). */
export function findContainerRuntime(pathVariable: string | undefined): Promise<Found<ContainerRuntime>> {
  runtimeCache ??= (async () => {
    const problems: string[] = [];
    for (const name of ['docker', 'podman'] as const) {
      const program = findOnPath(name, pathVariable);
      if (program === undefined) {
        problems.push(`no ${name}`);
        continue;
      }
      const info = await runCommand(program, ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 10_000 });
      if (info.ok) return ok({ program, name });
      problems.push(`${name} is installed but its engine does not answer (${info.problem})`);
    }
    return err(`container: ${problems.join(', ')}`);
  })();
  return runtimeCache;
}
