/**
 * Decides whether a command string needs a shell. A plain `node server.js --port 3000` is split
 * into argv and exec'd directly: one process fewer per service, and signals reach the program
 * itself instead of a `sh` that does not forward them.
 */
export type CommandLine =
  { readonly type: 'argv'; readonly file: string; readonly args: readonly string[] } | { readonly type: 'shell'; readonly script: string };

// Anything a shell would interpret: operators, redirections, expansions, quotes, globs, comments,
// and `VAR=value cmd` prefixes (handled by `=` in the first word below).
const SHELL_SYNTAX = /[|&;<>()$`\\"'*?[\]#~{}\n]/;

export function parseCommandLine(command: string | readonly string[]): CommandLine {
  if (typeof command !== 'string') {
    const [file, ...args] = command;
    return { type: 'argv', file: file ?? '', args };
  }
  const trimmed = command.trim();
  const words = trimmed.split(/\s+/);
  const [file, ...args] = words;
  if (SHELL_SYNTAX.test(trimmed) || file === undefined || file.includes('=')) {
    return { type: 'shell', script: trimmed };
  }
  return { type: 'argv', file, args };
}

/** For messages: the command as the user would type it. */
export function formatCommandLine(line: CommandLine): string {
  return line.type === 'shell' ? line.script : [line.file, ...line.args].join(' ');
}
