/**
 * `devstack mcp [--allow-control]`: the Model Context Protocol server for this config's stack, over
 * stdio, until the client closes it. stdout carries the protocol only; devstack's own diagnostics
 * go to stderr. Works whether or not the stack runs: the config is read afresh on every call (an
 * agent may just have fixed it), the stack is found from the config file's path.
 */
import { spawn } from 'node:child_process';
import { readRunRecord } from '../../app/run-record.js';
import type { ResolvedConfig } from '../../config/resolved.js';
import type { CliOutcome, StackAccess } from '../../mcp/stack-access.js';
import { mainScript } from '../../util/entry-point.js';
import { cleanLine } from '../../util/terminal-text.js';
import { loadContextConfig, stackHandleOf, type CommandContext } from '../context.js';

export interface McpCommandOptions {
  readonly allowControl: boolean;
  readonly mode: string;
  readonly version: string;
}

/** What a devstack command printed, kept to its last part when it printed a lot. */
const MAX_OUTPUT = 32 * 1024;

function runDevstack(context: CommandContext, configFile: string, args: readonly string[]): Promise<CliOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mainScript(), ...args, '-c', configFile], {
      cwd: context.cwd,
      env: { ...context.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += String(chunk);
      if (output.length > 2 * MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => resolve({ code: 1, output: `could not run devstack: ${error.message}` }));
    child.on('close', (code, signal) => {
      const text = output.length > MAX_OUTPUT ? `… (earlier output left out)\n${output.slice(-MAX_OUTPUT)}` : output;
      resolve({
        code: code ?? (signal === null ? 1 : 128),
        output: text
          .split('\n')
          .map((line) => cleanLine(line, false))
          .join('\n'),
      });
    });
  });
}

export async function mcpCommand(context: CommandContext, options: McpCommandOptions): Promise<number> {
  const stack = stackHandleOf(context);
  const access: StackAccess = {
    configFile: stack.file,
    config: () => loadContextConfig(context),
    client: stack.client,
    logsDir: (config: ResolvedConfig) => readRunRecord(stack.paths.record)?.logsDir ?? config.logsDir,
    runCli: (args) => runDevstack(context, stack.file, args),
    processEnv: context.env,
    mode: options.mode,
    cwd: context.cwd,
  };
  const [{ createMcpServer }, { StdioServerTransport }] = await Promise.all([
    import('../../mcp/server.js'),
    import('@modelcontextprotocol/sdk/server/stdio.js'),
  ]);
  const mcp = createMcpServer({ access, allowControl: options.allowControl, version: options.version });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await mcp.connect(transport);
  context.terminal.err(
    `devstack mcp: serving ${stack.file} over stdio${options.allowControl ? ' (control tools allowed)' : ' (read-only; --allow-control enables up, down, restart, stop, start)'}`,
  );
  await closed;
  await mcp.close();
  return 0;
}
