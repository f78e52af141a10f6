/**
 * The container fallback, for databases and container services: docker or podman (same CLI), a named volume that
 * keeps the data across `down`/`up`, the port published on 127.0.0.1 only. The container runs
 * attached (`docker run` in the foreground), so the supervisor treats the client as the service's
 * process: its output is the database's log and signals reach the database (the client proxies
 * them). A client killed with SIGKILL cannot proxy: the container is then removed by name.
 */
import type { ResolvedDatabase, ResolvedPort } from '../config/resolved.js';
import { LOCAL_HOST } from '../util/local-host.js';
import type { ContainerContract, PortNumbers } from './engine.js';
import type { ContainerRuntime } from './container-runtime.js';
import { ok, problem, type Problem, type Result } from '../util/result.js';
import { runCommand } from './run-command.js';

export const PROJECT_LABEL = 'devstack.project';
const SERVICE_LABEL = 'devstack.service';
const PULL_TIMEOUT_MS = 10 * 60_000;

export interface RunArgsInput {
  readonly name: string;
  readonly containerName: string;
  readonly projectId: string;
  readonly volumeName: string | undefined;
  readonly image: string;
  /** Host port for each named port; published on 127.0.0.1 only. */
  readonly ports: PortNumbers;
  /** The declared ports, for their container-side numbers (0: not published). */
  readonly specs: readonly ResolvedPort[];
  readonly contract: ContainerContract;
}

/** `docker run --rm` in the foreground: the client is the supervised process, its output the container's. */
export function containerRunArgs(input: RunArgsInput): string[] {
  const args = [
    'run',
    '--rm',
    '--name',
    input.containerName,
    '--label',
    `${PROJECT_LABEL}=${input.projectId}`,
    '--label',
    `${SERVICE_LABEL}=${input.name}`,
  ];
  for (const spec of input.specs) {
    const host = input.ports.get(spec.name);
    if (host !== undefined && spec.container !== undefined && spec.container !== 0)
      args.push('--publish', `${LOCAL_HOST}:${host}:${spec.container}`);
  }
  if (input.volumeName !== undefined) args.push('--volume', `${input.volumeName}:${input.contract.dataPath}`);
  for (const mount of input.contract.mounts) args.push('--volume', `${mount.host}:${mount.container}:ro`);
  args.push(...input.contract.args, input.image, ...input.contract.command);
  return args;
}

export type Ensured = Result<{ readonly created: boolean }, Problem>;

/** The image, present or pulled now (at plan time, before anything starts). */
export async function ensureImage(runtime: ContainerRuntime, image: string): Promise<Ensured> {
  const present = await runCommand(runtime.program, ['image', 'inspect', '--format', '{{.Id}}', image], { timeoutMs: 30_000 });
  if (present.ok) return ok({ created: false });
  const pull = await runCommand(runtime.program, ['pull', image], { timeoutMs: PULL_TIMEOUT_MS });
  if (pull.ok) return ok({ created: true });
  return problem(
    `cannot get the image ${image} (${runtime.name} pull: ${pull.problem})`,
    `make the image available (${runtime.name} pull, load or import it), or set image: to one that is`,
  );
}

/** Creates the volume when missing (or afresh, after a failed init); `created` says whether it is new. */
export async function ensureVolume(
  runtime: ContainerRuntime,
  database: ResolvedDatabase,
  recreate: boolean,
  log: (lines: readonly string[]) => void,
): Promise<Ensured> {
  const exists = (await runCommand(runtime.program, ['volume', 'inspect', database.volumeName], { timeoutMs: 30_000 })).ok;
  if (exists && !recreate) return ok({ created: false });
  if (exists) {
    log([`devstack: the init scripts failed last time: removing volume ${database.volumeName}`]);
    const removed = await runCommand(runtime.program, ['volume', 'rm', '--force', database.volumeName], { timeoutMs: 30_000 });
    if (!removed.ok) return problem(`cannot remove volume ${database.volumeName}: ${removed.problem}`);
  }
  const created = await runCommand(
    runtime.program,
    ['volume', 'create', '--label', `${PROJECT_LABEL}=${database.projectId}`, database.volumeName],
    { timeoutMs: 30_000 },
  );
  if (!created.ok) return problem(`cannot create volume ${database.volumeName}: ${created.problem}`);
  log([`devstack: created volume ${database.volumeName}`]);
  return ok({ created: true });
}

/** Stops (gracefully: the image's stop signal, then SIGKILL after `graceSeconds`) and removes it. */
export async function removeContainer(runtime: ContainerRuntime, name: string, graceSeconds = 30): Promise<void> {
  await runCommand(runtime.program, ['stop', '--time', String(graceSeconds), name], { timeoutMs: (graceSeconds + 30) * 1000 });
  await runCommand(runtime.program, ['rm', '--force', name], { timeoutMs: 60_000 });
}

/** Every container of this project, running or not (for `down` after the supervisor was killed). */
export async function removeProjectContainers(runtime: ContainerRuntime, projectId: string): Promise<number> {
  const listed = await runCommand(runtime.program, ['ps', '--all', '--quiet', '--filter', `label=${PROJECT_LABEL}=${projectId}`], {
    timeoutMs: 30_000,
  });
  const ids = listed.ok ? listed.stdout.split('\n').filter((id) => id.trim() !== '') : [];
  await Promise.all(ids.map((id) => removeContainer(runtime, id)));
  // The stack's network goes with its last container (it is recreated at the next up).
  const networks = await runCommand(runtime.program, ['network', 'ls', '--quiet', '--filter', `label=${PROJECT_LABEL}=${projectId}`], {
    timeoutMs: 30_000,
  });
  for (const id of networks.ok ? networks.stdout.split('\n').filter((line) => line.trim() !== '') : []) {
    await runCommand(runtime.program, ['network', 'rm', id], { timeoutMs: 30_000 });
  }
  return ids.length;
}

export async function removeVolume(runtime: ContainerRuntime, volume: string): Promise<boolean> {
  const exists = (await runCommand(runtime.program, ['volume', 'inspect', volume], { timeoutMs: 30_000 })).ok;
  if (!exists) return false;
  const removed = await runCommand(runtime.program, ['volume', 'rm', '--force', volume], { timeoutMs: 60_000 });
  return removed.ok;
}
