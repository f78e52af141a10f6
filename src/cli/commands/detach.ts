/**
 * `up -d` / `up --wait`: the supervisor runs as a detached process (its own session, so closing
 * this terminal does not touch it) and reports over an IPC channel until startup is decided;
 * then this process exits and the supervisor carries on alone.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLogsDir } from '../../app/state-dir.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import { DevstackError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { startupFailureError } from '../render/error.js';
import { createEventRenderer } from '../render/supervisor-events.js';
import type { ConfigMessage, SuperviseOptions, SupervisorMessage } from './supervise.js';
import { serializeConfig } from '../../config/serialize.js';
import type { UpOptions } from './up.js';
import { SUPERVISE_COMMAND } from '../supervise-command.js';

export function startDetached(context: CommandContext, config: ResolvedConfig, options: UpOptions): Promise<number> {
  ensureLogsDir(config.logsDir, relative(context.cwd, config.logsDir) || '.');
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  // The supervisor's own stderr (an internal error's stack, say) goes to a file, not to a terminal it outlives.
  const stderr = openSync(join(config.logsDir, 'devstack.stderr.log'), 'a');
  const supervise: SuperviseOptions = { services: options.services, profiles: options.profiles, mode: options.mode, stream: options.wait };
  const child = spawn(process.execPath, [main, SUPERVISE_COMMAND, JSON.stringify(supervise)], {
    cwd: context.cwd,
    env: context.env,
    detached: true,
    stdio: ['ignore', 'ignore', stderr, 'ipc'],
  });
  closeSync(stderr);
  const { terminal } = context;
  const render = createEventRenderer(terminal, { names: config.services.map((service) => service.name), showOutput: options.wait });

  return new Promise((resolve, reject) => {
    let decided = false;
    const decide = (action: () => void): void => {
      if (decided) return;
      decided = true;
      child.removeAllListeners();
      child.disconnect?.();
      child.unref();
      action();
    };
    child.on('message', (message: SupervisorMessage) => {
      switch (message.type) {
        case 'want-config':
          child.send({ type: 'config', config: serializeConfig(config) } satisfies ConfigMessage);
          return;
        case 'event':
          render(message.event);
          return;
        case 'started':
          return decide(() => {
            if (message.outcome.type === 'ready') {
              terminal.out(
                `devstack: ${message.outcome.services.length} service(s) ready (supervisor pid ${child.pid}); logs: devstack logs -f; stop: devstack down`,
              );
              resolve(0);
            } else if (message.outcome.type === 'failed') {
              reject(startupFailureError(message.outcome.failure));
            } else {
              reject(new DevstackError('STARTUP_FAILED', 'startup was interrupted (devstack down?)'));
            }
          });
        case 'error':
          return decide(() =>
            reject(new DevstackError(message.code, message.message, message.hint === undefined ? {} : { hint: message.hint })),
          );
      }
    });
    child.on('exit', (code) =>
      decide(() =>
        reject(
          new DevstackError('STARTUP_FAILED', `the background supervisor exited (code ${code ?? 'unknown'}) before startup finished`, {
            hint: `see ${relative(context.cwd, join(config.logsDir, 'devstack.stderr.log'))}`,
          }),
        ),
      ),
    );
  });
}
