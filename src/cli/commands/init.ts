/**
 * `devstack init [--force] [--compose file] [--print]`: writes services.config.ts for the repository
 * in the working folder, from its workspaces and its Compose file, and says what it found. Never
 * overwrites a config without --force; what it writes is loaded and validated before it replaces
 * anything, so the file on disk is always one devstack accepts.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CONFIG_FILE_NAMES, loadConfig } from '../../config/load.js';
import { DevstackError, isDevstackError } from '../../errors.js';
import { planRepository } from '../../init/plan-repository.js';
import { renderConfig } from '../../init/render-config.js';
import type { CommandContext } from '../context.js';

export interface InitOptions {
  readonly force: boolean;
  readonly compose: string | undefined;
  /** Print the config instead of writing it. */
  readonly print: boolean;
}

export async function initCommand(context: CommandContext, options: InitOptions): Promise<number> {
  const root = context.cwd;
  const existing = CONFIG_FILE_NAMES.find((name) => existsSync(join(root, name)));
  if (existing !== undefined && !options.force && !options.print) {
    throw new DevstackError('USAGE', `${existing} already exists; devstack init does not overwrite it`, {
      hint: 'pass --force to replace it, or --print to see what init would write',
    });
  }
  if (options.compose !== undefined && !existsSync(join(root, options.compose))) {
    throw new DevstackError('USAGE', `--compose: ${options.compose} not found`, {
      hint: 'give the path of a Compose file, relative to here',
    });
  }
  const plan = planRepository({ root, env: context.env, composeFile: options.compose });
  if (plan.services.length + plan.databases.length + plan.containers.length === 0) {
    throw new DevstackError(
      'USAGE',
      'devstack init found nothing to run here: no package with a dev or start script, and no Compose file',
      {
        hint: 'run it at the root of the repository (where package.json or docker-compose.yml is)',
      },
    );
  }
  const text = renderConfig(plan, [
    'Written by `devstack init`. The comment after a value says where it came from; "guess:" marks',
    'what to check. Then: npx devstack up  (reference: the README of devstack, "Config reference")',
  ]);
  if (options.print) {
    context.terminal.out(text.trimEnd());
    return 0;
  }

  // Loaded and validated under a temporary name first: a config devstack rejects never lands.
  const target = join(root, 'services.config.ts');
  const draft = join(root, `.services.config.init-${process.pid}.ts`);
  writeFileSync(draft, text);
  try {
    await loadConfig({ cwd: root, configPath: draft });
  } catch (error) {
    rmSync(draft, { force: true });
    if (!isDevstackError(error)) throw error;
    throw new DevstackError(
      'CONFIG_INVALID',
      `devstack init wrote a config devstack rejects: ${error.message.split(draft).join('services.config.ts').split(basename(draft)).join('services.config.ts')}`,
      {
        hint: 'this is a bug in devstack init; "devstack init --print" shows what it would write',
      },
    );
  }
  if (existing !== undefined && existing !== 'services.config.ts') rmSync(join(root, existing));
  renameSync(draft, target);

  const counts = [
    `${plan.services.length} service${plan.services.length === 1 ? '' : 's'}`,
    ...(plan.databases.length > 0 ? [`${plan.databases.length} database${plan.databases.length === 1 ? '' : 's'}`] : []),
    ...(plan.containers.length > 0 ? [`${plan.containers.length} container${plan.containers.length === 1 ? '' : 's'}`] : []),
  ];
  const lines = [`devstack: wrote services.config.ts: ${counts.join(', ')}`, ...plan.report.map((line) => `  ${line}`)];
  lines.push('next: check the values marked "guess:" in services.config.ts, then run: npx devstack up');
  context.terminal.out(lines.join('\n'));
  return 0;
}
