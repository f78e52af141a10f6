/**
 * The background supervisor's own entry point (background-supervisor.ts spawns it): only what a
 * supervisor needs — not the CLI's argument parser, colours and commands, which cost the process
 * that every `up -d` waits for ~50 ms to load. What to start comes with its config, over IPC.
 */
import { readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setMainScript } from '../util/entry-point.js';
import { trace, traceProcessStart } from '../util/trace.js';
import { superviseCommand } from './commands/supervise.js';
import { installFatalHandlers } from './fatal.js';
import { formatInternalError } from './render/error.js';

traceProcessStart();
trace('supervisor-main');
// The guardian's reaper runs the CLI (`devstack __reap`), which sits beside this file.
setMainScript(join(dirname(fileURLToPath(import.meta.url)), 'main.js'));
const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
installFatalHandlers((error) => void writeSync(2, `${formatInternalError(error, version)}\n`));

const code = await superviseCommand({ cwd: process.cwd(), env: process.env });
process.exit(code);
