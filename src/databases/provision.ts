/**
 * After a database answers: create the configured databases that are missing (every start, so a
 * name added to the config appears at the next `up`), then, on storage that has not been through
 * them, run the init scripts once, in name order — the engine's own kind (`.sql`, `.js`) through
 * the engine, `.sh` and executables as commands with the database's URL and client variables. A
 * failing script fails `up` with its name and the database's own error message.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { ok, problem } from '../util/result.js';
import type { Engine, ProvisionInput, Step } from './engine.js';
import { engineOf } from './engines/index.js';
import { runCommand } from './run-command.js';
import { readStorageState, writeStorageState } from './storage-state.js';

export async function provision(input: ProvisionInput): Promise<Step> {
  const { database } = input;
  const engine = engineOf(database.engine);
  if (database.databases.length > 0 && engine.createDatabases !== undefined) {
    const created = await engine.createDatabases(input);
    if (!created.ok) return created;
  }
  const state = readStorageState(database.dataDir);
  if (database.init === undefined || state?.initialized !== false) return ok(undefined);
  // The image ran them itself on its first start (they are mounted where its contract says).
  const outcome = input.mode === 'container' && engine.imageRunsInit === true ? ok(undefined) : await runInitScripts(input, engine);
  if (outcome.ok) writeStorageState(database.dataDir, { ...state, initialized: true });
  return outcome;
}

/** The init folder's files in name order (or the one init file). */
export function initScripts(init: string): string[] | undefined {
  if (!existsSync(init)) return undefined;
  if (!statSync(init).isDirectory()) return [init];
  return readdirSync(init)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => join(init, name))
    .filter((path) => statSync(path).isFile());
}

async function runInitScripts(input: ProvisionInput, engine: Engine): Promise<Step> {
  const { database, root, log } = input;
  const scripts = initScripts(database.init!);
  if (scripts === undefined) {
    return problem(
      `init: ${relative(root, database.init!)} does not exist`,
      'create the folder of init scripts, or remove init from the database',
    );
  }
  for (const script of scripts) {
    const name = relative(root, script);
    const extension = extname(script);
    const ownKind = engine.initScriptKinds.includes(extension) && engine.runInitScript !== undefined;
    const kind = ownKind ? 'own' : extension === '.sh' ? 'sh' : (statSync(script).mode & 0o111) !== 0 ? 'executable' : 'ignored';
    if (kind === 'ignored') {
      const own = engine.initScriptKinds.join(', ');
      log([`devstack: init: ignoring ${name} (not ${own === '' ? '' : `${own}, `}.sh or executable)`]);
      continue;
    }
    log([`devstack: init: running ${name}`]);
    const outcome = kind === 'own' ? await engine.runInitScript!(input, script) : await runInitCommand(input, engine, script, kind);
    if (!outcome.ok) {
      return problem(
        `init script ${name} failed: ${outcome.error.message}`,
        'fix the script; the database is created afresh and init runs again at the next up',
      );
    }
  }
  return ok(undefined);
}

async function runInitCommand(
  { database, ports, env, log }: ProvisionInput,
  engine: Engine,
  script: string,
  kind: 'sh' | 'executable',
): Promise<Step> {
  const port = ports.values().next().value!;
  const url = engine.url(database, port);
  const variables: Record<string, string> = { ...env, ...engine.clientEnv(database, port) };
  for (const name of engine.urlVariables) variables[name] = url;
  const [file, args] = kind === 'sh' ? ['/bin/sh', [script]] : [script, []];
  const result = await runCommand(file, args, { env: variables, timeoutMs: 10 * 60_000, cwd: dirname(script) });
  log(
    [...result.stdout.split('\n'), ...result.stderr.split('\n')]
      .filter((line) => line.trim() !== '')
      .map((line) => `${basename(script)}: ${line}`),
  );
  return result.ok ? ok(undefined) : problem(result.problem);
}
