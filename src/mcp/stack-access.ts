/**
 * What the MCP server needs from the stack it serves, handed in by `devstack mcp` (which knows the
 * command context): the config loaded afresh on every call (an agent may have just fixed it), the
 * control client of the stack's socket, where its logs are, and a way to run a devstack command.
 */
import type { ResolvedConfig } from '../config/resolved.js';
import type { ControlClient } from '../control/client.js';

export interface CliOutcome {
  readonly code: number;
  /** stdout and stderr, interleaved as written, without colours. */
  readonly output: string;
}

export interface StackAccess {
  /** The config file the server is for, as shown to the user. */
  readonly configFile: string;
  /** Loads and validates the config; throws a DevstackError naming the file and field. */
  config(): Promise<ResolvedConfig>;
  /** The control client of the stack's socket (found from the config file's path alone). */
  readonly client: ControlClient;
  /** The logs folder of the running (or last) run, else the configured one. */
  logsDir(config: ResolvedConfig): string;
  /** Runs `devstack <args>` for this config, as a child process; resolves when it exits. */
  runCli(args: readonly string[]): Promise<CliOutcome>;
  /** devstack's own environment and mode, for `env`. */
  readonly processEnv: NodeJS.ProcessEnv;
  readonly mode: string;
  readonly cwd: string;
}
