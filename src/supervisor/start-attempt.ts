/**
 * The steps of one start that do not touch the runner's state: work out how to launch the
 * service (its environment, a database's storage and server command, the expanded probe), spawn
 * it, and wait until it is ready. Each returns a value; the runner decides what it means.
 */
import type { ResolvedProbe, ResolvedService } from '../config/resolved.js';
import { mainPort } from '../config/templates.js';
import { describeEnvFileProblem } from '../env/env-file.js';
import { expandProbe, resolveServiceEnv, type ServiceEnvInput } from '../env/service-env.js';
import { waitHealthy, type HealthOutcome } from '../health/wait-healthy.js';
import { stopProcessTree } from '../process/kill.js';
import { removeServicePidFile, writeServicePidFile } from '../process/pid-file.js';
import { settle } from '../util/settle.js';
import { formatMs } from '../util/duration.js';
import { unreachable } from '../util/unreachable.js';
import { ownStartTime, shellHasStarted } from '../process/proc-table.js';
import { markerEntries, markerEnv } from '../process/run-marker.js';
import { spawnProcess, type OutputStream } from '../process/spawn.js';
import { err, ok, type Result } from '../util/result.js';
import type { CommandLine } from '../util/shell-words.js';
import { sleep } from '../util/sleep.js';
import type { Launch, ServiceLifecycle } from './lifecycle.js';
import type { OutputTap } from './output-tap.js';
import type { RunnerContext } from './runner-context.js';
import type { Failure, Run } from './runner-state.js';

export interface LaunchPlan {
  readonly command: CommandLine;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly runAs: Launch['runAs'];
  readonly probe: ResolvedProbe | undefined;
}

type StartProblem = Omit<Failure, 'at'>;

export async function prepareLaunch(
  service: ResolvedService,
  context: RunnerContext,
  lifecycle: ServiceLifecycle | undefined,
  log: (lines: readonly string[]) => void,
): Promise<Result<LaunchPlan, StartProblem>> {
  const { processEnv, root, mode, services, ports, runId, project } = context;
  const envInput: ServiceEnvInput = {
    processEnv,
    root,
    mode,
    service,
    services,
    ports,
    injected: markerEnv({ runId, service: service.name, project }),
  };
  const resolved = resolveServiceEnv(envInput);
  // Checked before `up` starts anything; this catches a .env file broken before a restart.
  if (!resolved.ok) return err({ reason: 'spawn-failed', ...describeEnvFileProblem(resolved.error, root) });
  let env = resolved.value.env;
  let launch: Launch = { command: service.command, runAs: undefined, env: {} };
  const own = ports.get(service.name);
  // A database's or container's command is a placeholder until its lifecycle says how to run it.
  if (lifecycle === undefined && (service.database !== undefined || service.container !== undefined)) {
    return err({ reason: 'spawn-failed', message: 'internal: no way to run it was planned (please report this)' });
  }
  if (lifecycle !== undefined && own !== undefined) {
    const prepared = await lifecycle.beforeSpawn({ ports: own, env, log });
    if (!prepared.ok) return err({ reason: 'spawn-failed', ...prepared.error });
    launch = prepared.value;
    env = { ...env, ...launch.env };
  }
  const probe = service.health === undefined ? undefined : expandProbe(service.health, envInput, env).probe;
  return ok({ command: launch.command, cwd: launch.cwd ?? service.cwd, env, runAs: launch.runAs, probe });
}

export async function spawnRun(
  plan: LaunchPlan,
  service: ResolvedService,
  context: RunnerContext,
  onLines: (stream: OutputStream, lines: string[], plain: boolean) => Promise<void> | undefined,
): Promise<Result<Run, StartProblem>> {
  const spawned = await spawnProcess({
    command: plan.command,
    cwd: plan.cwd,
    env: plan.env,
    uid: plan.runAs?.uid,
    gid: plan.runAs?.gid,
    onLines,
  });
  if (!spawned.ok) {
    const reason = spawned.error.reason === 'command-not-found' ? 'command-not-found' : 'spawn-failed';
    return err({ reason, message: spawned.error.message });
  }
  const process = spawned.value;
  return ok({
    process,
    ref: {
      pid: process.pid,
      pgid: process.pgid,
      startTime: process.startTime,
      markerEntries: markerEntries({ runId: context.runId, service: service.name }),
      // The run id was made in this process: nothing carrying it can be older than this process.
      markedSince: ownStartTime(),
    },
    spawnedAt: context.clock.now(),
    abort: new AbortController(),
  });
}

/** A shell leader gets this long to exec or fork its command before it counts as started anyway. */
const SHELL_START_MAX_MS = 1000;

export interface ReadinessInput {
  readonly run: Run;
  readonly plan: LaunchPlan;
  readonly service: ResolvedService;
  readonly context: RunnerContext;
  readonly lifecycle: ServiceLifecycle | undefined;
  readonly tap: OutputTap;
  readonly log: (lines: readonly string[]) => void;
  /** False once the run was stopped or exited: then nothing more is done for it. */
  readonly isCurrent: () => boolean;
  readonly onStuck: (message: string, hint: string | undefined) => void;
}

/**
 * Ready means usable: the probe answers, and then what the lifecycle provisions (a database's
 * databases and init scripts) is done. Aborted runs come back as ok too; the caller checks
 * `isCurrent` and ignores them.
 */
export async function becomeReady(input: ReadinessInput): Promise<Result<undefined, StartProblem>> {
  const outcome = await waitUntilReady(input);
  switch (outcome.type) {
    case 'ready': {
      const ports = input.context.ports.get(input.service.name);
      if (input.lifecycle === undefined || ports === undefined || !input.isCurrent()) return ok(undefined);
      const provisioned = await input.lifecycle.afterReady({ ports, env: input.plan.env, log: input.log });
      return provisioned.ok ? ok(undefined) : err({ reason: 'init-failed', ...provisioned.error });
    }
    case 'timeout':
      return err({
        reason: 'health-timeout',
        message: `not ready after ${formatMs(outcome.elapsedMs)}: ${outcome.lastFailure}`,
        hint: outcome.hint,
      });
    case 'aborted':
      return ok(undefined);
    default:
      return unreachable(outcome);
  }
}

/**
 * Ready by the service's probe. Without one, a service is ready once spawned; but a command run
 * through `/bin/sh -c` is only really started once the shell has exec'd or forked it (until then
 * it may still exit 127, "not found", and that is a failed start, not a crash).
 */
async function waitUntilReady({ run, plan, service, context, tap, onStuck }: ReadinessInput): Promise<HealthOutcome> {
  const now = (): number => context.clock.now();
  if (plan.probe === undefined) {
    if (service.command.type === 'shell') {
      const deadline = now() + SHELL_START_MAX_MS;
      while (!shellHasStarted(run.process.pid) && now() < deadline && !run.abort.signal.aborted) await sleep(5, run.abort.signal);
    }
    return run.abort.signal.aborted ? { type: 'aborted' } : { type: 'ready', elapsedMs: now() - run.spawnedAt };
  }
  return waitHealthy({
    probe: plan.probe,
    context: { cwd: service.cwd, env: plan.env },
    signal: run.abort.signal,
    spawnedAt: run.spawnedAt,
    now,
    subscribeLines: (listener) => tap.subscribe(listener), // replays this run's lines first
    onStuck,
  });
}

/** The run's PID file, for `down` after a supervisor crash; a failure to write it is reported, not fatal. */
export function recordRun(run: Run, service: string, context: RunnerContext): void {
  const { pid, pgid, startTime } = run.process;
  try {
    const startedAt = new Date(run.spawnedAt).toISOString();
    writeServicePidFile(context.logsDir, {
      service,
      pid,
      pgid,
      startTime,
      runId: context.runId,
      startedAt,
      port: mainPort(context.ports.get(service)),
    });
  } catch (error) {
    // The process runs and is tracked in memory; only recovery after a supervisor crash loses
    // this service's file (the marker sweep of `down` still finds it).
    void context.emit({ type: 'pid-file-failed', service, message: (error as Error).message });
  }
}

/** Stops everything of a run: its tree with the service's stop signal and timeout, then what its lifecycle adds. */
export async function sweepRun(
  run: Run,
  service: ResolvedService,
  context: RunnerContext,
  lifecycle: ServiceLifecycle | undefined,
): Promise<void> {
  const { stopSignal: signal, stopTimeoutMs: timeoutMs, name } = service;
  const outcome = await stopProcessTree(run.ref, { signal, timeoutMs, snapshot: context.processes });
  if (outcome.escalated) void context.emit({ type: 'stop-escalated', service: name, signal, timeoutMs });
  if (outcome.survivors.length > 0) void context.emit({ type: 'stop-incomplete', service: name, survivors: outcome.survivors });
  await settle(run.process.exited, 1000);
  await settle(run.process.outputDone, 1000);
  await lifecycle?.afterStop();
  removeServicePidFile(context.logsDir, name);
}
