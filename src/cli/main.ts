/**
 * The `devstack` command: parses arguments, runs one command, and is the only place that prints
 * errors and exits. A DevstackError is printed as one line plus a hint, with no stack; anything
 * else is a bug and is printed with its stack. Output is flushed before the process exits: a big
 * output to a pipe is never cut.
 */
import { readFileSync } from 'node:fs';
import { cac } from 'cac';
import { REAP_COMMAND } from '../app/guardian.js';
import { DevstackError, isDevstackError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import type { CommandContext } from './context.js';
import { formatError, formatInternalError, incompleteBuildError } from './render/error.js';
import { createTerminal, type Terminal } from './render/terminal.js';
import { installFatalHandlers } from './fatal.js';
import { parseDurationMs } from '../util/duration.js';
import { trace, traceProcessStart } from '../util/trace.js';
import { setMainScript } from '../util/entry-point.js';
import { cancelEarlySupervisor } from './early-supervisor.js';
import { fileURLToPath } from 'node:url';

traceProcessStart();
trace('cli-main');
setMainScript(fileURLToPath(import.meta.url));

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
// Commands load lazily: `devstack ps` need not load the file watcher, and the background
// supervisor neither the TypeScript loader nor the validator.
const COMMANDS = ['init', 'up', 'down', 'run', 'logs', 'ps', 'restart', 'start', 'stop', 'env', 'events', 'mcp', 'export'];

interface GlobalFlags {
  readonly config?: string;
  readonly color?: boolean;
}

function usage(message: string, hint: string): DevstackError {
  return new DevstackError('USAGE', message, { hint });
}

function parseLineCount(value: unknown): number {
  if (value === undefined) return Infinity;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0)
    throw usage(`-n/--lines: expected a whole number of lines, got ${JSON.stringify(value)}`, 'pass e.g. -n 100');
  return count;
}

/** `--profile a --profile b,c` → ['a', 'b', 'c']. */
function parseList(value: unknown): string[] {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return values
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}

function parseMode(value: unknown): string {
  const mode = String(value ?? 'development');
  if (!/^[\w.-]+$/.test(mode))
    throw usage(`--mode: expected a name such as development or test, got ${JSON.stringify(mode)}`, 'pass e.g. --mode test');
  return mode;
}

function parseTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDurationMs(String(value));
  if (ms === undefined || ms <= 0)
    throw usage(`--timeout: expected a duration such as 90s or 5m, got ${JSON.stringify(value)}`, 'pass e.g. --timeout 2m');
  return ms;
}

function parseSince(value: unknown): number {
  if (value === undefined) return 0;
  const seq = Number(value);
  if (!Number.isInteger(seq) || seq < 0)
    throw usage(`--since: expected an event number, got ${JSON.stringify(value)}`, 'pass the "seq" of the last event you saw');
  return seq;
}

/**
 * cac names an unknown option by its camel-cased key, without a `no-` prefix (`--no-such-flag` is
 * reported as `--suchFlag`): name it as it was typed instead.
 */
function asTyped(message: string, argv: readonly string[]): string {
  const keyOf = (name: string): string => name.replace(/^no-/, '').replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
  return message.replace(/`(--?)([^`]+)`/, (whole, _dashes: string, name: string) => {
    const typed = argv.find((arg) => arg.startsWith('-') && keyOf(arg.replace(/^--?/, '').split('=')[0]!) === name);
    return typed === undefined ? whole : `\`${typed.split('=')[0]}\``;
  });
}

async function run(argv: readonly string[], terminalRef: { current: Terminal }): Promise<number> {
  const contextFor = (flags: GlobalFlags): CommandContext => {
    const terminal = createTerminal({ color: flags.color !== false, env: process.env });
    terminalRef.current = terminal;
    return { cwd: process.cwd(), terminal, configPath: flags.config, env: process.env };
  };

  if (argv[0] === REAP_COMMAND) {
    const { reapCommand } = await import('./commands/reap.js');
    return reapCommand(contextFor({ color: false }), { recordPath: argv[1] ?? '' });
  }

  const cli = cac('devstack');
  let action: (() => Promise<number>) | undefined;
  cli.option('-c, --config <path>', 'Use this config file instead of searching for services.config.ts upwards');
  cli.option('--no-color', 'Plain output (also off when output is not a terminal, or with NO_COLOR)');

  cli
    .command('init', 'Write services.config.ts for this repository, from its workspaces and its Compose file')
    .option('--force', 'Replace an existing services.config.ts')
    .option('--compose <file>', 'Read this Compose file (default: compose.yaml, docker-compose.yml… here)')
    .option('--print', 'Print the config instead of writing it')
    .example('devstack init')
    .example('devstack init --compose docker-compose.dev.yml --print')
    .action((flags: GlobalFlags & { force?: boolean; compose?: unknown; print?: boolean }) => {
      const options = {
        force: flags.force === true,
        compose: flags.compose === undefined ? undefined : String(flags.compose),
        print: flags.print === true,
      };
      action = async () => (await import('./commands/init.js')).initCommand(contextFor(flags), options);
    });
  cli
    .command('up [...services]', 'Start services (all, or these and their dependencies) in dependency order')
    .option('-d, --detach', 'Run in the background; return once every service is ready (exit 0) or one failed (exit 1)')
    .option('--wait', 'Like --detach, but show the output until every service is ready (for CI)')
    .option('--timeout <duration>', 'With -d/--wait: give up (and stop what started) when not ready within this time')
    .option('--json', 'Events as JSON lines instead of the prefixed view')
    .option('--profile <name>', 'Also start services of this profile (repeat, or comma-separate)')
    .option('--mode <mode>', 'Load .env.<mode> and .env.<mode>.local', { default: 'development' })
    .option('--no-dashboard', 'Do not serve the web dashboard (config: dashboard: false)')
    .example('devstack up')
    .example('devstack up user-service -d')
    .example('devstack up --profile workers --mode test')
    .action(
      (
        services: string[],
        flags: GlobalFlags & {
          detach?: boolean;
          wait?: boolean;
          json?: boolean;
          timeout?: unknown;
          profile?: unknown;
          mode?: unknown;
          dashboard?: boolean;
        },
      ) => {
        const options = {
          services,
          dashboard: flags.dashboard !== false,
          detach: flags.detach === true,
          wait: flags.wait === true,
          json: flags.json === true,
          timeoutMs: parseTimeout(flags.timeout),
          profiles: parseList(flags.profile),
          mode: parseMode(flags.mode),
        };
        action = async () => (await import('./commands/up.js')).upCommand(contextFor(flags), options);
      },
    );
  cli
    .command('down [...services]', 'Stop the stack (or these services and their dependents), also when its supervisor died')
    .option('-v, --volumes', "Also delete the databases' data (asks first)")
    .option('-y, --yes', 'With --volumes: delete without asking')
    .example('devstack down --volumes --yes')
    .action((services: string[], flags: GlobalFlags & { volumes?: boolean; yes?: boolean }) => {
      const options = { services, volumes: flags.volumes === true, yes: flags.yes === true };
      action = async () => (await import('./commands/down.js')).downCommand(contextFor(flags), options);
    });
  cli
    .command('run [...command]', 'Start the stack, wait until it is ready, run a command with its URLs, stop the stack; exit with its code')
    .option('--with <services>', 'Only these services and their dependencies (comma-separate, or repeat)')
    .option('--keep', 'Leave the stack running afterwards')
    .option('--timeout <duration>', 'Give up (and stop what started) when the stack is not ready within this time')
    .option('--profile <name>', 'As for up')
    .option('--mode <mode>', 'As for up', { default: 'development' })
    .example('devstack run -- npm test')
    .example('devstack run --with api,postgres --timeout 2m -- npx vitest run')
    .action(
      (
        command: string[],
        flags: GlobalFlags & { '--'?: string[]; with?: unknown; keep?: boolean; timeout?: unknown; profile?: unknown; mode?: unknown },
      ) => {
        const options = {
          command: [...command, ...(flags['--'] ?? [])],
          with: parseList(flags.with),
          keep: flags.keep === true,
          timeoutMs: parseTimeout(flags.timeout),
          profiles: parseList(flags.profile),
          mode: parseMode(flags.mode),
        };
        action = async () => (await import('./commands/run.js')).runCommand(contextFor(flags), options);
      },
    );
  cli
    .command('logs [...services]', 'Show service logs, merged in time order')
    .option('-f, --follow', 'Keep printing new lines until Ctrl-C or until the stack stops')
    .option('-n, --lines <count>', 'Only the last <count> lines of each service')
    .option('--json', 'One JSON object per line: time, service, stream, text')
    .action((services: string[], flags: GlobalFlags & { follow?: boolean; lines?: unknown; json?: boolean }) => {
      const lines = parseLineCount(flags.lines);
      const options = { services, follow: flags.follow === true, lines, json: flags.json === true };
      action = async () => (await import('./commands/logs.js')).logsCommand(contextFor(flags), options);
    });
  cli
    .command('events', "The supervisor's events: state changes, restarts with their cause, failures")
    .option('-f, --follow', 'Keep printing new events until Ctrl-C or until the stack stops')
    .option('--since <seq>', 'Only events after this number (to resume a stream)')
    .option('--json', 'One JSON object per event')
    .action((flags: GlobalFlags & { follow?: boolean; since?: unknown; json?: boolean }) => {
      const options = { follow: flags.follow === true, since: parseSince(flags.since), json: flags.json === true };
      action = async () => (await import('./commands/events.js')).eventsCommand(contextFor(flags), options);
    });
  cli
    .command('ps', 'Show each service: state, pid, port, uptime, restarts')
    .option('--json', 'Machine-readable output')
    .action((flags: GlobalFlags & { json?: boolean }) => {
      action = async () => (await import('./commands/ps.js')).psCommand(contextFor(flags), { json: flags.json === true });
    });
  cli
    .command(
      'timeline',
      "The last up's startup as a waterfall: spawned, ready, what each waited for, the critical path; and the restarts since",
    )
    .option('--json', 'Machine-readable output')
    .action((flags: GlobalFlags & { json?: boolean }) => {
      action = async () => (await import('./commands/timeline.js')).timelineCommand(contextFor(flags), { json: flags.json === true });
    });
  cli
    .command('dashboard', "Print the running stack's dashboard URL (with its token)")
    .option('--open', 'Also open it in the browser')
    .action((flags: GlobalFlags & { open?: boolean }) => {
      action = async () => (await import('./commands/dashboard.js')).dashboardCommand(contextFor(flags), { open: flags.open === true });
    });
  cli
    .command('restart <service>', 'Stop a service gracefully, start it again and wait until it is ready')
    .action((service: string, flags: GlobalFlags) => {
      action = async () => (await import('./commands/restart.js')).restartCommand(contextFor(flags), { service });
    });
  cli
    .command('start <service>', 'Start a stopped service of the running stack (and what it needs), and wait until it is ready')
    .action((service: string, flags: GlobalFlags) => {
      action = async () => (await import('./commands/start-stop.js')).startCommand(contextFor(flags), { service });
    });
  cli
    .command('stop <...services>', 'Stop services of the running stack (and their dependents); the stack keeps running')
    .action((services: string[], flags: GlobalFlags) => {
      action = async () => (await import('./commands/start-stop.js')).stopCommand(contextFor(flags), { services });
    });
  cli
    .command('env <service>', 'Show the environment a service gets, and where each value comes from')
    .option('--json', 'Machine-readable output')
    .option('--reveal', 'Show secret values (masked by default)')
    .option('--all', "Also list the variables passed through from devstack's own environment")
    .option('--mode <mode>', 'As for up', { default: 'development' })
    .action((service: string, flags: GlobalFlags & { json?: boolean; reveal?: boolean; all?: boolean; mode?: unknown }) => {
      const options = {
        service,
        json: flags.json === true,
        reveal: flags.reveal === true,
        all: flags.all === true,
        mode: parseMode(flags.mode),
      };
      action = async () => (await import('./commands/env.js')).envCommand(contextFor(flags), options);
    });
  cli
    .command(
      'export <target>',
      'Write the stack for another engine: compose (a Compose file), swarm (one for docker stack deploy) or k8s (Kubernetes manifests)',
    )
    .option(
      '-o, --output <path>',
      'Where to write it (default: compose.devstack.yaml, stack.devstack.yaml, or the folder k8s.devstack, beside the config)',
    )
    .option('--mode <mode>', 'As for up: the .env files to resolve', { default: 'development' })
    .option('--node-image <image>', 'The image services run in (default: node:<this Node major>-bookworm-slim)')
    .action((target: string, flags: GlobalFlags & { output?: unknown; mode?: unknown; nodeImage?: unknown }) => {
      const options = {
        target,
        output: flags.output === undefined ? undefined : String(flags.output),
        mode: parseMode(flags.mode),
        nodeImage: flags.nodeImage === undefined ? undefined : String(flags.nodeImage),
      };
      action = async () => (await import('./commands/export.js')).exportCommand(contextFor(flags), options);
    });
  cli
    .command('mcp', 'Serve the stack to coding agents: a Model Context Protocol server over stdio (read-only unless --allow-control)')
    .option('--allow-control', 'Also offer up, down, restart, stop and start as tools')
    .option('--mode <mode>', 'As for up (for the env tool)', { default: 'development' })
    .action((flags: GlobalFlags & { allowControl?: boolean; mode?: unknown }) => {
      const options = { allowControl: flags.allowControl === true, mode: parseMode(flags.mode), version: VERSION };
      action = async () => (await import('./commands/mcp.js')).mcpCommand(contextFor(flags), options);
    });
  cli.on('command:*', () => {
    const name = cli.args[0] ?? '';
    throw usage(`unknown command "${name}"${didYouMean(name, COMMANDS)}`, 'run "devstack --help" for the list of commands');
  });
  cli.help();
  cli.version(VERSION);

  try {
    cli.parse(['node', 'devstack', ...argv], { run: true });
  } catch (error) {
    if (isDevstackError(error)) throw error;
    // cac's own parse errors: unknown options, missing arguments.
    const message = error instanceof Error ? error.message : String(error);
    const command = cli.matchedCommandName ?? '';
    const hint =
      command === 'run'
        ? 'put the command after "--": devstack run -- npm test --coverage'
        : `run "devstack ${command ? `${command} ` : ''}--help"`;
    throw usage(asTyped(message, argv).replace(/`/g, '"').replace(/\.$/, ''), hint);
  }
  if (action === undefined) {
    if (argv.length === 0) cli.outputHelp();
    return 0; // --help or --version was printed by cac
  }
  return action();
}

const terminalRef = { current: createTerminal({ color: !process.argv.includes('--no-color'), env: process.env }) };
/** dist/, in the bundle (dist/bundle/main.js) as in tsc's output (dist/cli/main.js). */
const DIST_DIR = fileURLToPath(new URL('..', import.meta.url));
/** What the user reads of a failure: a DevstackError's lines, or a bug report with its stack. */
function describeFailure(thrown: unknown): string {
  const terminal = terminalRef.current;
  const error = isDevstackError(thrown) ? thrown : incompleteBuildError(thrown, DIST_DIR);
  if (error === undefined) return formatInternalError(thrown, VERSION);
  const debug =
    process.env['DEVSTACK_DEBUG'] === '1' ? `\n${String(error.stack)}${error.cause ? `\ncause: ${String(error.cause)}` : ''}` : '';
  return formatError(error, terminal.colors) + debug;
}
installFatalHandlers(
  (error) => terminalRef.current.err(describeFailure(error)),
  () => terminalRef.current.flush(2000),
);
let exitCode: number;
try {
  exitCode = await run(process.argv.slice(2), terminalRef);
} catch (error) {
  terminalRef.current.err(describeFailure(error));
  exitCode = 1;
}
cancelEarlySupervisor(); // spawned by the launcher for what turned out not to be a detached up
// Everything written must reach the reader first; a terminal that stopped reading gets 5 s.
await terminalRef.current.flush(5000);
trace('cli-exit');
process.exit(exitCode);
