/**
 * A container service (`containers.<name>`): any image, run like a database container — `docker run
 * --rm` in the foreground is the supervised process, ports published on 127.0.0.1 only, labelled
 * with the project so `down` removes it after a supervisor crash. The containers of one stack
 * share a network (`devstack-<project>`) on which each is reachable by its name. Its environment
 * is only what the config gives it (devstack's own environment stays out), passed as `--env NAME`
 * so no value shows in a `ps`. Volumes are folders under .devstack/data/<name>.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import type { ResolvedService } from '../config/resolved.js';
import type { ServiceLifecycle } from '../supervisor/lifecycle.js';
import { err, ok, type Result } from '../util/result.js';
import { containerRunArgs, ensureImage, removeContainer } from './container.js';
import { findContainerRuntime, type ContainerRuntime } from './container-runtime.js';
import { runCommand } from './run-command.js';
import { PROJECT_LABEL } from './container.js';

export interface ContainerPlan {
  readonly runtime: ContainerRuntime;
  readonly image: string;
}

const BUILD_TIMEOUT_MS = 15 * 60_000;

/** The engine and the image (present, pulled, or built from `build` now): checked before anything starts. */
export async function planContainer(
  service: ResolvedService,
  pathVariable: string | undefined,
): Promise<Result<ContainerPlan, { tried: string[]; hint: string }>> {
  const container = service.container!;
  const runtime = await findContainerRuntime(pathVariable);
  if (!runtime.ok) return err({ tried: [runtime.error], hint: 'start a docker or podman engine' });
  const present = await runCommand(runtime.value.program, ['image', 'inspect', '--format', '{{.Id}}', container.image], {
    timeoutMs: 30_000,
  });
  if (!present.ok && container.build !== undefined) {
    const built = await runCommand(runtime.value.program, ['build', '--tag', container.image, container.build], {
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    if (!built.ok)
      return err({
        tried: [`building ${container.image} from ${container.build} failed: ${built.problem}`],
        hint: 'fix the Dockerfile, or build the image yourself',
      });
    return ok({ runtime: runtime.value, image: container.image });
  }
  if (!present.ok) {
    const image = await ensureImage(runtime.value, container.image);
    if (!image.ok) return err({ tried: [image.error.message], hint: image.error.hint ?? `make the image ${container.image} available` });
  }
  return ok({ runtime: runtime.value, image: container.image });
}

/** The project's network, created when missing (labelled, so it is recognisably devstack's). */
async function ensureNetwork(runtime: ContainerRuntime, name: string, projectId: string): Promise<void> {
  if ((await runCommand(runtime.program, ['network', 'inspect', name], { timeoutMs: 30_000 })).ok) return;
  // Two containers of the stack may race to create it: the loser's "already exists" is fine.
  await runCommand(runtime.program, ['network', 'create', '--label', `${PROJECT_LABEL}=${projectId}`, name], { timeoutMs: 30_000 });
}

export function projectNetwork(projectId: string): string {
  return `devstack-${projectId}`;
}

export function containerServiceLifecycle(service: ResolvedService, plan: ContainerPlan): ServiceLifecycle {
  const container = service.container!;
  const network = projectNetwork(container.projectId);
  return {
    description: `container ${plan.image} (${plan.runtime.name})`,
    async beforeSpawn({ ports, env }) {
      await removeContainer(plan.runtime, container.containerName, 5); // left by a run whose supervisor was killed
      await ensureNetwork(plan.runtime, network, container.projectId);
      const volumeArgs: string[] = [];
      for (const volume of container.volumes) {
        // Writable for the image's user, whatever its uid (bitnami images run as 1001, others as
        // 999…): a bind mount keeps the host folder's owner. It lives inside the project's
        // .devstack/data, which the project's own permissions guard.
        if (!existsSync(volume.host)) {
          mkdirSync(volume.host, { recursive: true });
          chmodSync(volume.host, 0o777);
        }
        volumeArgs.push('--volume', `${volume.host}:${volume.path}`);
      }
      // Only the configured variables, with their templates resolved; values travel in the client's environment.
      const values = Object.fromEntries(Object.keys(service.env).map((key) => [key, env[key] ?? '']));
      const args = containerRunArgs({
        name: service.name,
        containerName: container.containerName,
        projectId: container.projectId,
        volumeName: undefined,
        image: plan.image,
        ports,
        specs: service.ports,
        contract: {
          args: [
            '--network',
            network,
            '--network-alias',
            service.name,
            ...volumeArgs,
            ...Object.keys(values).flatMap((key) => ['--env', key]),
          ],
          command: container.command ?? [],
          env: values,
          dataPath: '',
          mounts: [],
        },
      });
      return ok({ command: { type: 'argv', file: plan.runtime.program, args }, runAs: undefined, env: values });
    },
    afterReady: async () => ok(undefined),
    async afterStop() {
      await removeContainer(plan.runtime, container.containerName, Math.ceil(service.stopTimeoutMs / 1000));
    },
  };
}
