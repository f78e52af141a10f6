/** How failures read on the terminal: `error: …`, `hint: …`, then any detail lines. */
import { fileURLToPath } from 'node:url';
import type { ChalkInstance } from 'chalk';
import { DevstackError } from '../../errors.js';
import type { StartFailure } from '../../supervisor/events.js';
import { maskUrlsIn } from '../../util/secrets.js';

export function formatError(error: DevstackError, colors: ChalkInstance): string {
  // A URL in a message may carry a password or a token (a health URL, a database URL).
  const lines = [`${colors.red.bold('error:')} ${maskUrlsIn(error.message)}`];
  if (error.details.hint !== undefined) lines.push(`${colors.yellow('hint:')} ${error.details.hint}`);
  for (const line of error.details.body ?? []) lines.push(line);
  return lines.join('\n');
}

/** A service that failed to start, as the one error the CLI prints: reason, then its last log lines. */
export function startupFailureError(failure: StartFailure): DevstackError {
  const body =
    failure.logTail.length === 0
      ? [`(service "${failure.service}" printed nothing)`]
      : [
          `last ${failure.logTail.length === 1 ? 'log line' : `${failure.logTail.length} log lines`} of "${failure.service}":`,
          ...failure.logTail.map((line) => `  ${line}`),
        ];
  const details = failure.hint === undefined ? { service: failure.service, body } : { service: failure.service, body, hint: failure.hint };
  return new DevstackError('STARTUP_FAILED', `service "${failure.service}" failed to start: ${failure.message}`, details);
}

/**
 * A file of devstack's own build that is not there (deleted, or a build cut short) when the CLI
 * loads it lazily: the user's install is broken, not devstack's logic, so it reads as one line with
 * what to do instead of a bug report. `distDir` is the build's folder (bin/devstack.js says the same
 * of a missing main.js, which it loads before this module exists).
 */
export function incompleteBuildError(error: unknown, distDir: string): DevstackError | undefined {
  const { code, url } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; url?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' || typeof url !== 'string' || !url.startsWith('file:')) return undefined;
  const missing = fileURLToPath(url);
  if (!missing.startsWith(distDir)) return undefined;
  return new DevstackError('BUILD_INCOMPLETE', `devstack's build is incomplete: ${missing} is missing`, {
    hint: 'reinstall devstack, or run "npm run build" in its repository',
  });
}

export function formatInternalError(error: unknown, version: string): string {
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `internal error in devstack ${version} (this is a bug, please report it with the text below):\n${stack}`;
}
