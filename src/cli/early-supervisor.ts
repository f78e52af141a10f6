/**
 * `up -d` and `up --wait` spawn their background supervisor from the launcher (bin/devstack.js),
 * before the CLI has loaded its own modules: the supervisor's Node start then overlaps with the
 * CLI's argument parsing, command loading and config load instead of following them (measured:
 * spawned ~50 ms sooner, and the supervisor is what `up -d` waits for). This module needs only a
 * path search and the stack's runtime paths; the supervisor learns what to start with the config.
 * The CLI claims it (up.ts), or cancels it at exit when the arguments meant something else
 * (`--help`, a usage error); a CLI that dies first disconnects it, and it exits (supervise.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findConfigFile } from '../config/find-config.js';
import { stackPathsOfConfigFile } from '../control/runtime-dir.js';
import { setMainScript } from '../util/entry-point.js';
import { traceProcessStart } from '../util/trace.js';
import { spawnBackgroundSupervisor, type BackgroundSupervisor } from './background-supervisor.js';

let early: { readonly supervisor: BackgroundSupervisor; readonly stderrPath: string } | undefined;

/** The config path of `devstack [-c path] up … -d|--wait …`, or undefined for any other command. */
export function detachedUpOf(argv: readonly string[]): { readonly configPath: string | undefined } | undefined {
  let command: string | undefined;
  let configPath: string | undefined;
  let detached = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '-h' || arg === '--help' || arg === '-v' || arg === '--version') return undefined;
    if (arg === '-c' || arg === '--config') configPath = argv[++i];
    else if (arg.startsWith('--config=')) configPath = arg.slice('--config='.length);
    else if (arg === '-d' || arg === '--detach' || arg === '--wait') detached = true;
    else if (command === undefined && !arg.startsWith('-')) command = arg;
  }
  return command === 'up' && detached ? { configPath } : undefined;
}

/** Called by the launcher with the command line; does nothing unless it is a detached `up`. */
export function spawnEarlySupervisor(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const up = detachedUpOf(argv);
  if (up === undefined) return;
  traceProcessStart();
  // The background supervisor's entry sits beside this file, as it sits beside main.js.
  setMainScript(join(dirname(fileURLToPath(import.meta.url)), 'main.js'));
  try {
    const file = findConfigFile(up.configPath === undefined ? { cwd } : { cwd, configPath: up.configPath });
    const paths = stackPathsOfConfigFile(env, file);
    early = { supervisor: spawnBackgroundSupervisor({ cwd, env }, paths), stderrPath: paths.stderr };
  } catch {
    // no config, an unusable runtime folder…: the CLI finds the same problem and says it properly
  }
}

/** The early supervisor, if it was spawned for this stack (the same stderr file); else undefined. */
export function claimEarlySupervisor(stderrPath: string): BackgroundSupervisor | undefined {
  const claimed = early;
  early = undefined;
  if (claimed === undefined) return undefined;
  if (claimed.stderrPath === stderrPath) return claimed.supervisor;
  claimed.supervisor.cancel();
  return undefined;
}

/** At the CLI's exit: an early supervisor nobody claimed has started nothing, and goes. */
export function cancelEarlySupervisor(): void {
  early?.supervisor.cancel();
  early = undefined;
}
